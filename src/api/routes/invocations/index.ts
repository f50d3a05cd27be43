import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { INVOKE_ASYNC_PAYLOAD_LIMIT, checkEventSize } from '../../../invocation/async/async-invoker.js';
import type { InvokeService } from '../../../invocation/invoke-service.js';
import type { OperationConfig } from '../../aws-errors.js';
import { FunctionNameParams, QualifierQuery } from '../functions/schemas.js';

/**
 * The route's backstop deadline, past the longest invocation there is (init 10 s + Timeout 900 s): the
 * invoke service answers each invocation by its own function's timeout plus a margin.
 */
const INVOKE_HANDLER_TIMEOUT_MS = 960_000;

/** AWS's limit for a synchronous invocation's request. */
export const INVOKE_REQUEST_LIMIT = 6_291_456;

const InvokeHeaders = Type.Object({
  'x-amz-invocation-type': Type.Optional(Type.String()),
  'x-amz-log-type': Type.Optional(Type.String()),
  'x-amz-client-context': Type.Optional(Type.String()),
  'x-amzn-trace-id': Type.Optional(Type.String()),
});

/** Invoke: `POST /2015-03-31/functions/{FunctionName}/invocations`, the payload as raw bytes. */
export const invocationRoutes: FastifyPluginAsyncTypebox<{ invoker: InvokeService }> = async (app, { invoker }) => {
  // Whatever the content type, the payload is passed through as bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: INVOKE_REQUEST_LIMIT }, (_req, body, done) => done(null, body));

  const config: OperationConfig = { operation: 'InvokeFunction', requestLimit: INVOKE_REQUEST_LIMIT };
  app.post(
    '/2015-03-31/functions/:FunctionName/invocations',
    { config, bodyLimit: INVOKE_REQUEST_LIMIT, handlerTimeout: INVOKE_HANDLER_TIMEOUT_MS, schema: { params: FunctionNameParams, querystring: QualifierQuery, headers: InvokeHeaders } },
    async (request, reply) => {
      const headers = request.headers;
      const result = await invoker.invoke({
        requestId: request.id,
        functionName: request.params.FunctionName,
        qualifier: request.query.Qualifier,
        invocationType: headers['x-amz-invocation-type'],
        logType: headers['x-amz-log-type'],
        clientContext: headers['x-amz-client-context'],
        traceId: headers['x-amzn-trace-id'],
        payload: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      });
      reply.code(result.statusCode);
      if (result.executedVersion !== undefined) reply.header('x-amz-executed-version', result.executedVersion);
      if (result.functionError !== undefined) reply.header('x-amz-function-error', result.functionError);
      if (result.logResult !== undefined) reply.header('x-amz-log-result', result.logResult);
      // Event (202) and DryRun (204) answer with no body and no content type, as AWS does.
      if (result.statusCode !== 200) return reply.send();
      return reply.type('application/json').send(result.payload);
    },
  );

  // The deprecated InvokeAsync (`aws lambda invoke-async`): an Event invocation of at most 256 KB.
  const asyncConfig: OperationConfig = { operation: 'InvokeAsync', requestLimit: INVOKE_REQUEST_LIMIT };
  app.post(
    '/2014-11-13/functions/:FunctionName/invoke-async',
    { config: asyncConfig, bodyLimit: INVOKE_REQUEST_LIMIT, schema: { params: FunctionNameParams } },
    async (request, reply) => {
      const payload = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      checkEventSize(payload, INVOKE_ASYNC_PAYLOAD_LIMIT);
      const result = await invoker.invoke({ requestId: request.id, functionName: request.params.FunctionName, invocationType: 'Event', payload });
      return reply.code(result.statusCode).send();
    },
  );
};
