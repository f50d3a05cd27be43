import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { toAliasConfiguration } from '../../../control-plane/aliases/alias-model.js';
import type { AliasService, FunctionAlias } from '../../../control-plane/aliases/alias-service.js';
import type { Scope } from '../../../control-plane/function-ref.js';
import { Violations } from '../../../shared/violations.js';
import { parseMaxItems } from '../../list-params.js';
import { FunctionNameParams } from '../functions/schemas.js';

const RoutingConfig = Type.Object({
  AdditionalVersionWeights: Type.Optional(Type.Record(Type.String(), Type.Number())),
});

const CreateAliasBody = Type.Object({
  Name: Type.Optional(Type.String()),
  FunctionVersion: Type.Optional(Type.String()),
  Description: Type.Optional(Type.String()),
  RoutingConfig: Type.Optional(RoutingConfig),
});

const UpdateAliasBody = Type.Object({
  FunctionVersion: Type.Optional(Type.String()),
  Description: Type.Optional(Type.String()),
  RoutingConfig: Type.Optional(RoutingConfig),
  RevisionId: Type.Optional(Type.String()),
});

const AliasParams = Type.Object({ FunctionName: Type.String(), Name: Type.String() });

const ListAliasesQuery = Type.Object({
  FunctionVersion: Type.Optional(Type.String()),
  Marker: Type.Optional(Type.String()),
  MaxItems: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
});

/** CreateAlias, GetAlias, ListAliases, UpdateAlias, DeleteAlias. */
export const aliasRoutes: FastifyPluginAsyncTypebox<{ aliases: AliasService; scope: Scope }> = async (app, { aliases, scope }) => {
  const view = ({ functionName, alias }: FunctionAlias) => toAliasConfiguration(alias, functionName, scope);

  app.post(
    '/2015-03-31/functions/:FunctionName/aliases',
    { schema: { params: FunctionNameParams, body: CreateAliasBody } },
    async (request, reply) => {
      return reply.code(201).send(view(await aliases.create(request.params.FunctionName, request.body)));
    },
  );

  app.get(
    '/2015-03-31/functions/:FunctionName/aliases',
    { schema: { params: FunctionNameParams, querystring: ListAliasesQuery } },
    async (request) => {
      const violations = new Violations();
      const maxItems = parseMaxItems(request.query.MaxItems, violations);
      violations.throwIfAny();
      const { FunctionVersion, Marker } = request.query;
      const page = await aliases.list(request.params.FunctionName, FunctionVersion, Marker, maxItems);
      const body: Record<string, unknown> = {
        Aliases: page.aliases.map((alias) => view({ functionName: page.functionName, alias })),
      };
      if (page.nextMarker !== undefined) body.NextMarker = page.nextMarker;
      return body;
    },
  );

  app.get('/2015-03-31/functions/:FunctionName/aliases/:Name', { schema: { params: AliasParams } }, async (request) => {
    return view(await aliases.get(request.params.FunctionName, request.params.Name));
  });

  app.put(
    '/2015-03-31/functions/:FunctionName/aliases/:Name',
    { schema: { params: AliasParams, body: UpdateAliasBody } },
    async (request) => {
      return view(await aliases.update(request.params.FunctionName, request.params.Name, request.body));
    },
  );

  app.delete('/2015-03-31/functions/:FunctionName/aliases/:Name', { schema: { params: AliasParams } }, async (request, reply) => {
    await aliases.remove(request.params.FunctionName, request.params.Name);
    return reply.code(204).send();
  });
};
