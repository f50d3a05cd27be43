import { LambdaError } from '../../../shared/errors.js';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { QueueError, internalFailure } from '../../../queues/queue-error.js';
import { isIamRequest, type IamQueryHandler } from '../iam/index.js';
import type { QueueService } from '../../../queues/queue-service.js';
import { JSON_CONTENT_TYPE, getJsonAction, parseJsonInput, renderJsonError, renderJsonOutput } from './json-protocol.js';
import { getQueryInput, parseForm, renderQueryError, renderQueryOutput } from './query-protocol.js';
import { QueueUrlParams, SqsHeaders } from './schemas.js';
import { toQueueAuthError } from './sqs-auth-errors.js';
import { SigV4Error } from '../../../permissions/sigv4/sigv4-error.js';
import { getCaller, type SigningServiceConfig } from '../../authentication.js';
import { getOperation, runOperation } from './sqs-operations.js';

/** Room for a 1 MiB message (or batch) in either encoding. */
const SQS_BODY_LIMIT = 4 * 1_048_576;
/** A 20-second long poll and then some. */
const LONG_POLL_MARGIN_MS = 25_000;

type Protocol = 'json' | 'query';
const protocols = new WeakMap<FastifyRequest, Protocol>();

function getProtocol(request: FastifyRequest): Protocol | undefined {
  if (getJsonAction(request.headers['x-amz-target'] as string | undefined) !== undefined) return 'json';
  return (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ? 'query' : undefined;
}

/** The access key of the request's SigV4 signature: SenderId of what it sends. */
const getAccessKey = (authorization: string | undefined): string | undefined => /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];

function toQueueError(error: unknown, request: FastifyRequest): QueueError {
  if (error instanceof QueueError) return error;
  if (error instanceof SigV4Error) return toQueueAuthError(error, `http://${request.host}${(request.raw.url ?? '/').split('?')[0] ?? '/'}`);
  if (error instanceof SyntaxError) return new QueueError('SerializationException', `Could not parse the request body: ${error.message}`);
  // Refused by the caller's permissions (lambdock's endpoint for sandboxes, IAM enforcement).
  if (error instanceof LambdaError && error.code === 'AccessDeniedException') return new QueueError('AccessDenied', error.message);
  return internalFailure(error);
}

/**
 * The SQS-compatible queue on the Lambda API's endpoint, both wire protocols: JSON (`POST /` with
 * `X-Amz-Target: AmazonSQS.<Action>`) and query (a form `POST /` or to a queue URL `/<account>/<name>`).
 * A `POST /` that is neither goes to the API's not-found answer, as before. A form `POST /` that is IAM's
 * (signed for `iam`, or unsigned with IAM's `Version`) goes to the IAM handler, when there is one.
 */
export const sqsRoutes: FastifyPluginAsyncTypebox<{ queues: QueueService; requestTimeoutMs: number; iam?: IamQueryHandler }> = async (
  app,
  { queues, requestTimeoutMs, iam },
) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: SQS_BODY_LIMIT }, (_req, body, done) => done(null, body));
  // Long polls end when the server closes, so that closing never waits for them.
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());
  app.addHook('onRequest', async (request) => {
    const protocol = getProtocol(request);
    if (protocol !== undefined) protocols.set(request, protocol);
  });

  app.setErrorHandler((error, request, reply) => {
    const queueError = toQueueError(error, request);
    if (queueError.status >= 500) request.log.error({ err: error, requestId: request.id }, 'Queue request failed');
    return sendError(request, reply, queueError);
  });

  const serve = async (request: FastifyRequest, reply: FastifyReply, pathQueueUrl?: string) => {
    const protocol = protocols.get(request);
    if (protocol === undefined) return reply.callNotFound();
    const body = request.body as Buffer | undefined;
    const form = protocol === 'query' ? parseForm(body?.toString('utf8') ?? '') : {};
    if (iam !== undefined && protocol === 'query' && pathQueueUrl === undefined && isIamRequest(request.headers.authorization, form)) {
      const answer = await iam(form, request.id, (error) => request.log.error({ err: error, requestId: request.id }, 'IAM request failed'));
      return reply.code(answer.status).header('content-type', 'text/xml').send(answer.xml);
    }
    const action = getOperation(protocol === 'json' ? getJsonAction(request.headers['x-amz-target'] as string) : form.Action);
    const input = protocol === 'json' ? parseJsonInput(body) : getQueryInput(action, form, pathQueueUrl);
    const left = new AbortController();
    reply.raw.once('close', () => left.abort());
    const signal = AbortSignal.any([closing.signal, left.signal]);
    // The verified caller when authentication is on; otherwise the key the signature names, unchecked.
    const senderId = getCaller(request)?.accessKeyId ?? getAccessKey(request.headers.authorization);
    const output = await runOperation(queues, action, input, { host: request.host, signal, ...(senderId === undefined ? {} : { senderId }) });
    return protocol === 'json'
      ? reply.header('content-type', JSON_CONTENT_TYPE).send(renderJsonOutput(output))
      : reply.header('content-type', 'text/xml').send(renderQueryOutput(action, output, request.id));
  };

  // SQS's signatures are scoped to its own service name.
  // IAM's query requests come to the same `POST /`, signed for `iam`.
  const config: SigningServiceConfig = { signingService: 'sqs', ...(iam === undefined ? {} : { otherSigningServices: ['iam'] }) };
  const options = { config, bodyLimit: SQS_BODY_LIMIT, handlerTimeout: requestTimeoutMs + LONG_POLL_MARGIN_MS, schema: { headers: SqsHeaders } };
  app.post('/', options, (request, reply) => serve(request, reply));
  app.post('/:account(^\\d{12}$)/:queueName', { ...options, schema: { ...options.schema, params: QueueUrlParams } }, (request, reply) =>
    serve(request, reply, `http://${request.host}/${request.params.account}/${request.params.queueName}`),
  );
};

function sendError(request: FastifyRequest, reply: FastifyReply, error: QueueError): FastifyReply {
  if (protocols.get(request) === 'query') {
    return reply.code(error.status).header('content-type', 'text/xml').send(renderQueryError(error, request.id));
  }
  const rendered = renderJsonError(error);
  return reply.code(rendered.status).headers(rendered.headers).send(rendered.body);
}
