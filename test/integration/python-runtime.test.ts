// The python3.11 runtime in its real image (offline: the stand-in built from the host's Debian Python),
// driven through lambdock's API with the AWS SDK.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeZip } from '../helpers/zip.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

let t: TestLambdock;

beforeAll(async () => {
  t = await startTestLambdock();
});
afterAll(async () => {
  await t?.close();
});

interface ErrorBody {
  errorMessage: string;
  errorType: string;
  requestId: string;
  stackTrace: string[];
}

async function createPython(name: string, files: Record<string, string>, handler = 'app.handler'): Promise<void> {
  await t.createFunction({ FunctionName: name, Runtime: 'python3.11', Handler: handler, Code: { ZipFile: await makeZip(files) } });
}

describe('python3.11 functions', () => {
  it('return a value, read their context, and log prints and logging lines into LogType Tail', async () => {
    await createPython('py-echo', {
      'app.py': [
        'import logging, sys',
        'logger = logging.getLogger()',
        'logger.setLevel(logging.INFO)',
        'def handler(event, context):',
        '    print("a plain print")',
        '    logger.info("logging says %s", event["word"])',
        '    return {"event": event, "version": sys.version_info[:2], "context": {',
        '        "aws_request_id": context.aws_request_id, "function_name": context.function_name,',
        '        "function_version": context.function_version, "memory_limit_in_mb": context.memory_limit_in_mb,',
        '        "invoked_function_arn": context.invoked_function_arn, "log_group_name": context.log_group_name,',
        '        "log_stream_name": context.log_stream_name, "remaining": context.get_remaining_time_in_millis()}}',
      ].join('\n'),
    });
    const out = await t.invoke({ FunctionName: 'py-echo', Payload: Buffer.from('{"word":"hi"}'), LogType: 'Tail' });
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    const body = out.json() as { event: unknown; version: number[]; context: Record<string, unknown> };
    expect(body.event).toEqual({ word: 'hi' });
    expect(body.version).toEqual([3, 11]);
    const requestId = out.$metadata.requestId;
    expect(body.context).toMatchObject({
      aws_request_id: requestId,
      function_name: 'py-echo',
      function_version: '$LATEST',
      memory_limit_in_mb: '128',
      invoked_function_arn: expect.stringMatching(/^arn:aws:lambda:[\w-]+:\d{12}:function:py-echo$/),
      log_group_name: '/aws/lambda/py-echo',
      log_stream_name: expect.stringMatching(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/),
    });
    expect(body.context.remaining).toBeGreaterThan(1_000);
    expect(body.context.remaining).toBeLessThanOrEqual(3_000);
    const lines = out.logs.split('\n');
    expect(lines).toContain('a plain print');
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^\\[INFO\\]\\t\\S+Z\\t${requestId}\\tlogging says hi$`)));
    expect(lines.at(-2)).toMatch(new RegExp(`^REPORT RequestId: ${requestId}\\t`));
  });

  it('report a raised exception with AWS\'s error body and FunctionError Unhandled', async () => {
    await createPython('py-raise', { 'app.py': 'def handler(event, context):\n    raise Exception("Handler fails")\n' });
    const out = await t.invoke({ FunctionName: 'py-raise', LogType: 'Tail' });
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.json()).toEqual({
      errorMessage: 'Handler fails',
      errorType: 'Exception',
      requestId: out.$metadata.requestId,
      stackTrace: ['  File "/var/task/app.py", line 2, in handler\n    raise Exception("Handler fails")\n'],
    });
    expect(out.logs).toContain('[ERROR] Exception: Handler fails\rTraceback (most recent call last):\r');
  });

  it('report a missing module and a missing handler as AWS\'s init errors', async () => {
    await createPython('py-no-module', { 'app.py': 'def handler(e, c): return 1' }, 'missing.handler');
    const missing = await t.invoke({ FunctionName: 'py-no-module' });
    expect(missing.FunctionError).toBe('Unhandled');
    expect(missing.json()).toEqual({
      errorMessage: "Unable to import module 'missing': No module named 'missing'",
      errorType: 'Runtime.ImportModuleError',
      requestId: '',
      stackTrace: [],
    });

    await createPython('py-no-handler', { 'app.py': 'def handler(e, c): return 1' }, 'app.nope');
    const noHandler = await t.invoke({ FunctionName: 'py-no-handler' });
    expect(noHandler.FunctionError).toBe('Unhandled');
    expect(noHandler.json() as ErrorBody).toEqual({
      errorMessage: "Handler 'nope' missing on module 'app'",
      errorType: 'Runtime.HandlerNotFound',
      requestId: '',
      stackTrace: [],
    });
  });

  it('write JSON log records with LoggingConfig LogFormat JSON, filtered at ApplicationLogLevel (INFO by default)', async () => {
    await t.createFunction({
      FunctionName: 'py-json-logs',
      Runtime: 'python3.11',
      Handler: 'app.handler',
      LoggingConfig: { LogFormat: 'JSON' },
      Code: {
        ZipFile: await makeZip({
          'app.py': 'import logging\ndef handler(e, c):\n    logging.getLogger("app").info("shown")\n    logging.getLogger("app").debug("hidden")\n    return 1',
        }),
      },
    });
    const out = await t.invoke({ FunctionName: 'py-json-logs', LogType: 'Tail' });
    const records = out.logs
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toContainEqual({
      timestamp: expect.stringMatching(/Z$/),
      level: 'INFO',
      message: 'shown',
      logger: 'app',
      requestId: out.$metadata.requestId,
    });
    expect(records.filter((record) => record.message === 'hidden')).toEqual([]);
  });

  it('import the bundled boto3 and use it offline', async () => {
    await createPython('py-boto3', {
      'pkg/__init__.py': '',
      'pkg/main.py': [
        'import boto3, botocore',
        'def handler(event, context):',
        '    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")',
        '    return {"boto3": boto3.__version__, "botocore": botocore.__version__, "file": boto3.__file__,',
        '            "operation": client.meta.service_model.operation_model("Invoke").http["requestUri"]}',
      ].join('\n'),
    }, 'pkg/main.handler');
    const out = await t.invoke({ FunctionName: 'py-boto3' });
    expect(out.FunctionError).toBeUndefined();
    expect(out.json()).toMatchObject({
      boto3: expect.stringMatching(/^1\.\d+\.\d+$/),
      operation: '/2015-03-31/functions/{FunctionName}/invocations',
    });
  });
});
