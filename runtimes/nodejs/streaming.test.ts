// The awslambda global (streamifyResponse, HttpResponseStream) of the real Node.js runtime, driven
// against a fake Runtime API: streaming handlers load and answer buffered, as a plain Invoke does on AWS.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeRuntimeApi, json, registerCleanup, runCleanups, startRuntime } from './test-harness.js';

afterEach(runCleanups);

async function fakeApi(): Promise<FakeRuntimeApi> {
  const api = await FakeRuntimeApi.start();
  registerCleanup(() => api.close());
  return api;
}

const PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';

describe('Node.js runtime: streaming handlers', () => {
  it('posts everything written to the stream, once it has ended, as the response', async () => {
    const api = await fakeApi();
    await startRuntime(api, {
      files: {
        'index.mjs': `export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
          responseStream.write('hello ');
          responseStream.write(Buffer.from(event.name));
          responseStream.end(' from ' + context.functionName);
        });`,
      },
    });
    const posted = await api.invoke({ name: 'stream' });
    expect(posted.kind).toBe('response');
    expect(posted.body).toBe('hello stream from fn');
    expect(posted.headers['content-type']).toBe('application/octet-stream');
    // A second invocation is served the same way (the loop goes on).
    expect((await api.invoke({ name: 'again' })).body).toBe('hello again from fn');
  });

  it('writes HttpResponseStream.from metadata as AWS does: the JSON prelude, 8 NUL bytes, then the body', async () => {
    const api = await fakeApi();
    await startRuntime(api, {
      files: {
        'index.js': `exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
          const stream = awslambda.HttpResponseStream.from(responseStream, { statusCode: 201, headers: { 'x-a': 'b' } });
          stream.write('<h1>');
          stream.end('hi</h1>');
        });`,
      },
    });
    const posted = await api.invoke({});
    expect(posted.headers['content-type']).toBe(PRELUDE_CONTENT_TYPE);
    expect(posted.body).toBe(`{"statusCode":201,"headers":{"x-a":"b"}}${'\0'.repeat(8)}<h1>hi</h1>`);
  });

  it('waits for a stream that ends after the handler resolved, and accepts piped and object chunks', async () => {
    const api = await fakeApi();
    await startRuntime(api, {
      files: {
        'index.mjs': `import { Readable } from 'node:stream';
          import { pipeline } from 'node:stream/promises';
          export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
            if (event.mode === 'pipe') {
              await pipeline(Readable.from(['a', 'b', 'c']), responseStream);
              return;
            }
            responseStream.write({ n: 1 });
            setTimeout(() => responseStream.end(), 50);
          });`,
      },
    });
    expect((await api.invoke({ mode: 'pipe' })).body).toBe('abc');
    expect((await api.invoke({ mode: 'late' })).body).toBe('{"n":1}');
  });

  it('fails the invocation when the handler rejects, is not async, or destroys the stream unfinished', async () => {
    const api = await fakeApi();
    await startRuntime(api, {
      files: {
        'index.js': `exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
            responseStream.write('partial');
            if (event.mode === 'throw') throw new TypeError('stream broke');
            responseStream.destroy();
          });
          exports.sync = awslambda.streamifyResponse((event, responseStream) => { responseStream.end('x'); });`,
      },
    });
    const thrown = await api.invoke({ mode: 'throw' });
    expect(thrown.kind).toBe('error');
    expect(thrown.headers['lambda-runtime-function-error-type']).toBe('TypeError');
    expect(json(thrown)).toMatchObject({ errorType: 'TypeError', errorMessage: 'stream broke' });
    const destroyed = await api.invoke({ mode: 'destroy' });
    expect(destroyed.kind).toBe('error');
    expect(json(destroyed)).toMatchObject({ errorType: 'Error', errorMessage: 'Response stream is not finished.' });

    const api2 = await fakeApi();
    await startRuntime(api2, { handler: 'index.sync', files: { 'index.js': 'exports.sync = awslambda.streamifyResponse((e, s) => { s.end("x"); });' } });
    const sync = await api2.invoke({});
    expect(sync.kind).toBe('error');
    expect(json(sync)).toMatchObject({ errorMessage: 'Streaming does not support non-async handlers.' });
  });

  it('refuses a content type set after the first write, as AWS does', async () => {
    const api = await fakeApi();
    await startRuntime(api, {
      files: {
        'index.mjs': `export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
          responseStream.setContentType('text/plain');
          responseStream.write('x');
          try { responseStream.setContentType('text/html'); } catch (error) { responseStream.end(' ' + error.message); }
        });`,
      },
    });
    const posted = await api.invoke({});
    expect(posted.headers['content-type']).toBe('text/plain');
    expect(posted.body).toBe('x Cannot set content-type, too late.');
  });

  it('leaves non-streaming handlers as they were, and has no global with AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA', async () => {
    const api = await fakeApi();
    await startRuntime(api, {
      files: { 'index.mjs': 'export const handler = async () => ({ type: typeof awslambda, fns: Object.keys(awslambda) });' },
    });
    const posted = await api.invoke({});
    expect(posted.headers['content-type']).toBe('application/json');
    expect(json(posted)).toEqual({ type: 'object', fns: ['streamifyResponse', 'HttpResponseStream'] });

    const api2 = await fakeApi();
    await startRuntime(api2, {
      env: { AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA: '1' },
      files: { 'index.mjs': 'export const handler = async () => typeof globalThis.awslambda;' },
    });
    expect(json(await api2.invoke({}))).toBe('undefined');
  });
});

describe('Node.js runtime: ES modules and NODE_PATH', () => {
  const sdkLike = {
    'runtime-modules/node_modules/fake-sdk/package.json': '{"name":"fake-sdk","main":"index.js"}',
    'runtime-modules/node_modules/fake-sdk/index.js': 'exports.where = "NODE_PATH";',
  };

  it('lets an ES module handler import a package found only on NODE_PATH, as AWS does', async () => {
    const api = await fakeApi();
    const files = {
      ...sdkLike,
      'index.mjs': `import { where } from 'fake-sdk'; export const handler = async () => where;`,
    };
    // __TASK_ROOT__: the harness's temporary task root (so the folder sits outside node_modules lookups).
    await startRuntime(api, { files, env: { NODE_PATH: '__TASK_ROOT__/runtime-modules/node_modules' } });
    expect(json(await api.invoke({}))).toBe('NODE_PATH');
  });

  it("prefers the function's own node_modules over NODE_PATH", async () => {
    const api = await fakeApi();
    const files = {
      ...sdkLike,
      'node_modules/fake-sdk/package.json': '{"name":"fake-sdk","type":"module","exports":"./own.js"}',
      'node_modules/fake-sdk/own.js': 'export const where = "own";',
      'index.mjs': `import { where } from 'fake-sdk'; export const handler = async () => where;`,
    };
    await startRuntime(api, { files, env: { NODE_PATH: '__TASK_ROOT__/runtime-modules/node_modules' } });
    expect(json(await api.invoke({}))).toBe('own');
  });

  it('still fails init with AWS\'s ERR_MODULE_NOT_FOUND error for a package found nowhere', async () => {
    const api = await fakeApi();
    await startRuntime(api, {
      files: { ...sdkLike, 'index.mjs': `import 'no-such-package'; export const handler = async () => 1;` },
      env: { NODE_PATH: '__TASK_ROOT__/runtime-modules/node_modules' },
    });
    const posted = await api.waitForPost((p) => p.kind === 'init-error');
    expect(json(posted)).toMatchObject({ errorType: 'Error', errorMessage: expect.stringContaining("Cannot find package 'no-such-package'") });
  });
});
