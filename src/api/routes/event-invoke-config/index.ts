import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { EventInvokeConfigService } from '../../../control-plane/event-invoke-config/event-invoke-config-service.js';
import { FunctionNameParams, QualifierQuery } from '../functions/schemas.js';
import { EventInvokeConfigBody, EventInvokeConfigListQuery } from './schemas.js';

const PATH = '/2019-09-25/functions/:FunctionName/event-invoke-config';
const writing = { params: FunctionNameParams, querystring: QualifierQuery, body: Type.Optional(EventInvokeConfigBody) };
const reading = { params: FunctionNameParams, querystring: QualifierQuery };

/**
 * Put (PUT, replaces) / Update (POST, merges) / Get / Delete / ListFunctionEventInvokeConfigs
 * (2019-09-25): the asynchronous invocation settings of a function's `$LATEST`, versions and aliases.
 */
export const eventInvokeConfigRoutes: FastifyPluginAsyncTypebox<{ eventInvokeConfigs: EventInvokeConfigService }> = async (
  app,
  { eventInvokeConfigs },
) => {
  app.put(PATH, { schema: writing }, async (request) =>
    eventInvokeConfigs.put(request.params.FunctionName, request.query.Qualifier, request.body ?? {}),
  );
  app.post(PATH, { schema: writing }, async (request) =>
    eventInvokeConfigs.update(request.params.FunctionName, request.query.Qualifier, request.body ?? {}),
  );
  app.get(PATH, { schema: reading }, async (request) => eventInvokeConfigs.get(request.params.FunctionName, request.query.Qualifier));
  app.delete(PATH, { schema: reading }, async (request, reply) => {
    await eventInvokeConfigs.remove(request.params.FunctionName, request.query.Qualifier);
    return reply.code(204).send();
  });
  app.get(`${PATH}/list`, { schema: { params: FunctionNameParams, querystring: EventInvokeConfigListQuery } }, async (request) => {
    const { Marker, MaxItems } = request.query;
    return eventInvokeConfigs.list(request.params.FunctionName, Marker, MaxItems === undefined ? undefined : Number(MaxItems));
  });
};
