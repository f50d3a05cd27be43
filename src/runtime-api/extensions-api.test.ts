import http from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RuntimeApiServer, type RuntimeApiListener, type RuntimeInvocation } from './runtime-api-server.js';

const EXT = '/2020-01-01/extension';
const NEXT = '/2018-06-01/runtime/invocation/next';
const INVOCATION: RuntimeInvocation = {
  requestId: 'req-1',
  payload: Buffer.from('{}'),
  deadlineMs: 1_700_000_003_000,
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
  traceId: 'Root=1-abc',
};

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: () => unknown;
}

function call(port: number, method: string, path: string, options: { body?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: false, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) as unknown });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

async function stillPending(promise: Promise<unknown>, ms = 30): Promise<boolean> {
  const marker = Symbol('pending');
  const result = await Promise.race([promise.then(() => 'settled', () => 'settled'), new Promise((r) => setTimeout(() => r(marker), ms))]);
  return result === marker;
}

const servers: RuntimeApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function startServer(externalNames?: string[]) {
  const listener = {
    waiting: vi.fn<RuntimeApiListener['waiting']>(),
    responded: vi.fn<RuntimeApiListener['responded']>(),
    errored: vi.fn<RuntimeApiListener['errored']>(),
    responseTooLarge: vi.fn<RuntimeApiListener['responseTooLarge']>(),
    initFailed: vi.fn<RuntimeApiListener['initFailed']>(),
  } satisfies RuntimeApiListener;
  const api = new RuntimeApiServer({
    bindHost: '127.0.0.1',
    maxPayloadBytes: 1024,
    listener,
    extensions: {
      metadata: { functionName: 'f', functionVersion: '$LATEST', handler: 'index.handler', accountId: '123456789012' },
      ...(externalNames === undefined ? {} : { externalNames }),
    },
  });
  servers.push(api);
  api.allow('127.0.0.1');
  const port = await api.listen();
  const register = async (name: string, events: string[], headers: Record<string, string> = {}) =>
    call(port, 'POST', `${EXT}/register`, { headers: { 'Lambda-Extension-Name': name, ...headers }, body: JSON.stringify({ events }) });
  const idOf = (reply: Reply) => String(reply.headers['lambda-extension-identifier']);
  const next = (id: string) => call(port, 'GET', `${EXT}/event/next`, { headers: { 'Lambda-Extension-Identifier': id } });
  return { api, port, listener, register, idOf, next };
}

describe('the Extensions API routes', () => {
  it('registers an extension: 200, an identifier, the function, the account when asked', async () => {
    const s = await startServer();
    const plain = await s.register('plain', ['INVOKE']);
    expect(plain.status).toBe(200);
    expect(s.idOf(plain)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(plain.json()).toEqual({ functionName: 'f', functionVersion: '$LATEST', handler: 'index.handler' });
    const withAccount = await s.register('other', ['INVOKE'], { 'Lambda-Extension-Accept-Feature': 'accountId' });
    expect(withAccount.json()).toEqual({ functionName: 'f', functionVersion: '$LATEST', handler: 'index.handler', accountId: '123456789012' });
  });

  it('refuses with 403 and AWS’s types: no name, unknown event, bad or unknown identifier', async () => {
    const s = await startServer();
    const refusal = async (reply: Promise<Reply>) => {
      const r = await reply;
      return { status: r.status, type: (r.json() as { errorType: string }).errorType };
    };
    expect(await refusal(call(s.port, 'POST', `${EXT}/register`, { body: '{"events":[]}' }))).toEqual({ status: 403, type: 'Extension.InvalidExtensionName' });
    expect(await refusal(s.register('e', ['BOOT']))).toEqual({ status: 403, type: 'Extension.InvalidEventType' });
    expect(await refusal(call(s.port, 'GET', `${EXT}/event/next`))).toEqual({ status: 403, type: 'Extension.MissingExtensionIdentifier' });
    expect(await refusal(s.next('not-a-uuid'))).toEqual({ status: 403, type: 'Extension.InvalidExtensionIdentifier' });
    expect(await refusal(s.next('8f9e2c1a-1111-2222-3333-444455556666'))).toEqual({ status: 403, type: 'Extension.UnknownExtensionIdentifier' });
  });

  it('ends init only when the runtime and every extension asked for work, and closes registration at the runtime’s next', async () => {
    const s = await startServer();
    const id = s.idOf(await s.register('e', ['INVOKE']));
    const runtimeNext = call(s.port, 'GET', NEXT);
    await stillPending(runtimeNext);
    expect(s.listener.waiting).not.toHaveBeenCalled();
    const late = await s.register('late', []);
    expect([late.status, late.json()]).toEqual([403, { errorType: 'Extension.RegistrationClosed', errorMessage: 'Extension registration closed already' }]);
    const extensionNext = s.next(id);
    await stillPending(extensionNext);
    expect(s.listener.waiting).toHaveBeenCalledTimes(1);
  });

  it('hands INVOKE to extensions registered for it; the invocation ends when they ask for their next event', async () => {
    const s = await startServer();
    const invoked = s.idOf(await s.register('invoked', ['INVOKE']));
    const silent = s.idOf(await s.register('silent', []));
    const silentNext = s.next(silent);
    const firstNext = s.next(invoked);
    await stillPending(call(s.port, 'GET', NEXT));
    expect(s.listener.waiting).toHaveBeenCalledTimes(1);

    s.api.deliver(INVOCATION);
    const event = await firstNext;
    expect(event.status).toBe(200);
    expect(event.headers['lambda-extension-event-identifier']).toEqual(expect.any(String));
    expect(event.json()).toEqual({
      eventType: 'INVOKE',
      deadlineMs: INVOCATION.deadlineMs,
      requestId: 'req-1',
      invokedFunctionArn: INVOCATION.invokedFunctionArn,
      tracing: { type: 'X-Amzn-Trace-Id', value: 'Root=1-abc' },
    });
    expect(await stillPending(silentNext)).toBe(true);
    expect((await call(s.port, 'POST', '/2018-06-01/runtime/invocation/req-1/response', { body: '"ok"' })).status).toBe(202);
    await stillPending(call(s.port, 'GET', NEXT));
    expect(s.listener.waiting).toHaveBeenCalledTimes(1); // the extension still works
    await stillPending(s.next(invoked));
    expect(s.listener.waiting).toHaveBeenCalledTimes(2);
  });

  it('sends SHUTDOWN to the extensions registered for it, with AWS’s grace', async () => {
    const s = await startServer();
    const listening = s.idOf(await s.register('listening', ['SHUTDOWN']));
    const deaf = s.idOf(await s.register('deaf', ['INVOKE']));
    const listeningNext = s.next(listening);
    const deafNext = s.next(deaf);
    await stillPending(listeningNext);
    const before = Date.now();
    expect(s.api.shutdown('spindown')).toEqual({ graceMs: 2000, notified: 1 });
    const event = (await listeningNext).json() as { deadlineMs: number };
    expect(event).toMatchObject({ eventType: 'SHUTDOWN', shutdownReason: 'spindown' });
    expect(event.deadlineMs).toBeGreaterThanOrEqual(before + 2000);
    expect(await stillPending(deafNext)).toBe(true);
  });

  it('asks for no grace when no extension registered', async () => {
    const s = await startServer();
    expect(s.api.shutdown('spindown')).toEqual({ graceMs: 0, notified: 0 });
  });

  it('fails init on an extension’s init/error (202), which needs the error type header', async () => {
    const s = await startServer();
    const id = s.idOf(await s.register('e', []));
    const missing = await call(s.port, 'POST', `${EXT}/init/error`, { headers: { 'Lambda-Extension-Identifier': id } });
    expect([missing.status, missing.json()]).toEqual([403, { errorType: 'Extension.MissingHeader', errorMessage: 'Lambda-Extension-Function-Error-Type not found' }]);
    const reported = await call(s.port, 'POST', `${EXT}/init/error`, {
      headers: { 'Lambda-Extension-Identifier': id, 'Lambda-Extension-Function-Error-Type': 'Extension.ConfigInvalid' },
      body: '{}',
    });
    expect([reported.status, reported.json()]).toEqual([202, { status: 'OK' }]);
    expect(s.listener.initFailed).toHaveBeenCalledWith('Extension.InitError', expect.any(Buffer));
    const again = await call(s.port, 'POST', `${EXT}/init/error`, {
      headers: { 'Lambda-Extension-Identifier': id, 'Lambda-Extension-Function-Error-Type': 'Extension.ConfigInvalid' },
    });
    expect((again.json() as { errorType: string }).errorType).toBe('Extension.InvalidExtensionState');
  });

  it('knowing /opt/extensions, waits for each external extension to register, even after the runtime’s next', async () => {
    const s = await startServer(['layer-ext']);
    await stillPending(call(s.port, 'GET', NEXT));
    expect(s.listener.waiting).not.toHaveBeenCalled();
    const id = s.idOf(await s.register('layer-ext', ['INVOKE', 'SHUTDOWN']));
    expect(s.listener.waiting).not.toHaveBeenCalled();
    await stillPending(s.next(id));
    expect(s.listener.waiting).toHaveBeenCalledTimes(1);
  });

  it('forgets its extensions when the runtime is reset', async () => {
    const s = await startServer();
    const id = s.idOf(await s.register('e', []));
    s.api.reset();
    expect((await s.next(id)).json()).toMatchObject({ errorType: 'Extension.UnknownExtensionIdentifier' });
    expect((await s.register('e', [])).status).toBe(200);
  });

  it('accepts Logs and Telemetry API subscriptions saying they are not supported, as AWS’s emulator does', async () => {
    const s = await startServer();
    const logs = await call(s.port, 'PUT', '/2020-08-15/logs', { body: '{"types":["function"]}' });
    expect([logs.status, logs.json()]).toEqual([202, { errorMessage: 'Logs API is not supported', errorType: 'Logs.NotSupported' }]);
    const telemetry = await call(s.port, 'PUT', '/2022-07-01/telemetry', { body: '{}' });
    expect([telemetry.status, telemetry.json()]).toEqual([202, { errorMessage: 'Telemetry API is not supported', errorType: 'Telemetry.NotSupported' }]);
  });
});
