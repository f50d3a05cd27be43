import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { refusePublishTo, toListedConfiguration } from '../../../control-plane/function-extras.js';
import { getVersionOf, toFunctionConfiguration } from '../../../control-plane/function-model.js';
import type { FunctionService } from '../../../control-plane/function-service.js';
import { Violations } from '../../../shared/violations.js';
import { parseMaxItems } from '../../list-params.js';
import { ListQuery } from '../function-subresources/schemas.js';
import { FunctionNameParams } from '../functions/schemas.js';

const PublishVersionBody = Type.Object({
  CodeSha256: Type.Optional(Type.String()),
  Description: Type.Optional(Type.String()),
  RevisionId: Type.Optional(Type.String()),
  PublishTo: Type.Optional(Type.String()),
});

/** PublishVersion and ListVersionsByFunction. */
export const versionRoutes: FastifyPluginAsyncTypebox<{ functions: FunctionService }> = async (app, { functions }) => {
  app.post(
    '/2015-03-31/functions/:FunctionName/versions',
    { schema: { params: FunctionNameParams, body: Type.Optional(PublishVersionBody) } },
    async (request, reply) => {
      const body = request.body ?? {};
      const violations = new Violations(['functionName', 'codeSha256', 'description', 'revisionId', 'publishTo']);
      if (body.Description !== undefined && body.Description.length > 256) {
        violations.add('description', body.Description, 'Member must have length less than or equal to 256');
      }
      if (body.PublishTo !== undefined && body.PublishTo !== 'LATEST_PUBLISHED') {
        violations.add('publishTo', body.PublishTo, 'Member must satisfy enum value set: [LATEST_PUBLISHED]');
      }
      violations.throwIfAny();
      refusePublishTo(body.PublishTo);
      const version = await functions.publishVersion(request.params.FunctionName, body);
      return reply.code(201).send(toFunctionConfiguration(version, functions.scope));
    },
  );

  app.get(
    '/2015-03-31/functions/:FunctionName/versions',
    { schema: { params: FunctionNameParams, querystring: ListQuery } },
    async (request) => {
      const violations = new Violations();
      const maxItems = parseMaxItems(request.query.MaxItems, violations);
      violations.throwIfAny();
      const page = await functions.listVersions(request.params.FunctionName, request.query.Marker, maxItems);
      const body: Record<string, unknown> = {
        Versions: page.records.map((r) => toListedConfiguration(toFunctionConfiguration(r, functions.scope, getVersionOf(r)))),
      };
      if (page.nextMarker !== undefined) body.NextMarker = page.nextMarker;
      return body;
    },
  );
};
