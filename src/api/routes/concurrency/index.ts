import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ReservedConcurrencyService } from '../../../control-plane/concurrency/reserved-concurrency-service.js';
import { FunctionNameParams } from '../functions/schemas.js';

const PutConcurrencyBody = Type.Object({ ReservedConcurrentExecutions: Type.Optional(Type.Integer()) });

/** PutFunctionConcurrency and DeleteFunctionConcurrency (2017-10-31), GetFunctionConcurrency (2019-09-30). */
export const concurrencyRoutes: FastifyPluginAsyncTypebox<{ concurrency: ReservedConcurrencyService }> = async (app, { concurrency }) => {
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
