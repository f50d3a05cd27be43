import { createHash } from 'node:crypto';
import http from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExpectedScope, RequestAuthenticator } from '../permissions/sigv4/request-authenticator.js';
import { SigV4Error } from '../permissions/sigv4/sigv4-error.js';
import type { SignedRequestHead, VerifiedCaller } from '../permissions/sigv4/verify-sigv4.js';
import { UNAUTHENTICATED, getCaller, registerAuthentication } from './authentication.js';

const CALLER: VerifiedCaller = { accessKeyId: 'AKID', region: 'us-east-1', service: 'lambda', signedAt: new Date(0) };

/** Records what it was given; refuses requests without an authorization header, and bodies it is told to. */
function recordingAuthenticator(refusedHash?: string): RequestAuthenticator & { heads: SignedRequestHead[]; scopes: Array<ExpectedScope | undefined>; hashes: string[] } {
  const heads: SignedRequestHead[] = [];
  const scopes: Array<ExpectedScope | undefined> = [];
  const hashes: string[] = [];
  return {
    heads,
    scopes,
    hashes,
    async start(request, expected) {
      heads.push(request);
      scopes.push(expected);
      if (request.headers.authorization === undefined) throw new SigV4Error('MissingAuthenticationTokenException', 'Missing Authentication Token');
      return {
        claimed: CALLER,
        finish(bodyHash) {
          hashes.push(bodyHash);
          if (bodyHash === refusedHash) throw new SigV4Error('InvalidSignatureException', 'mismatch');
          return CALLER;
        },
      };
    },
    authenticate: async () => CALLER,
  };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function buildApp(authenticator: RequestAuthenticator, bodyLimit = 1024): FastifyInstance {
  app = Fastify({ bodyLimit });
  registerAuthentication(app, authenticator);
  app.setErrorHandler((error, _request, reply) =>
    reply.code(error instanceof SigV4Error ? error.status : ((error as { statusCode?: number }).statusCode ?? 500)).send({ code: (error as { code?: string }).code }),
  );
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/echo', async (request) => ({ caller: getCaller(request)?.accessKeyId ?? null, length: (request.body as Buffer).length }));
  app.get('/thing', async (request) => ({ caller: getCaller(request)?.accessKeyId ?? null }));
  app.post('/queue', { config: { signingService: 'sqs' } }, async () => ({}));
  app.get('/open', { config: UNAUTHENTICATED }, async (request) => ({ caller: getCaller(request)?.accessKeyId ?? null }));
  return app;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('registerAuthentication', () => {
  it('checks the signature over the body the parser read, and names the caller to the handler', async () => {
    const authenticator = recordingAuthenticator();
    const response = await buildApp(authenticator).inject({
      method: 'POST',
      url: '/echo?b=2&a=%2F',
      headers: { authorization: 'AWS4-HMAC-SHA256 …', 'content-type': 'application/octet-stream' },
      payload: 'the body',
    });
    expect([response.statusCode, response.json()]).toEqual([200, { caller: 'AKID', length: 8 }]);
    expect(authenticator.hashes).toEqual([sha256('the body')]);
    expect(authenticator.heads[0]).toMatchObject({ method: 'POST', path: '/echo', query: 'b=2&a=%2F' });
    expect(authenticator.scopes).toEqual([{ service: 'lambda' }]);
  });

  it('hashes an unread body (a GET) as empty', async () => {
    const authenticator = recordingAuthenticator();
    const response = await buildApp(authenticator).inject({ method: 'GET', url: '/thing', headers: { authorization: 'x' } });
    expect(response.json()).toEqual({ caller: 'AKID' });
    expect(authenticator.hashes).toEqual([sha256('')]);
  });

  it('refuses before the body is read, and after it when the signature over it fails', async () => {
    const authenticator = recordingAuthenticator(sha256('tampered'));
    const built = buildApp(authenticator);
    const unsigned = await built.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/octet-stream' }, payload: 'x' });
    expect([unsigned.statusCode, unsigned.json()]).toEqual([403, { code: 'MissingAuthenticationTokenException' }]);
    expect(authenticator.hashes).toEqual([]);
    const tampered = await built.inject({ method: 'POST', url: '/echo', headers: { authorization: 'x', 'content-type': 'application/octet-stream' }, payload: 'tampered' });
    expect([tampered.statusCode, tampered.json()]).toEqual([403, { code: 'InvalidSignatureException' }]);
  });

  it('keeps the body limit', async () => {
    const response = await buildApp(recordingAuthenticator(), 16).inject({
      method: 'POST',
      url: '/echo',
      headers: { authorization: 'x', 'content-type': 'application/octet-stream' },
      payload: 'x'.repeat(17),
    });
    expect([response.statusCode, response.json()]).toEqual([413, { code: 'FST_ERR_CTP_BODY_TOO_LARGE' }]);
  });

  it('gives a header sent twice as the list of its values, as a signature over "a,b" needs', async () => {
    const authenticator = recordingAuthenticator();
    const built = buildApp(authenticator);
    // A real connection: injected requests join repeated headers before the server sees them.
    const address = await built.listen({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve, reject) => {
      const request = http.request(`${address}/thing`, { headers: { authorization: 'x', 'My-Header': ['one', 'two'] } }, (response) => {
        response.resume();
        response.on('end', resolve);
      });
      request.on('error', reject);
      request.end();
    });
    expect(authenticator.heads[0]?.headers['my-header']).toEqual(['one', 'two']);
  });

  it("takes the route's signing service, and leaves open routes alone", async () => {
    const authenticator = recordingAuthenticator();
    const built = buildApp(authenticator);
    await built.inject({ method: 'POST', url: '/queue', headers: { authorization: 'x' } });
    expect(authenticator.scopes).toEqual([{ service: 'sqs' }]);
    const open = await built.inject({ method: 'GET', url: '/open' });
    expect([open.statusCode, open.json()]).toEqual([200, { caller: null }]);
    expect(authenticator.heads).toHaveLength(1);
  });
});
