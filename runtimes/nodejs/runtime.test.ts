// Drives the real Node.js runtime (sh bootstrap -> node index.mjs) against a fake Runtime API
// served from this process, with handler files written into a temporary LAMBDA_TASK_ROOT.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeRuntimeApi, LOG_LINE, logLines, runCleanups, startRuntime, json, registerCleanup } from './test-harness.js';

afterEach(runCleanups);

async function fakeApi(): Promise<FakeRuntimeApi> {
  const api = await FakeRuntimeApi.start();
  registerCleanup(() => api.close());
  return api;
}

describe('Node.js runtime: handlers', () => {
  it('posts an async handler result as JSON, and gives an empty body as {}', async () => {
    const api = await fakeApi();
    await startRuntime(api, {
      files: { 'index.mjs': 'export const handler = async (event) => ({ echo: event });' },
    });
    const first = await api.invoke({ hello: 'world', n: [1, 2] });
    expect(first.kind).toBe('response');
    expect(first.headers['content-type']).toBe('application/json');
    expect(json(first)).toEqual({ echo: { hello: 'world', n: [1, 2] } });
    expect(json(await api.invoke(undefined, {}, ''))).toEqual({ echo: {} });
  });

  it('posts null for undefined, and a JSON string for a string result', async () => {
    const api = await fakeApi();
    await startRuntime(api, {
      files: { 'index.mjs': 'export const handler = async (event) => event.mode === "s" ? "text" : undefined;' },
    });
    expect((await api.invoke({ mode: 'u' })).body).toBe('null');
    expect((await api.invoke({ mode: 's' })).body).toBe('"text"');
  });

  it('loads CommonJS from a sub-folder, .cjs files, and .js under package.json type=module', async () => {
    const api = await fakeApi();
    await startRuntime(api, {
      handler: 'src/app.handler',
      files: { 'src/app.js': 'exports.handler = async (e) => ({ kind: "cjs", dir: __dirname.endsWith("/src") });' },
    });
    expect(json(await api.invoke({}))).toEqual({ kind: 'cjs', dir: true });

    const api2 = await fakeApi();
    await startRuntime(api2, {
      files: { 'index.cjs': 'module.exports = { handler: async () => "from cjs" };' },
    });
    expect(json(await api2.invoke({}))).toBe('from cjs');

    const api3 = await fakeApi();
    await startRuntime(api3, {
      handler: 'lib/main.run',
      files: {
        'package.json': '{"type":"module"}',
        'lib/main.js': 'export async function run() { return typeof require; }',
      },
    });
    expect(json(await api3.invoke({}))).toBe('undefined');
  });

  it('runs module code once and keeps module globals across invocations', async () => {
    const api = await fakeApi();
    const runtime = await startRuntime(api, {
      files: {
        'index.js': 'let count = 0; console.log("init ran"); exports.handler = async () => ++count;',
      },
    });
    expect(json(await api.invoke({}))).toBe(1);
    expect(json(await api.invoke({}))).toBe(2);
    expect(json(await api.invoke({}))).toBe(3);
    await runtime.stop();
    const initLines = logLines(runtime.stdout()).filter((l) => l[2] === 'init ran');
    expect(initLines).toEqual([['undefined', 'INFO', 'init ran']]);
  });

  it('supports callback handlers', async () => {
    const api = await fakeApi();
    await startRuntime(api, {
      files: { 'index.js': 'exports.handler = (event, context, callback) => { callback(null, { n: event.n + 1 }); };' },
    });
    expect(json(await api.invoke({ n: 41 }))).toEqual({ n: 42 });
  });

  it('waits for the event loop to empty before posting a callback result by default', async () => {
    const api = await fakeApi();
    await startRuntime(api, {
      files: {
        'index.js': `exports.handler = (event, context, callback) => {
          const result = { timerRan: false };
          setTimeout(() => { result.timerRan = true; }, 100);
          callback(null, result);
        };`,
      },
    });
    const posted = await api.invoke({});
    expect(json(posted)).toEqual({ timerRan: true });
    expect(posted.at - (api.servedAt.get(posted.requestId ?? '') ?? 0)).toBeGreaterThanOrEqual(90);
  });

  it('posts a callback result at once when callbackWaitsForEmptyEventLoop is false', async () => {
    const api = await fakeApi();
    const runtime = await startRuntime(api, {
      files: {
        'index.js': `exports.handler = (event, context, callback) => {
          context.callbackWaitsForEmptyEventLoop = false;
          const result = { timerRan: false };
          setTimeout(() => { result.timerRan = true; console.log("timer fired"); }, 100);
          callback(null, result);
        };`,
      },
    });
    expect(json(await api.invoke({}))).toEqual({ timerRan: false });
    await expect.poll(() => runtime.stdout()).toContain('timer fired');
  });

  it('counts only the first settlement, and supports context.succeed / fail / done', async () => {
    const api = await fakeApi();
    await startRuntime(api, {
      files: {
        'index.js': `exports.handler = (event, context, callback) => {
          if (event.use === 'callback') { callback(null, 'first'); callback(null, 'second'); context.succeed('third'); }
          if (event.use === 'succeed') { context.succeed({ ok: 1 }); callback(new Error('ignored')); }
          if (event.use === 'fail') context.fail(new Error('failed via context'));
          if (event.use === 'done') context.done(null, 'done result');
        };`,
      },
    });
    const first = await api.invoke({ use: 'callback' });
    expect(json(first)).toBe('first');
    expect(json(await api.invoke({ use: 'succeed' }))).toEqual({ ok: 1 });
    const failed = await api.invoke({ use: 'fail' });
    expect(failed.kind).toBe('error');
    expect(json(failed)).toMatchObject({ errorType: 'Error', errorMessage: 'failed via context' });
    expect(json(await api.invoke({ use: 'done' }))).toBe('done result');
    expect(api.postsFor(first.requestId ?? '')).toHaveLength(1);
  });

  it('posts null for a sync handler that returns without a callback, like AWS', async () => {
    const api = await fakeApi();
    await startRuntime(api, { files: { 'index.js': 'exports.handler = (event) => 42;' } });
    expect((await api.invoke({})).body).toBe('null');
  });

  it('fails an async handler whose promise can never settle with Runtime.NodeJsExit', async () => {
    const api = await fakeApi();
    await startRuntime(api, {
      files: { 'index.mjs': 'export const handler = async (e) => { if (e.hang) await new Promise(() => {}); return "ok"; };' },
    });
    const posted = await api.invoke({ hang: true });
    expect(posted.kind).toBe('error');
    expect(posted.headers['lambda-runtime-function-error-type']).toBe('Runtime.NodeJsExit');
    expect(json(await api.invoke({}))).toBe('ok');
  });
});

describe('Node.js runtime: context', () => {
  it('fills the context from the environment and the /next headers', async () => {
    const api = await fakeApi();
    await startRuntime(api, {
      files: {
        'index.mjs': `export const handler = async (event, context) => ({
          ...context,
          remaining: context.getRemainingTimeInMillis(),
          trace: process.env._X_AMZN_TRACE_ID ?? null,
        });`,
      },
    });
    const deadline = Date.now() + 5_000;
    const posted = await api.invoke(
      {},
      {
        'Lambda-Runtime-Deadline-Ms': String(deadline),
        'Lambda-Runtime-Trace-Id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
        'Lambda-Runtime-Client-Context': JSON.stringify({ custom: { tenant: 'acme' }, env: { app: 'x' } }),
        'Lambda-Runtime-Cognito-Identity': JSON.stringify({ cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' }),
      },
    );
    const context = json(posted) as Record<string, unknown>;
    expect(context).toMatchObject({
      awsRequestId: posted.requestId,
      functionName: 'fn',
      functionVersion: '$LATEST',
      memoryLimitInMB: '128',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
      logGroupName: '/aws/lambda/fn',
      logStreamName: '2024/01/01/[$LATEST]0123456789abcdef',
      callbackWaitsForEmptyEventLoop: true,
      clientContext: { custom: { tenant: 'acme' }, env: { app: 'x' } },
      identity: { cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' },
      trace: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
    });
    expect(context.remaining).toBeGreaterThan(3_000);
    expect(context.remaining).toBeLessThanOrEqual(5_000);

    const second = json(await api.invoke({}, { 'Lambda-Runtime-Deadline-Ms': String(Date.now() - 10) })) as Record<string, unknown>;
    expect(second.trace).toBeNull();
    expect(second.clientContext).toBeUndefined();
    expect(second.remaining).toBe(0);
  });

  it('fails the invocation when the client context header is not JSON', async () => {
    const api = await fakeApi();
    await startRuntime(api, { files: { 'index.mjs': 'export const handler = async () => "ran";' } });
    const posted = await api.invoke({}, { 'Lambda-Runtime-Client-Context': '{nope' });
    expect(posted.kind).toBe('error');
    expect((json(posted) as { errorMessage: string }).errorMessage).toMatch(/^Cannot parse ClientContext as json: SyntaxError/);
  });
});

describe('Node.js runtime: invocation errors', () => {
  it('posts thrown errors to /error with the error type header, then keeps serving', async () => {
    const api = await fakeApi();
    const runtime = await startRuntime(api, {
      files: {
        'index.mjs': `class ValidationError extends Error { constructor(m) { super(m); this.name = 'ValidationError'; } }
        export const handler = async (event) => {
          if (event.kind === 'error') throw new Error('boom');
          if (event.kind === 'type') return null.property;
          if (event.kind === 'custom') throw new ValidationError('bad input');
          if (event.kind === 'string') throw 'just a string';
          return 'fine';
        };`,
      },
    });
    const boom = await api.invoke({ kind: 'error' });
    expect(boom.kind).toBe('error');
    expect(boom.headers['lambda-runtime-function-error-type']).toBe('Error');
    const body = json(boom) as { errorType: string; errorMessage: string; trace: string[] };
    expect(body.errorType).toBe('Error');
    expect(body.errorMessage).toBe('boom');
    expect(Object.keys(body)).toEqual(['errorType', 'errorMessage', 'trace']);
    expect(body.trace[0]).toBe('Error: boom');
    expect(body.trace[1]).toMatch(/^ {4}at .*index\.mjs/);

    expect(json(await api.invoke({ kind: 'type' }))).toMatchObject({ errorType: 'TypeError' });
    const custom = await api.invoke({ kind: 'custom' });
    expect(custom.headers['lambda-runtime-function-error-type']).toBe('ValidationError');
    expect(json(custom)).toMatchObject({ errorType: 'ValidationError', errorMessage: 'bad input' });
    expect(json(await api.invoke({ kind: 'string' }))).toEqual({
      errorType: 'string',
      errorMessage: 'just a string',
      trace: [],
    });
    expect(json(await api.invoke({}))).toBe('fine');

    await runtime.stop();
    const invokeError = logLines(runtime.stdout()).find((l) => l[0] === boom.requestId && l[1] === 'ERROR');
    expect(invokeError?.[2]).toMatch(/^Invoke Error \t\{"errorType":"Error","errorMessage":"boom"/);
  });

  it('posts callback errors and unserialisable results as errors', async () => {
    const api = await fakeApi();
    await startRuntime(api, {
      files: {
        'index.js': `exports.handler = (event, context, callback) => {
          if (event.kind === 'callback') return callback(new RangeError('out of range'));
          const circular = {}; circular.self = circular; callback(null, circular);
        };`,
      },
    });
    expect(json(await api.invoke({ kind: 'callback' }))).toMatchObject({ errorType: 'RangeError', errorMessage: 'out of range' });
    const circular = await api.invoke({ kind: 'circular' });
    expect(circular.kind).toBe('error');
    expect(json(circular)).toMatchObject({ errorType: 'Error', errorMessage: 'Unable to stringify response body' });
  });

  it('reports an unhandled rejection during an invocation, then exits 128', async () => {
    const api = await fakeApi();
    const runtime = await startRuntime(api, {
      files: {
        'index.mjs': `export const handler = async () => {
          Promise.reject(new Error('nope'));
          await new Promise((resolve) => setTimeout(resolve, 200));
          return 'too late';
        };`,
      },
    });
    const posted = await api.invoke({});
    expect(posted.kind).toBe('error');
    expect(posted.headers['lambda-runtime-function-error-type']).toBe('Runtime.UnhandledPromiseRejection');
    expect(json(posted)).toMatchObject({ errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: 'Error: nope' });
    expect((await runtime.exited).code).toBe(128);
    expect(api.postsFor(posted.requestId ?? '')).toHaveLength(1);
  });

  it('reports an uncaught exception during an invocation, then exits 129', async () => {
    const api = await fakeApi();
    const runtime = await startRuntime(api, {
      files: {
        'index.js': `exports.handler = (event, context, callback) => {
          setTimeout(() => { throw new TypeError('thrown from a timer'); }, 10);
        };`,
      },
    });
    const posted = await api.invoke({});
    expect(json(posted)).toMatchObject({ errorType: 'TypeError', errorMessage: 'thrown from a timer' });
    expect((await runtime.exited).code).toBe(129);
    expect(logLines(runtime.stdout()).some((l) => l[1] === 'ERROR' && l[2]?.startsWith('Uncaught Exception \t'))).toBe(true);
  });
  it('logs an uncaught exception between invocations and exits 129 without posting', async () => {
    const api = await fakeApi();
    const runtime = await startRuntime(api, {
      files: {
        'index.js': `exports.handler = (event, context, callback) => {
          context.callbackWaitsForEmptyEventLoop = false;
          setTimeout(() => { throw new Error('after the response'); }, 50);
          callback(null, 'answered');
        };`,
      },
    });
    const posted = await api.invoke({});
    expect(json(posted)).toBe('answered');
    expect((await runtime.exited).code).toBe(129);
    expect(api.posts).toHaveLength(1);
    const crashLine = logLines(runtime.stdout()).find((l) => l[1] === 'ERROR');
    expect(crashLine?.[0]).toBe(posted.requestId);
    expect(crashLine?.[2]).toMatch(/^Uncaught Exception \t\{"errorType":"Error","errorMessage":"after the response"/);
  });
});

describe('Node.js runtime: init errors', () => {
  const cases: Array<{
    name: string;
    handler?: string;
    files: Record<string, string>;
    type: string;
    message: RegExp;
    exitCode?: number;
  }> = [
    {
      name: 'a missing module',
      handler: 'missing.handler',
      files: {},
      type: 'Runtime.ImportModuleError',
      message: /^Error: Cannot find module 'missing'\nRequire stack:\n- .*\/index\.mjs/,
    },
    {
      name: 'a missing export',
      handler: 'index.nope',
      files: { 'index.mjs': 'export const handler = async () => 1;' },
      type: 'Runtime.HandlerNotFound',
      message: /^index\.nope is undefined or not exported$/,
    },
    {
      name: 'an export that is not a function',
      files: { 'index.mjs': 'export const handler = 42;' },
      type: 'Runtime.HandlerNotFound',
      message: /^index\.handler is not a function$/,
    },
    {
      name: 'a syntax error',
      files: { 'index.mjs': 'export const handler = async () => {' },
      type: 'Runtime.UserCodeSyntaxError',
      message: /^SyntaxError: /,
    },
    {
      name: 'module code that throws',
      files: { 'index.js': 'throw new TypeError("bad config"); exports.handler = () => 1;' },
      type: 'TypeError',
      message: /^bad config$/,
    },
    {
      name: 'a rejection left unhandled by module code',
      files: { 'index.mjs': 'Promise.reject(new Error("init rejected")); export const handler = async () => 1;' },
      type: 'Runtime.UnhandledPromiseRejection',
      message: /^Error: init rejected$/,
      exitCode: 128,
    },
    {
      name: 'a handler name without a dot',
      handler: 'index',
      files: { 'index.mjs': 'export const handler = async () => 1;' },
      type: 'Runtime.MalformedHandlerName',
      message: /^Bad handler index$/,
    },
  ];

  it.each(cases)('reports $name to /init/error and exits non-zero', async ({ handler, files, type, message, exitCode }) => {
    const api = await fakeApi();
    const runtime = await startRuntime(api, { files, ...(handler ? { handler } : {}) });
    const posted = await api.waitForPost((p) => p.kind === 'init-error');
    expect(posted.headers['lambda-runtime-function-error-type']).toBe(type);
    const body = json(posted) as { errorType: string; errorMessage: string; trace: string[] };
    expect(body.errorType).toBe(type);
    expect(body.errorMessage).toMatch(message);
    expect(Array.isArray(body.trace)).toBe(true);
    expect((await runtime.exited).code).toBe(exitCode ?? 129);
    expect(api.nextCalls).toBe(0);
    expect(runtime.stdout()).toMatch(/^\S+\tundefined\tERROR\t(Uncaught Exception|Unhandled Promise Rejection) \t\{"errorType":"/m);
  });
});

describe('Node.js runtime: logs', () => {
  it('prints one AWS-formatted line per console call, newlines as \\r', async () => {
    const api = await fakeApi();
    const runtime = await startRuntime(api, {
      files: {
        'index.mjs': `console.log('loaded');
        export const handler = async () => {
          console.log('hello %s', 'world', { a: 1 });
          console.info('info');
          console.warn('multi\\nline\\nwarning');
          console.error(new Error('logged error'));
          console.debug('debug');
          console.trace('trace');
          return 'ok';
        };`,
      },
    });
    const posted = await api.invoke({});
    await runtime.stop();
    const id = posted.requestId ?? '';
    const rawLines = runtime.stdout().split('\n').filter(Boolean);
    for (const line of rawLines) {
      const time = LOG_LINE.exec(line)?.[1] ?? '';
      expect(new Date(time).toISOString()).toBe(time);
    }
    const lines = logLines(runtime.stdout());
    expect(lines[0]).toEqual(['undefined', 'INFO', 'loaded']);
    expect(lines.slice(1, 4)).toEqual([
      [id, 'INFO', "hello world { a: 1 }"],
      [id, 'INFO', 'info'],
      [id, 'WARN', 'multi\rline\rwarning'],
    ]);
    expect(lines[4]?.slice(0, 2)).toEqual([id, 'ERROR']);
    expect(lines[4]?.[2]).toMatch(/^Error: logged error\r {4}at /);
    expect(lines.slice(5)).toEqual([
      [id, 'DEBUG', 'debug'],
      [id, 'TRACE', 'trace'],
    ]);
  });

  it('honours AWS_LAMBDA_LOG_FORMAT=JSON and AWS_LAMBDA_LOG_LEVEL', async () => {
    const api = await fakeApi();
    const runtime = await startRuntime(api, {
      env: { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'WARN' },
      files: {
        'index.mjs': `export const handler = async () => { console.info('hidden'); console.warn('shown', 1); return 1; };`,
      },
    });
    const posted = await api.invoke({});
    await runtime.stop();
    const entries = runtime.stdout().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries).toEqual([
      { timestamp: expect.any(String), level: 'WARN', requestId: posted.requestId, message: 'shown 1' },
    ]);
  });
});

describe('Node.js runtime: Runtime API', () => {
  it('carries on with the next invocation after a 413 on /response', async () => {
    const api = await fakeApi();
    await startRuntime(api, {
      files: { 'index.mjs': 'export const handler = async (e) => e.big ? "x".repeat(1024 * 1024) : "small";' },
    });
    let responses = 0;
    api.responseStatus = () => (responses++ === 0 ? 413 : 202);
    const big = await api.invoke({ big: true });
    expect(big.status).toBe(413);
    expect(big.body.length).toBe(1024 * 1024 + 2);
    const next = await api.invoke({});
    expect(json(next)).toBe('small');
    expect(api.postsFor(big.requestId ?? '')).toHaveLength(1);
  });

  it('uses one keep-alive connection for every call', async () => {
    const api = await fakeApi();
    await startRuntime(api, { files: { 'index.mjs': 'export const handler = async (e) => e;' } });
    for (let i = 0; i < 5; i++) expect(json(await api.invoke({ i }))).toEqual({ i });
    expect(api.connections).toBe(1);
  });

  it('exits non-zero quickly when the Runtime API is unreachable', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const started = Date.now();
    const runtime = await startRuntime(undefined, {
      runtimeApi: `127.0.0.1:${port}`,
      files: { 'index.mjs': 'export const handler = async () => 1;' },
    });
    const { code } = await runtime.exited;
    expect(code).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(runtime.stderr()).toContain('Runtime API is unreachable');
  });

  it('starts node with a heap sized from AWS_LAMBDA_FUNCTION_MEMORY_SIZE', async () => {
    const api = await fakeApi();
    await startRuntime(api, {
      env: { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512' },
      files: { 'index.mjs': 'export const handler = async () => process.execArgv;' },
    });
    const execArgv = json(await api.invoke({})) as string[];
    expect(execArgv).toContain('--max-old-space-size=460');
    expect(execArgv).toContain('--max-semi-space-size=25');
  });
});
