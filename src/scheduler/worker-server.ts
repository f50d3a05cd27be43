import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Executor } from '../invocation/execution.js';
import { ENVIRONMENT_LIMITS } from '../invocation/environment-plan.js';
import { LambdaError, serviceError } from '../shared/errors.js';
import { HostFullError } from '../sandbox/capacity.js';
import type { ImageInspector } from '../control-plane/code/image-code.js';
import { ERROR_HEADER, EXECUTIONS_PATH, FULL_HEADER, IMAGES_PATH, TOKEN_HEADER, decodeExecution, encodeError, encodeResponseHeaders, type WireExecution } from './execution-wire.js';

export interface WorkerServerOptions {
  executor: Executor;
  token: string;
  /** Makes sure an execution's code is on this worker before it runs (fetched from the api when not). */
  ensureCode: (execution: WireExecution) => Promise<void>;
  health: () => Promise<Record<string, string>>;
  /** Finds images on this worker's engine, for api processes checking a container-image function's ImageUri. */
  images?: ImageInspector;
  /** Told of a failure that becomes a ServiceException (logged once, here). */
  onError: (error: unknown) => void;
}

const sameToken = (given: string | undefined, token: string): boolean =>
  given !== undefined && given.length === token.length && timingSafeEqual(Buffer.from(given), Buffer.from(token));

/**
 * A worker's internal endpoint: api processes hand it executions (the token of this installation
 * required), it runs them in its own sandboxes and answers with their outcome. Not the Lambda API.
 */
export function buildWorkerServer(options: WorkerServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, keepAliveTimeout: 60_000 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ENVIRONMENT_LIMITS.maxPayloadBytes + 1024 * 1024 }, (_req, body, done) =>
    done(null, body),
  );

  app.get('/health', async (_request, reply) => {
    const checks = await options.health();
    const ok = Object.values(checks).every((value) => value === 'ok');
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks });
  });

  app.get<{ Querystring: { reference?: string } }>(IMAGES_PATH, async (request, reply) => {
    const given = request.headers[TOKEN_HEADER];
    if (!sameToken(Array.isArray(given) ? given[0] : given, options.token)) return reply.code(403).send();
    const reference = request.query.reference;
    if (options.images === undefined || reference === undefined) return reply.code(404).send();
    const image = await options.images.inspect(reference);
    return image === undefined ? reply.code(404).send() : reply.code(200).send(image);
  });

  app.post(EXECUTIONS_PATH, async (request, reply) => {
    const given = request.headers[TOKEN_HEADER];
    if (!sameToken(Array.isArray(given) ? given[0] : given, options.token)) return reply.code(403).send();
    try {
      const execution = decodeExecution(request.body as Buffer);
      await options.ensureCode(execution);
      const response = await options.executor.execute(execution);
      return reply.code(200).headers(encodeResponseHeaders(response)).send(response.payload);
    } catch (error) {
      if (!(error instanceof LambdaError) || error.status >= 500) options.onError(error);
      const lambdaError = error instanceof LambdaError ? error : serviceError(error);
      if (error instanceof HostFullError) reply.header(FULL_HEADER, '1');
      return reply.code(lambdaError.status).header(ERROR_HEADER, encodeError(lambdaError)).send();
    }
  });
  return app;
}
