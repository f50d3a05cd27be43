import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteFunctionCommand, InvokeCommand, LambdaServiceException, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeZip } from '../helpers/zip.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

let t: TestLambdock;

// Reports what the environment looks like from inside, and keeps state between invocations.
const PROBE = `
const fs = require('fs');
let count = 0;
exports.handler = async (event, context) => {
  count += 1;
  let tmp = null;
  try { tmp = fs.readFileSync('/tmp/marker', 'utf8'); } catch {}
  fs.writeFileSync('/tmp/marker', 'written by ' + context.awsRequestId);
  console.log('probe says hello', count);
  return {
    version: 1, count, tmp, event,
    requestId: context.awsRequestId,
    functionName: context.functionName,
    memory: context.memoryLimitInMB,
    arn: context.invokedFunctionArn,
    remaining: context.getRemainingTimeInMillis(),
    clientContext: context.clientContext,
    uid: process.getuid(),
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(AWS_|LAMBDA_|_HANDLER|TZ|GREETING)/.test(k))),
  };
};`;

beforeAll(async () => {
  t = await startTestLambdock({ LAMBDOCK_PAUSE_GRACE_MS: '50' });
  await t.createFunction({ FunctionName: 'probe', Code: { ZipFile: await nodeZip(PROBE) }, Environment: { Variables: { GREETING: 'hi' } } });
});
afterAll(async () => {
  await t?.close();
});

type Probe = {
  version: number;
  count: number;
  tmp: string | null;
  event: unknown;
  requestId: string;
  functionName: string;
  memory: string;
  arn: string;
  remaining: number;
  clientContext: unknown;
  uid: number;
  env: Record<string, string>;
};

describe('synchronous invoke through a real sandbox', () => {
  it('runs the handler with the event, the context and the standard environment', async () => {
    const out = await t.invoke({ FunctionName: 'probe', Payload: Buffer.from(JSON.stringify({ hello: 'world', emoji: '🚀' })) });
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(out.ExecutedVersion).toBe('$LATEST');
    const probe = out.json() as Probe;
    expect(probe.event).toEqual({ hello: 'world', emoji: '🚀' });
    expect(probe.requestId).toBe(out.$metadata.requestId);
    expect(probe).toMatchObject({ functionName: 'probe', memory: '128', arn: 'arn:aws:lambda:us-east-1:000000000000:function:probe' });
    expect(probe.remaining).toBeGreaterThan(1000);
    expect(probe.remaining).toBeLessThanOrEqual(3000);
    expect(probe.uid).not.toBe(0);
    expect(probe.env).toMatchObject({
      AWS_LAMBDA_FUNCTION_NAME: 'probe',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/probe',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
      LAMBDA_TASK_ROOT: '/var/task',
      LAMBDA_RUNTIME_DIR: '/var/runtime',
      _HANDLER: 'index.handler',
      TZ: ':UTC',
      GREETING: 'hi',
    });
    expect(probe.env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(probe.env.AWS_LAMBDA_RUNTIME_API).toMatch(/^[\d.]+:\d+$/);
  });

  it('reuses the warm environment: same container, globals and /tmp survive, frozen in between', async () => {
    const first = (await t.invoke({ FunctionName: 'probe' })).json() as Probe;
    const second = (await t.invoke({ FunctionName: 'probe' })).json() as Probe;
    expect(second.count).toBe(first.count + 1);
    expect(second.tmp).toBe(`written by ${first.requestId}`);
    expect(second.event).toEqual({});
    const containers = await t.containersOf('probe');
    expect(containers).toHaveLength(1);

    // After the pause grace the container is frozen with `docker pause` …
    let state = '';
    for (let i = 0; i < 40 && state !== 'paused'; i += 1) {
      await sleep(50);
      state = (await t.containersOf('probe'))[0]?.state ?? '';
    }
    expect(state).toBe('paused');
    // … and thaws to answer the next invocation.
    const third = (await t.invoke({ FunctionName: 'probe' })).json() as Probe;
    expect(third.count).toBe(second.count + 1);
    expect((await t.containersOf('probe')).map((c) => c.id)).toEqual(containers.map((c) => c.id));
  });

  it('keeps back-to-back invocations in one environment, though the caller has its answer before the runtime asks for more', async () => {
    await t.createFunction({ FunctionName: 'back-to-back', Code: { ZipFile: await nodeZip('exports.handler = async (e) => e;') } });
    for (let i = 0; i < 200; i += 1) expect((await t.invoke({ FunctionName: 'back-to-back', Payload: Buffer.from(String(i)) })).body).toBe(String(i));
    expect(await t.containersOf('back-to-back')).toHaveLength(1);
  });

  it('returns the log tail with START, the function output, END and REPORT', async () => {
    const out = await t.invoke({ FunctionName: 'probe', LogType: 'Tail' });
    const id = out.$metadata.requestId ?? '';
    const lines = out.logs.trim().split('\n');
    expect(lines[0]).toBe(`START RequestId: ${id} Version: $LATEST`);
    expect(out.logs).toMatch(new RegExp(`\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${id}\\tINFO\\tprobe says hello \\d+`));
    expect(lines).toContain(`END RequestId: ${id}`);
    expect(lines[lines.length - 1]).toMatch(
      new RegExp(`^REPORT RequestId: ${id}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB(\\tInit Duration: [\\d.]+ ms)?$`),
    );
  });

  it('reports Init Duration on a cold start only', async () => {
    await t.createFunction({ FunctionName: 'cold', Code: { ZipFile: await nodeZip('exports.handler = async () => "ok";') } });
    const cold = await t.invoke({ FunctionName: 'cold', LogType: 'Tail' });
    expect(cold.logs).toMatch(/REPORT RequestId: .*\tInit Duration: [\d.]+ ms/);
    // Max Memory Used is the container's real peak, not the configured size.
    const used = Number(/Max Memory Used: (\d+) MB/.exec(cold.logs)?.[1]);
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThan(128);
    const warm = await t.invoke({ FunctionName: 'cold', LogType: 'Tail' });
    expect(warm.logs).toMatch(/REPORT RequestId: /);
    expect(warm.logs).not.toMatch(/Init Duration/);
    expect(warm.body).toBe('"ok"');
  });

  it('passes X-Amz-Client-Context to the function', async () => {
    const clientContext = Buffer.from(JSON.stringify({ custom: { tenant: 'a' }, env: { locale: 'fr' } })).toString('base64');
    const probe = (await t.invoke({ FunctionName: 'probe', ClientContext: clientContext })).json() as Probe;
    expect(probe.clientContext).toMatchObject({ custom: { tenant: 'a' }, env: { locale: 'fr' } });
  });

  it('echoes JSON values of every kind unchanged', async () => {
    await t.createFunction({ FunctionName: 'echo', Code: { ZipFile: await nodeZip('exports.handler = async (e) => e;') } });
    for (const value of ['true', 'false', 'null', '[1,2]', '1', '"a \\"quoted\\" string ✓"', '{"nested":{"a":[{}]}}']) {
      const out = await t.invoke({ FunctionName: 'echo', Payload: Buffer.from(value) });
      expect(JSON.parse(out.body)).toEqual(JSON.parse(value));
    }
    const big = JSON.stringify({ data: 'x'.repeat(5 * 1024 * 1024) });
    const out = await t.invoke({ FunctionName: 'echo', Payload: Buffer.from(big) });
    expect(out.body.length).toBe(big.length);
  });

  it('runs the new code after UpdateFunctionCode, and 404s after DeleteFunction', async () => {
    await t.createFunction({ FunctionName: 'versioned', Code: { ZipFile: await nodeZip('exports.handler = async () => "v1";') } });
    expect((await t.invoke({ FunctionName: 'versioned' })).body).toBe('"v1"');
    const oldContainers = await t.containersOf('versioned');
    await t.client.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'versioned', ZipFile: await nodeZip('exports.handler = async () => "v2";') }),
    );
    await t.waitUpdated('versioned');
    expect((await t.invoke({ FunctionName: 'versioned' })).body).toBe('"v2"');
    // The old environment was retired.
    for (let i = 0; i < 40; i += 1) {
      const ids = (await t.containersOf('versioned')).map((c) => c.id);
      if (!ids.includes(oldContainers[0]?.id ?? '')) break;
      await sleep(50);
    }
    expect((await t.containersOf('versioned')).map((c) => c.id)).not.toContain(oldContainers[0]?.id);

    await t.client.send(new DeleteFunctionCommand({ FunctionName: 'versioned' }));
    const error = await t.client.send(new InvokeCommand({ FunctionName: 'versioned' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LambdaServiceException);
    expect((error as LambdaServiceException).name).toBe('ResourceNotFoundException');
    expect((error as LambdaServiceException).$metadata.httpStatusCode).toBe(404);
    for (let i = 0; i < 40 && (await t.containersOf('versioned')).length > 0; i += 1) await sleep(50);
    expect(await t.containersOf('versioned')).toEqual([]);
  });

  it('answers DryRun with 204 and an empty body, running nothing', async () => {
    const before = (await t.invoke({ FunctionName: 'probe' })).json() as Probe;
    const dry = await t.invoke({ FunctionName: 'probe', InvocationType: 'DryRun' });
    expect(dry.StatusCode).toBe(204);
    expect(dry.body).toBe('');
    const after = (await t.invoke({ FunctionName: 'probe' })).json() as Probe;
    expect(after.count).toBe(before.count + 1);
  });

  it('refuses payloads over 6 MB with 413 and payloads that are not JSON with 400', async () => {
    const huge = await fetch(`${t.url}/2015-03-31/functions/probe/invocations`, {
      method: 'POST',
      body: Buffer.alloc(6_291_457, 0x20),
    });
    expect(huge.status).toBe(413);
    expect(huge.headers.get('x-amzn-errortype')).toBe('RequestEntityTooLargeException');
    expect(((await huge.json()) as { message: string }).message).toBe(
      'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
    );
    const notJson = await fetch(`${t.url}/2015-03-31/functions/probe/invocations`, { method: 'POST', body: '{oops' });
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
    const notUtf8 = await fetch(`${t.url}/2015-03-31/functions/probe/invocations`, { method: 'POST', body: Buffer.from([0x22, 0x87, 0x22]) });
    expect(notUtf8.status).toBe(400);
  });
});

// Prints its request id 100 times (more than the 4 KB tail holds), as fast as it can.
const CHATTY = `
exports.handler = async (event, context) => {
  for (let i = 0; i < 100; i += 1) console.log(context.awsRequestId + ' line ' + i);
  return context.awsRequestId;
};`;

describe('logs as AWS shows them', () => {
  it('gives each of 50 concurrent invocations a tail with exactly its own lines, however the output interleaves', async () => {
    await t.createFunction({ FunctionName: 'chatty', Code: { ZipFile: await nodeZip(CHATTY) }, Timeout: 30 });
    const inFlight = 16;
    // Environments first: 16 cold starts at once on a busy host can miss the 10 s init limit; one that
    // does is started again (no new container) when the measured invocations reach it.
    await Promise.allSettled(Array.from({ length: inFlight }, () => t.invoke({ FunctionName: 'chatty' })));
    const outs: Awaited<ReturnType<TestLambdock['invoke']>>[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < 50) {
          next += 1;
          outs.push(await t.invoke({ FunctionName: 'chatty', LogType: 'Tail' }));
        }
      }),
    );
    expect(outs).toHaveLength(50);
    for (const out of outs) {
      const id = out.$metadata.requestId ?? '';
      expect(Buffer.byteLength(out.logs)).toBeLessThanOrEqual(4096);
      // The tail starts mid-line; every whole line is this invocation's own, in order, up to END and REPORT.
      const lines = out.logs.split('\n').slice(1, -1);
      const report = lines.pop() ?? '';
      expect(report).toMatch(new RegExp(`^REPORT RequestId: ${id}\\t`));
      expect(lines.pop()).toBe(`END RequestId: ${id}`);
      const numbers = lines.map((line) => {
        const match = /^\d{4}-\d\d-\d\dT[\d:.]+Z\t(\S+)\tINFO\t(\S+) line (\d+)$/.exec(line);
        expect(match, `${id}: ${line} in\n${out.logs}`).not.toBeNull();
        expect(match?.[1]).toBe(id);
        expect(match?.[2]).toBe(id);
        return Number(match?.[3]);
      });
      expect(numbers.length, out.logs).toBeGreaterThan(20);
      expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => 100 - numbers.length + i));
      expect(out.body).toBe(JSON.stringify(id));
    }
    expect((await t.containersOf('chatty')).length).toBeLessThanOrEqual(inFlight);
  });
});

