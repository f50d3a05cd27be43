// Drives the real python3.11 runtime (sh bootstrap -> python3 bootstrap.py) against the fake Runtime API of
// the Node runtime's harness, with handler files written into a temporary LAMBDA_TASK_ROOT. Debian's
// /usr/bin/python3 comes first on PATH when the host has it (the image's interpreter).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FakeRuntimeApi,
  json,
  registerCleanup,
  runCleanups,
  startRuntime,
  type RuntimeOptions,
} from '../nodejs/test-harness.js';

const BOOTSTRAP = fileURLToPath(new URL('./runtime/bootstrap', import.meta.url));
const PATH = `/usr/bin:/bin:${process.env.PATH ?? ''}`;
/** `[LEVEL]\t<UTC time>Z\t<request id>\t<message>`, AWS's text format for the logging module. */
const LOGGING_LINE = /^\[([A-Z]+)\]\t(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t([^\t]*)\t(.*)$/;
const NBSP = '\u00a0';

afterEach(runCleanups);

async function fakeApi(): Promise<FakeRuntimeApi> {
  const api = await FakeRuntimeApi.start();
  registerCleanup(() => api.close());
  return api;
}

function startPython(api: FakeRuntimeApi | undefined, options: RuntimeOptions) {
  return startRuntime(api, {
    handler: 'app.handler',
    ...options,
    bootstrap: BOOTSTRAP,
    env: { PATH, AWS_EXECUTION_ENV: 'AWS_Lambda_python3.11', PYTHONDONTWRITEBYTECODE: '1', ...options.env },
  });
}

describe('python3.11 runtime: handlers', () => {
  it('posts the returned value as JSON, an empty event as {}, None as null, and keeps module state', async () => {
    const api = await fakeApi();
    await startPython(api, {
      files: {
        'app.py': [
          'count = 0',
          'def handler(event, context):',
          '    global count',
          '    count += 1',
          '    return None if event.get("none") else {"echo": event, "count": count, "text": "é"}',
        ].join('\n'),
      },
    });
    const first = await api.invoke({ hello: 'world', n: [1, 2.5] });
    expect(first.kind).toBe('response');
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.body).toBe('{"echo": {"hello": "world", "n": [1, 2.5]}, "count": 1, "text": "\\u00e9"}');
    expect(json(await api.invoke(undefined, {}, ''))).toEqual({ echo: {}, count: 2, text: 'é' });
    expect((await api.invoke({ none: true })).body).toBe('null');
  });

  it('writes a Decimal as the number it holds, as AWS\'s encoder does', async () => {
    const api = await fakeApi();
    await startPython(api, {
      files: {
        'app.py': 'from decimal import Decimal\ndef handler(e, c):\n    return {"d": Decimal("12.50"), "big": Decimal("12345678901234567890.1"), "s": "x"}',
      },
    });
    expect((await api.invoke({})).body).toBe('{"d": 12.50, "big": 12345678901234567890.1, "s": "x"}');
  });

  it('loads a handler from a nested package (a/b.handler) with the task root and /opt/python first on sys.path', async () => {
    const api = await fakeApi();
    const runtime = await startPython(api, {
      handler: 'pkg/sub/mod.handler',
      files: {
        'pkg/__init__.py': '',
        'pkg/sub/__init__.py': '',
        'pkg/sub/mod.py': 'import os, sys\ndef handler(e, c):\n    return {"path": sys.path[:3], "last": sys.path[-1], "cwd_mod": __name__}',
      },
    });
    const answer = json(await api.invoke({})) as { path: string[]; last: string; cwd_mod: string };
    expect(answer.path[0]).toMatch(/lambdock-nodejs-/);
    expect(answer.path.slice(1)).toEqual([expect.stringMatching(/^\/opt\/python\/lib\/python3\.\d+\/site-packages$/), '/opt/python']);
    expect(answer.last).toBe(fileURLToPath(new URL('./runtime', import.meta.url)));
    expect(answer.cwd_mod).toBe('pkg.sub.mod');
    await runtime.stop();
  });

  it('gives the handler AWS\'s context object', async () => {
    const api = await fakeApi();
    await startPython(api, {
      files: {
        'app.py': [
          'def handler(event, c):',
          '    return {k: getattr(c, k) for k in ("aws_request_id", "function_name", "function_version", "memory_limit_in_mb",',
          '            "invoked_function_arn", "log_group_name", "log_stream_name")} | {',
          '        "remaining": c.get_remaining_time_in_millis(),',
          '        "custom": c.client_context.custom, "app_title": c.client_context.client.app_title,',
          '        "identity": [c.identity.cognito_identity_id, c.identity.cognito_identity_pool_id]}',
        ].join('\n'),
      },
    });
    const clientContext = JSON.stringify({ custom: { k: 'v' }, client: { app_title: 'demo' }, env: {} });
    const posted = await api.invoke(
      {},
      {
        'Lambda-Runtime-Deadline-Ms': String(Date.now() + 2_000),
        'Lambda-Runtime-Client-Context': clientContext,
        'Lambda-Runtime-Cognito-Identity': JSON.stringify({ cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' }),
      },
    );
    const context = json(posted) as Record<string, unknown>;
    expect(context).toMatchObject({
      aws_request_id: posted.requestId,
      function_name: 'fn',
      function_version: '$LATEST',
      memory_limit_in_mb: '128',
      invoked_function_arn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
      log_group_name: '/aws/lambda/fn',
      log_stream_name: '2024/01/01/[$LATEST]0123456789abcdef',
      custom: { k: 'v' },
      app_title: 'demo',
      identity: ['id-1', 'pool-1'],
    });
    expect(context.remaining).toBeGreaterThan(1_000);
    expect(context.remaining).toBeLessThanOrEqual(2_000);
  });
});

describe('python3.11 runtime: start-up', () => {
  it('runs AWS_LAMBDA_EXEC_WRAPPER with the python command, as AWS\'s bootstrap does', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lambdock-wrapper-'));
    registerCleanup(() => rm(dir, { recursive: true, force: true }));
    const wrapper = path.join(dir, 'wrapper.sh');
    await writeFile(wrapper, '#!/bin/sh\nexport WRAPPED="$1 $(basename "$3")"\nexec "$@"\n', { mode: 0o755 });
    const api = await fakeApi();
    await startPython(api, {
      env: { AWS_LAMBDA_EXEC_WRAPPER: wrapper },
      files: { 'app.py': 'import os\ndef handler(e, c):\n    return os.environ["WRAPPED"]' },
    });
    expect(json(await api.invoke({}))).toBe('python3 bootstrap.py');
  });
});

describe('python3.11 runtime: errors', () => {
  it('posts an exception as AWS does: errorMessage, errorType, requestId and a stackTrace of user frames', async () => {
    const api = await fakeApi();
    const runtime = await startPython(api, {
      files: { 'app.py': 'def fail():\n    raise ValueError("boom")\n\ndef handler(event, context):\n    fail()\n' },
    });
    const posted = await api.invoke({});
    expect(posted.kind).toBe('error');
    expect(posted.headers['lambda-runtime-function-error-type']).toBe('ValueError');
    const body = json(posted) as { stackTrace: string[] };
    expect(Object.keys(body)).toEqual(['errorMessage', 'errorType', 'requestId', 'stackTrace']);
    expect(body).toMatchObject({ errorMessage: 'boom', errorType: 'ValueError', requestId: posted.requestId });
    expect(body.stackTrace).toEqual([
      expect.stringMatching(/^ {2}File ".*\/app\.py", line 5, in handler\n {4}fail\(\)\n$/),
      expect.stringMatching(/^ {2}File ".*\/app\.py", line 2, in fail\n {4}raise ValueError\("boom"\)\n$/),
    ]);
    expect(json(await api.invoke({}))).toMatchObject({ errorType: 'ValueError' });
    await runtime.stop();
    const logged = runtime.stdout().split('\n')[0] ?? '';
    expect(logged.split('\r')).toEqual([
      '[ERROR] ValueError: boom',
      'Traceback (most recent call last):',
      expect.stringMatching(new RegExp(`^${NBSP}{2}File ".*/app\\.py", line 5, in handler$`)),
      `${NBSP}${NBSP}${NBSP}${NBSP}fail()`,
      expect.stringMatching(new RegExp(`^${NBSP}{2}File ".*/app\\.py", line 2, in fail$`)),
      `${NBSP}${NBSP}${NBSP}${NBSP}raise ValueError("boom")`,
    ]);
  });

  it('reports a result that is not JSON as Runtime.MarshalError', async () => {
    const api = await fakeApi();
    await startPython(api, { files: { 'app.py': 'def handler(e, c):\n    return {1, 2}' } });
    expect(json(await api.invoke({}))).toEqual({
      errorMessage: 'Unable to marshal response: Object of type set is not JSON serializable',
      errorType: 'Runtime.MarshalError',
      requestId: expect.any(String),
      stackTrace: [],
    });
  });

  it('reports a missing module to /init/error as Runtime.ImportModuleError and exits 1', async () => {
    const api = await fakeApi();
    const runtime = await startPython(api, { handler: 'missing.handler' });
    const posted = await api.waitForPost((p) => p.kind === 'init-error');
    expect(posted.headers['lambda-runtime-function-error-type']).toBe('Runtime.ImportModuleError');
    expect(json(posted)).toEqual({
      errorMessage: "Unable to import module 'missing': No module named 'missing'",
      errorType: 'Runtime.ImportModuleError',
      requestId: '',
      stackTrace: [],
    });
    expect((await runtime.exited).code).toBe(1);
    const lines = runtime.stdout().split('\n');
    expect(lines[0]).toMatch(/^\[WARNING\]\t\S+Z\t\tLAMBDA_WARNING: Unhandled exception\. /);
    expect(lines[1]).toBe(
      "[ERROR] Runtime.ImportModuleError: Unable to import module 'missing': No module named 'missing'\rTraceback (most recent call last):",
    );
    expect(api.nextCalls).toBe(0);
  });

  it('reports an import failing inside the module as Runtime.ImportModuleError too', async () => {
    const api = await fakeApi();
    await startPython(api, { handler: 'app.handler', files: { 'app.py': 'import not_installed_pkg\ndef handler(e, c): pass' } });
    expect(json(await api.waitForPost((p) => p.kind === 'init-error'))).toMatchObject({
      errorMessage: "Unable to import module 'app': No module named 'not_installed_pkg'",
      errorType: 'Runtime.ImportModuleError',
    });
  });

  it('reports a missing handler function as Runtime.HandlerNotFound', async () => {
    const api = await fakeApi();
    await startPython(api, { handler: 'pkg/app.nope', files: { 'pkg/__init__.py': '', 'pkg/app.py': 'def handler(e, c): pass' } });
    const posted = await api.waitForPost((p) => p.kind === 'init-error');
    expect(posted.headers['lambda-runtime-function-error-type']).toBe('Runtime.HandlerNotFound');
    expect(json(posted)).toEqual({
      errorMessage: "Handler 'nope' missing on module 'pkg/app'",
      errorType: 'Runtime.HandlerNotFound',
      requestId: '',
      stackTrace: [],
    });
  });

  it('reports a syntax error as Runtime.UserCodeSyntaxError with the offending line', async () => {
    const api = await fakeApi();
    await startPython(api, { files: { 'app.py': 'def handler(e, c)\n    return 1\n' } });
    const body = json(await api.waitForPost((p) => p.kind === 'init-error')) as { stackTrace: string[] };
    expect(body).toMatchObject({
      errorMessage: expect.stringMatching(/^Syntax error in module 'app': expected ':' \(app\.py, line 1\)$/),
      errorType: 'Runtime.UserCodeSyntaxError',
      requestId: '',
    });
    expect(body.stackTrace).toEqual([expect.stringMatching(/^ {2}File ".*\/app\.py" Line 1\n {4}def handler\(e, c\)\n$/)]);
  });

  it('reports an exception raised at import with its type and the frames from importlib on', async () => {
    const api = await fakeApi();
    await startPython(api, { files: { 'app.py': 'raise Exception("Runtime startup fails")\n' } });
    const body = json(await api.waitForPost((p) => p.kind === 'init-error')) as { stackTrace: string[] };
    expect(body).toMatchObject({ errorMessage: 'Runtime startup fails', errorType: 'Exception', requestId: '' });
    expect(body.stackTrace[0]).toMatch(/importlib\/__init__\.py", line \d+, in import_module\n/);
    expect(body.stackTrace.at(-1)).toMatch(/app\.py", line 1, in <module>\n {4}raise Exception\("Runtime startup fails"\)\n$/);
  });

  it('exits 1 saying so when the Runtime API is unreachable', async () => {
    const runtime = await startPython(undefined, { runtimeApi: '127.0.0.1:1', files: { 'app.py': 'def handler(e, c): pass' } });
    expect((await runtime.exited).code).toBe(1);
    expect(runtime.stderr()).toMatch(/^lambdock python3\.11 runtime: the Runtime API is unreachable: .*; exiting\n$/);
  });
});

describe('python3.11 runtime: logs', () => {
  it('prints as they are and logging lines as [LEVEL]\\t<time>\\t<request id>\\t<message>', async () => {
    const api = await fakeApi();
    const runtime = await startPython(api, {
      files: {
        'app.py': [
          'import logging',
          'logger = logging.getLogger()',
          'logger.setLevel(logging.INFO)',
          'print("at init")',
          'def handler(e, c):',
          '    print("plain print")',
          '    logger.info("info %s", 1)',
          '    logging.getLogger("child").warning("careful")',
          '    logger.debug("not shown")',
        ].join('\n'),
      },
    });
    const posted = await api.invoke({});
    await runtime.stop();
    const lines = runtime.stdout().split('\n').filter((line) => line !== '');
    expect(lines[0]).toBe('at init');
    expect(lines[1]).toBe('plain print');
    expect(lines.slice(2).map((line) => LOGGING_LINE.exec(line)?.slice(1))).toEqual([
      ['INFO', expect.any(String), posted.requestId, 'info 1'],
      ['WARNING', expect.any(String), posted.requestId, 'careful'],
    ]);
    expect(lines).toHaveLength(4);
  });

  it('writes JSON records with AWS_LAMBDA_LOG_FORMAT=JSON and honours AWS_LAMBDA_LOG_LEVEL', async () => {
    const api = await fakeApi();
    const runtime = await startPython(api, {
      env: { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'DEBUG' },
      files: {
        'app.py': 'import logging\ndef handler(e, c):\n    logging.getLogger("app").debug("dbg", extra={"k": 1})\n    raise KeyError("x")',
      },
    });
    const posted = await api.invoke({});
    await runtime.stop();
    const records = runtime
      .stdout()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records[0]).toEqual({
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      level: 'DEBUG',
      message: 'dbg',
      logger: 'app',
      requestId: posted.requestId,
      k: 1,
    });
    expect(records[1]).toMatchObject({ log_level: 'ERROR', errorType: 'KeyError', errorMessage: "'x'", requestId: posted.requestId });
    expect(records).toHaveLength(2);
  });
});
