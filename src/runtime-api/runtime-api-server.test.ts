import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RuntimeApiServer, sanitizeErrorType, type RuntimeApiListener, type RuntimeInvocation } from './runtime-api-server.js';

const MAX = 64;
const BASE = '/2018-06-01/runtime';
const NEXT = `${BASE}/invocation/next`;
const INIT_ERROR = `${BASE}/init/error`;
const responsePath = (id: string) => `${BASE}/invocation/${id}/response`;
const errorPath = (id: string) => `${BASE}/invocation/${id}/error`;

const INVOCATION: RuntimeInvocation = {
  requestId: 'req-1',
  payload: Buffer.from('{"hello":"world"}'),
  deadlineMs: 1_700_000_003_000,
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
};

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request on its own connection (no agent, so no pooled sockets survive a test). */
function call(port: number, method: string, path: string, options: { body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: false, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Whether a promise has settled within `ms`. */
async function stillPending(promise: Promise<unknown>, ms = 30): Promise<boolean> {
  const marker = Symbol('pending');
  const result = await Promise.race([promise.then(() => 'settled', () => 'settled'), new Promise((r) => setTimeout(() => r(marker), ms))]);
  return result === marker;
}

function recordingListener() {
  return {
    waiting: vi.fn<RuntimeApiListener['waiting']>(),
    responded: vi.fn<RuntimeApiListener['responded']>(),
    errored: vi.fn<RuntimeApiListener['errored']>(),
    responseTooLarge: vi.fn<RuntimeApiListener['responseTooLarge']>(),
    initFailed: vi.fn<RuntimeApiListener['initFailed']>(),
  } satisfies RuntimeApiListener;
}

const servers: RuntimeApiServer[] = [];

async function startServer() {
  const listener = recordingListener();
  const api = new RuntimeApiServer({ bindHost: '127.0.0.1', maxPayloadBytes: MAX, listener });
  servers.push(api);
  const port = await api.listen();
  return { api, port, listener };
}

/** A server whose runtime has fetched `invocation` through `next`. */
async function withRunningInvocation(invocation: RuntimeInvocation = INVOCATION) {
  const s = await startServer();
  s.api.allow('127.0.0.1');
  s.api.deliver(invocation);
  const next = await call(s.port, 'GET', NEXT);
  expect(next.status).toBe(200);
  return s;
}

/** An idle TCP connection to the server, from `localAddress`. */
function connectIdle(port: number, host: string, localAddress = host): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host, localAddress }, () => resolve(socket));
    socket.on('error', reject);
  });
}

/** Whether the server closed `socket` within `ms` (without it sending anything). */
function closedWithin(socket: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, ms);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((api) => api.close()));
});

describe('sanitizeErrorType', () => {
  it.each([
    ['Function.Foo', 'Function.Foo'],
    ['Runtime.ExitError', 'Runtime.ExitError'],
    ['Foo', 'Runtime.Unknown'],
    ['Runtime.bad', 'Runtime.Unknown'],
    ['Function.bad', 'Function.Unknown'],
    ['Function.Foo1', 'Function.Unknown'],
    ['Function.Foo.Bar', 'Function.Unknown'],
    ['', 'Runtime.Unknown'],
    [undefined, 'Runtime.Unknown'],
  ])('turns %j into %j', (value, expected) => {
    expect(sanitizeErrorType(value)).toBe(expected);
  });
});

describe('RuntimeApiServer: who may call', () => {
  it('drops the connection of a caller that is not the sandbox', async () => {
    const { api, port, listener } = await startServer();
    api.allow('10.255.255.1');
    await expect(call(port, 'GET', NEXT)).rejects.toThrow();
    expect(listener.waiting).not.toHaveBeenCalled();
  });

  it('refuses everyone before any address was allowed', async () => {
    const { port } = await startServer();
    await expect(call(port, 'GET', '/2018-06-01/ping')).rejects.toThrow();
  });

  it('cuts idle connections off at once before the sandbox address is allowed', async () => {
    const { port } = await startServer();
    const socket = await connectIdle(port, '127.0.0.1');
    expect(await closedWithin(socket, 2000)).toBe(true);
  });

  it('keeps serving the sandbox however many strangers connected and idled during its start', async () => {
    const { api, port } = await startServer();
    // Strangers (another loopback address) connect before the sandbox's address is allowed, and idle.
    const strangers = await Promise.all(Array.from({ length: 20 }, () => connectIdle(port, '127.0.0.1', '127.0.0.2').catch(() => undefined)));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the server has taken them all in
    api.allow('127.0.0.1');
    const reply = await call(port, 'GET', '/2018-06-01/ping');
    expect(reply.body).toBe('pong');
    for (const s of strangers) s?.destroy();
  });

  it('keeps the allowed address across a reset (a restart of the same container)', async () => {
    const { api, port } = await startServer();
    api.allow('127.0.0.1');
    api.reset();
    expect((await call(port, 'GET', '/2018-06-01/ping')).body).toBe('pong');
    expect(await closedWithin(await connectIdle(port, '127.0.0.1', '127.0.0.2'), 2000)).toBe(true);
  });

  it('answers 404 for unknown paths', async () => {
    const { api, port } = await startServer();
    api.allow('127.0.0.1');
    const reply = await call(port, 'GET', `${BASE}/nothing-here`);
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.body)).toMatchObject({ errorType: 'InvalidRequest' });
    expect((await call(port, 'GET', '/elsewhere')).status).toBe(404);
  });
});

describe('RuntimeApiServer: next', () => {
  it('parks next until an invocation is delivered, and tells the sandbox the runtime waits', async () => {
    const { api, port, listener } = await startServer();
    api.allow('127.0.0.1');
    const next = call(port, 'GET', NEXT);
    await vi.waitFor(() => expect(listener.waiting).toHaveBeenCalledTimes(1));
    expect(await stillPending(next)).toBe(true);
    api.deliver(INVOCATION);
    const reply = await next;
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('{"hello":"world"}');
    expect(reply.headers).toMatchObject({
      'content-type': 'application/json',
      'content-length': String(INVOCATION.payload.length),
      'lambda-runtime-aws-request-id': 'req-1',
      'lambda-runtime-deadline-ms': '1700000003000',
      'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:123456789012:function:f',
    });
    expect(reply.headers).not.toHaveProperty('lambda-runtime-trace-id');
    expect(reply.headers).not.toHaveProperty('lambda-runtime-client-context');
    expect(reply.headers).not.toHaveProperty('lambda-runtime-cognito-identity');
  });

  it('sends the optional trace, client context and cognito identity headers when present', async () => {
    const { api, port } = await startServer();
    api.allow('127.0.0.1');
    api.deliver({
      ...INVOCATION,
      requestId: 'req-2',
      traceId: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
      clientContext: '{"custom":{"k":"v"}}',
      cognitoIdentity: '{"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"}',
    });
    const reply = await call(port, 'GET', NEXT);
    expect(reply.headers).toMatchObject({
      'lambda-runtime-aws-request-id': 'req-2',
      'lambda-runtime-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
      'lambda-runtime-client-context': '{"custom":{"k":"v"}}',
      'lambda-runtime-cognito-identity': '{"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"}',
    });
  });

  it('queues an invocation delivered before next and hands it over at once', async () => {
    const { api, port, listener } = await startServer();
    api.allow('127.0.0.1');
    api.deliver(INVOCATION);
    const reply = await call(port, 'GET', NEXT);
    expect(reply.status).toBe(200);
    expect(reply.headers['lambda-runtime-aws-request-id']).toBe('req-1');
    expect(listener.waiting).not.toHaveBeenCalled();
  });

  it('re-sends the current event to a second next before it is answered', async () => {
    const { port, listener } = await withRunningInvocation();
    const again = await call(port, 'GET', NEXT);
    expect(again.status).toBe(200);
    expect(again.headers['lambda-runtime-aws-request-id']).toBe('req-1');
    expect(listener.waiting).not.toHaveBeenCalled();
  });

  it('parks the next after an answered invocation until the following delivery', async () => {
    const { api, port, listener } = await withRunningInvocation();
    await call(port, 'POST', responsePath('req-1'), { body: 'ok' });
    const next = call(port, 'GET', NEXT);
    await vi.waitFor(() => expect(listener.waiting).toHaveBeenCalledTimes(1));
    api.deliver({ ...INVOCATION, requestId: 'req-2' });
    expect((await next).headers['lambda-runtime-aws-request-id']).toBe('req-2');
  });
});

describe('RuntimeApiServer: answers', () => {
  it('accepts a response with 202 {"status":"OK"} and reports it', async () => {
    const { port, listener } = await withRunningInvocation();
    const reply = await call(port, 'POST', responsePath('req-1'), { body: '{"result":42}' });
    expect(reply.status).toBe(202);
    expect(JSON.parse(reply.body)).toStrictEqual({ status: 'OK' });
    expect(listener.responded).toHaveBeenCalledTimes(1);
    expect(listener.responded).toHaveBeenCalledWith('req-1', Buffer.from('{"result":42}'));
  });

  it('accepts an empty response body', async () => {
    const { port, listener } = await withRunningInvocation();
    expect((await call(port, 'POST', responsePath('req-1'))).status).toBe(202);
    expect(listener.responded).toHaveBeenCalledWith('req-1', Buffer.alloc(0));
  });

  it('refuses a second answer for the same request id with 403', async () => {
    const { port, listener } = await withRunningInvocation();
    await call(port, 'POST', responsePath('req-1'), { body: 'first' });
    const second = await call(port, 'POST', responsePath('req-1'), { body: 'second' });
    expect(second.status).toBe(403);
    expect(JSON.parse(second.body)).toMatchObject({ errorType: 'InvalidStateTransition' });
    const asError = await call(port, 'POST', errorPath('req-1'), { body: 'late error' });
    expect(asError.status).toBe(403);
    expect(listener.responded).toHaveBeenCalledTimes(1);
    expect(listener.responded).toHaveBeenCalledWith('req-1', Buffer.from('first'));
    expect(listener.errored).not.toHaveBeenCalled();
  });

  it('answers 400 InvalidRequestID for an unknown request id', async () => {
    const { port, listener } = await withRunningInvocation();
    const reply = await call(port, 'POST', responsePath('not-mine'), { body: 'x' });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toStrictEqual({ errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
    expect(listener.responded).not.toHaveBeenCalled();
    // The real invocation can still be answered.
    expect((await call(port, 'POST', responsePath('req-1'), { body: 'x' })).status).toBe(202);
  });

  it('answers 400 InvalidRequestID when no invocation was ever delivered', async () => {
    const { api, port } = await startServer();
    api.allow('127.0.0.1');
    const reply = await call(port, 'POST', responsePath('req-1'), { body: 'x' });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toMatchObject({ errorType: 'InvalidRequestID' });
  });

  it('decodes a URL-encoded request id', async () => {
    const { port, listener } = await withRunningInvocation({ ...INVOCATION, requestId: 'a b/c' });
    expect((await call(port, 'POST', responsePath(encodeURIComponent('a b/c')), { body: 'x' })).status).toBe(202);
    expect(listener.responded).toHaveBeenCalledWith('a b/c', Buffer.from('x'));
  });

  it('answers 400 for a request id with a malformed escape instead of throwing', async () => {
    const { api, port } = await withRunningInvocation();
    // Catch what the handler throws, so the bug shows as a failed assertion instead of crashing the worker.
    const server = (api as unknown as { server: http.Server }).server;
    const [original] = server.listeners('request') as Array<(req: http.IncomingMessage, res: http.ServerResponse) => void>;
    server.removeAllListeners('request');
    let thrown: unknown;
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      try {
        original?.(req, res);
      } catch (error) {
        thrown = error;
        res.destroy();
      }
    });
    const reply = await call(port, 'POST', `${BASE}/invocation/%E0%A4%A/response`, { body: 'x' }).catch((error: unknown) => error);
    expect(thrown).toBeUndefined();
    expect((reply as Reply).status).toBe(400);
  });

  it.each([
    ['Function.Foo', 'Function.Foo'],
    ['Foo', 'Runtime.Unknown'],
    ['Function.bad', 'Function.Unknown'],
  ])('reports an error posted with Lambda-Runtime-Function-Error-Type %j as %j', async (header, expected) => {
    const { port, listener } = await withRunningInvocation();
    const body = '{"errorMessage":"boom","errorType":"Foo"}';
    const reply = await call(port, 'POST', errorPath('req-1'), { body, headers: { 'Lambda-Runtime-Function-Error-Type': header } });
    expect(reply.status).toBe(202);
    expect(JSON.parse(reply.body)).toStrictEqual({ status: 'OK' });
    expect(listener.errored).toHaveBeenCalledWith('req-1', expected, Buffer.from(body));
    expect(listener.responded).not.toHaveBeenCalled();
  });

  it('reports an error posted without an error type header as Runtime.Unknown', async () => {
    const { port, listener } = await withRunningInvocation();
    await call(port, 'POST', errorPath('req-1'), { body: '{}' });
    expect(listener.errored).toHaveBeenCalledWith('req-1', 'Runtime.Unknown', Buffer.from('{}'));
  });

  it('accepts a response of exactly maxPayloadBytes', async () => {
    const { port, listener } = await withRunningInvocation();
    const body = 'x'.repeat(MAX);
    expect((await call(port, 'POST', responsePath('req-1'), { body })).status).toBe(202);
    expect(listener.responded).toHaveBeenCalledWith('req-1', Buffer.from(body));
    expect(listener.responseTooLarge).not.toHaveBeenCalled();
  });

  it('answers 413 for a response over maxPayloadBytes and reports its size', async () => {
    const { port, listener } = await withRunningInvocation();
    const reply = await call(port, 'POST', responsePath('req-1'), { body: 'x'.repeat(MAX + 1) });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body)).toStrictEqual({
      errorMessage: `Exceeded maximum allowed payload size (${MAX} bytes).`,
      errorType: 'RequestEntityTooLarge',
    });
    expect(listener.responseTooLarge).toHaveBeenCalledWith('req-1', MAX + 1);
    expect(listener.responded).not.toHaveBeenCalled();
    // The invocation is over: a retry is refused.
    expect((await call(port, 'POST', responsePath('req-1'), { body: 'small' })).status).toBe(403);
  });

  it('treats an error body over maxPayloadBytes as too large as well', async () => {
    const { port, listener } = await withRunningInvocation();
    const reply = await call(port, 'POST', errorPath('req-1'), { body: 'e'.repeat(200) });
    expect(reply.status).toBe(413);
    expect(listener.responseTooLarge).toHaveBeenCalledWith('req-1', 200);
    expect(listener.errored).not.toHaveBeenCalled();
  });
});

describe('RuntimeApiServer: init errors', () => {
  it('accepts an init error before the first next and reports it', async () => {
    const { api, port, listener } = await startServer();
    api.allow('127.0.0.1');
    const body = '{"errorMessage":"no index","errorType":"ImportError"}';
    expect(body.length).toBeLessThanOrEqual(MAX);
    const reply = await call(port, 'POST', INIT_ERROR, {
      body,
      headers: { 'Lambda-Runtime-Function-Error-Type': 'Runtime.ImportModuleError' },
    });
    expect(reply.status).toBe(202);
    expect(JSON.parse(reply.body)).toStrictEqual({ status: 'OK' });
    expect(listener.initFailed).toHaveBeenCalledWith('Runtime.ImportModuleError', Buffer.from(body));
  });

  it('sanitises the error type of an init error', async () => {
    const { api, port, listener } = await startServer();
    api.allow('127.0.0.1');
    await call(port, 'POST', INIT_ERROR, { body: '{}', headers: { 'Lambda-Runtime-Function-Error-Type': 'whatever' } });
    expect(listener.initFailed).toHaveBeenCalledWith('Runtime.Unknown', Buffer.from('{}'));
  });

  it('refuses an init error after the runtime called next, with 403', async () => {
    const { port, listener } = await withRunningInvocation();
    const reply = await call(port, 'POST', INIT_ERROR, { body: '{}' });
    expect(reply.status).toBe(403);
    expect(JSON.parse(reply.body)).toMatchObject({ errorType: 'InvalidStateTransition' });
    expect(listener.initFailed).not.toHaveBeenCalled();
  });
});

describe('RuntimeApiServer: reset and close', () => {
  it('makes a late answer to the invocation of the previous runtime fail after reset', async () => {
    const { api, port, listener } = await withRunningInvocation();
    api.reset();
    const reply = await call(port, 'POST', responsePath('req-1'), { body: 'too late' });
    expect(reply.status).toBe(403);
    expect(listener.responded).not.toHaveBeenCalled();
  });

  it('drops a parked next on reset', async () => {
    const { api, port, listener } = await startServer();
    api.allow('127.0.0.1');
    const next = call(port, 'GET', NEXT);
    await vi.waitFor(() => expect(listener.waiting).toHaveBeenCalled());
    api.reset();
    await expect(next).rejects.toThrow();
  });

  it('forgets a queued invocation on reset and accepts a new init after it', async () => {
    const { api, port, listener } = await withRunningInvocation();
    api.reset();
    api.deliver({ ...INVOCATION, requestId: 'stale' });
    api.reset();
    expect((await call(port, 'POST', INIT_ERROR, { body: '{}' })).status).toBe(202);
    expect(listener.initFailed).toHaveBeenCalledTimes(1);
    const next = call(port, 'GET', NEXT);
    await vi.waitFor(() => expect(listener.waiting).toHaveBeenCalledTimes(1));
    expect(await stillPending(next, 10)).toBe(true);
    next.catch(() => undefined); // closed in afterEach
  });

  it('closes: drops a parked next and refuses new connections', async () => {
    const { api, port, listener } = await startServer();
    api.allow('127.0.0.1');
    const next = call(port, 'GET', NEXT);
    await vi.waitFor(() => expect(listener.waiting).toHaveBeenCalled());
    await api.close();
    await expect(next).rejects.toThrow();
    await expect(call(port, 'GET', '/2018-06-01/ping')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('takes its port from the range it is given, skipping ports in use', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    const first = (taken.address() as net.AddressInfo).port;
    try {
      const api = new RuntimeApiServer({ bindHost: '127.0.0.1', maxPayloadBytes: MAX, listener: recordingListener(), ports: { first, last: first + 1 } });
      servers.push(api);
      expect(await api.listen()).toBe(first + 1);
    } finally {
      taken.close();
    }
  });
});

describe('RuntimeApiServer: defences against the code in the sandbox', () => {
  it('cuts a stranger off as soon as it connects, once the sandbox address is known', async () => {
    const { api, port } = await startServer();
    api.allow('10.255.255.1');
    const socket = await new Promise<net.Socket>((resolve) => {
      const s = new net.Socket();
      s.connect(port, '127.0.0.1', () => resolve(s));
    });
    const closed = await new Promise<boolean>((resolve) => {
      socket.on('close', () => resolve(true));
      setTimeout(() => resolve(false), 500);
    });
    expect(closed).toBe(true);
  });

  it('refuses a second init error, and one after init, without reading the body', async () => {
    const { api, port, listener } = await startServer();
    api.allow('127.0.0.1');
    expect((await call(port, 'POST', INIT_ERROR, { body: '{"errorType":"X"}' })).status).toBe(202);
    const again = await call(port, 'POST', INIT_ERROR, { body: '{"errorType":"Y"}' });
    expect(again.status).toBe(403);
    expect(listener.initFailed).toHaveBeenCalledTimes(1);
  });

  it('keeps nothing of a body past the payload limit while reading it', async () => {
    const s = await withRunningInvocation();
    const reply = await call(s.port, 'POST', responsePath('req-1'), { body: Buffer.alloc(MAX * 100, 0x61) });
    expect(reply.status).toBe(413);
    expect(s.listener.responseTooLarge).toHaveBeenCalledWith('req-1', MAX * 100);
  });
});
