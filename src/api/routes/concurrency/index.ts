import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ProvisionedConcurrencyService } from '../../../control-plane/concurrency/provisioned-concurrency-service.js';
import type { ReservedConcurrencyService } from '../../../control-plane/concurrency/reserved-concurrency-service.js';
import { ProvisionedConcurrencyQuery } from '../function-subresources/schemas.js';
import { FunctionNameParams, QualifierQuery } from '../functions/schemas.js';

const PutConcurrencyBody = Type.Object({ ReservedConcurrentExecutions: Type.Optional(Type.Integer()) });
const PutProvisionedBody = Type.Object({ ProvisionedConcurrentExecutions: Type.Optional(Type.Integer()) });
const PROVISIONED_PATH = '/2019-09-30/functions/:FunctionName/provisioned-concurrency';

/**
 * PutFunctionConcurrency and DeleteFunctionConcurrency (2017-10-31), GetFunctionConcurrency (2019-09-30);
 * Put / Get / Delete / ListProvisionedConcurrencyConfig(s) (2019-09-30, `?List=ALL` picks List).
 */
export const concurrencyRoutes: FastifyPluginAsyncTypebox<{
  concurrency: ReservedConcurrencyService;
  provisioned: ProvisionedConcurrencyService;
}> = async (app, { concurrency, provisioned }) => {
  app.put(PROVISIONED_PATH, { schema: { params: FunctionNameParams, querystring: QualifierQuery, body: PutProvisionedBody } }, async (request, reply) =>
    reply.code(202).send(await provisioned.put(request.params.FunctionName, request.query.Qualifier, request.body.ProvisionedConcurrentExecutions)),
  );
  app.get(PROVISIONED_PATH, { schema: { params: FunctionNameParams, querystring: ProvisionedConcurrencyQuery } }, async (request) =>
    request.query.List === 'ALL'
      ? provisioned.list(request.params.FunctionName)
      : provisioned.get(request.params.FunctionName, request.query.Qualifier),
  );
  app.delete(PROVISIONED_PATH, { schema: { params: FunctionNameParams, querystring: QualifierQuery } }, async (request, reply) => {
    await provisioned.remove(request.params.FunctionName, request.query.Qualifier);
    return reply.code(204).send();
  });

  app.put(
    '/2017-10-31/functions/:FunctionName/concurrency',
    { schema: { params: FunctionNameParams, body: PutConcurrencyBody } },
    async (request) => ({
      ReservedConcurrentExecutions: await concurrency.put(request.params.FunctionName, request.body.ReservedConcurrentExecutions),
    }),
  );

  app.get('/2019-09-30/functions/:FunctionName/concurrency', { schema: { params: FunctionNameParams } }, async (request) => {
    const reserved = await concurrency.get(request.params.FunctionName);
    return reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved };
  });

  app.delete('/2017-10-31/functions/:FunctionName/concurrency', { schema: { params: FunctionNameParams } }, async (request, reply) => {
    await concurrency.remove(request.params.FunctionName);
    return reply.code(204).send();
  });
};
