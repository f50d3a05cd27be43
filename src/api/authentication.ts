import { createHash, type Hash } from 'node:crypto';
import { Transform, pipeline } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ExpectedScope, RequestAuthenticator } from '../permissions/sigv4/request-authenticator.js';
import type { PendingSignature, SignedRequestHead, VerifiedCaller } from '../permissions/sigv4/verify-sigv4.js';

/** Route config of the routes anyone may call, signed or not (`/health`, the code downloads workers make). */
export const UNAUTHENTICATED = { unauthenticated: true } as const;

/** Route config of the routes whose signatures are scoped to another service than Lambda's (SQS's). */
export interface SigningServiceConfig {
  signingService?: string;
  /** Other services a request to the route may be signed for (`POST /` serves IAM beside SQS). */
  otherSigningServices?: readonly string[];
}

/** The service an Authorization header's credential scope names, if it can be read. */
function getScopedService(authorization: string | string[] | undefined): string | undefined {
  const text = Array.isArray(authorization) ? authorization[0] : authorization;
  return text === undefined ? undefined : /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(text)?.[1];
}

const callers = new WeakMap<FastifyRequest, VerifiedCaller>();

/** Who signed the request, once authentication checked it; undefined with authentication off (or on an open route). */
export function getCaller(request: FastifyRequest): VerifiedCaller | undefined {
  return callers.get(request);
}

/**
 * The request as it came off the wire: the path and query undecoded (request.url is the raw target), and
 * each header sent more than once as the list of its values (Node joins them with ", ", which a signature
 * over "a,b" would not match).
 */
function getSignedRequestHead(request: FastifyRequest): SignedRequestHead {
  const target = request.raw.url ?? '/';
  const question = target.indexOf('?');
  const headers: Record<string, string | string[]> = {};
  const raw = request.raw.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    const seen = headers[name];
    headers[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return {
    method: request.method,
    path: question === -1 ? target : target.slice(0, question),
    query: question === -1 ? '' : target.slice(question + 1),
    headers,
  };
}

const getRouteConfig = (request: FastifyRequest): { unauthenticated?: boolean } & SigningServiceConfig =>
  (request.routeOptions.config ?? {}) as { unauthenticated?: boolean } & SigningServiceConfig;

/**
 * Every request but the open routes' must be signed by someone `authenticator` knows. The checks that
 * need no body run before it is read (an unsigned upload is refused unread, and takes no upload slot);
 * the body is hashed as its parser reads it, and the signature over it is checked once it was read,
 * before validation and the handler. A refusal is thrown as the SigV4Error it is: each API's error
 * handler gives it that API's wire format.
 */
export function registerAuthentication(app: FastifyInstance, authenticator: RequestAuthenticator): void {
  const pending = new WeakMap<FastifyRequest, { signature: PendingSignature; hash: Hash }>();

  // preParsing rather than onRequest: the plugins' own onRequest hooks (SQS's protocol, which its errors
  // are written in) have run by then.
  app.addHook('preParsing', async (request, _reply, payload) => {
    const config = getRouteConfig(request);
    if (config.unauthenticated === true) return payload;
    const scoped = getScopedService(request.headers.authorization);
    const service = scoped !== undefined && (config.otherSigningServices ?? []).includes(scoped) ? scoped : (config.signingService ?? 'lambda');
    const expected: ExpectedScope = { service };
    const signature = await authenticator.start(getSignedRequestHead(request), expected);
    const hash = createHash('sha256');
    pending.set(request, { signature, hash });
    // A body nobody reads (GET, DELETE) hashes as empty, which is what the SDKs sign for them. The pipeline
    // passes a client's abort on to the parser, which then fails as it would have on the request itself.
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    return pipeline(payload, hashing, () => undefined);
  });

  app.addHook('preValidation', async (request) => {
    const started = pending.get(request);
    if (started === undefined) return;
    pending.delete(request);
    callers.set(request, started.signature.finish(started.hash.digest('hex')));
  });
}
