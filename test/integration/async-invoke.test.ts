import {
  DeleteFunctionConcurrencyCommand,
  InvokeAsyncCommand,
  InvokeCommand,
  LambdaServiceException,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { REPORTING_HANDLER, startRecorder, type Recorder } from '../helpers/recorder.js';
import { nodeZip } from '../helpers/zip.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

let t: TestLambdock;
let recorder: Recorder;

const RETRY_DELAYS = [400, 800] as const;

beforeAll(async () => {
  recorder = await startRecorder();
  // Functions report each run to the recorder on the host (host access open); retries come fast.
  t = await startTestLambdock({
    LAMBDOCK_SANDBOX_HOST_ACCESS: 'open',
    LAMBDOCK_ASYNC_RETRY_DELAYS_MS: RETRY_DELAYS.join(','),
    LAMBDOCK_ASYNC_BACKOFF_MIN_MS: '100',
    LAMBDOCK_ASYNC_BACKOFF_MAX_MS: '400',
  });
  const zip = await nodeZip(REPORTING_HANDLER);
  const Environment = { Variables: { RECORDER_PORT: String(recorder.port) } };
  await t.createFunction({ FunctionName: 'reporter', Timeout: 10, Code: { ZipFile: zip }, Environment });
  await t.createFunction({ FunctionName: 'once', Code: { ZipFile: zip }, Environment });
  await t.createFunction({ FunctionName: 'sink', Code: { ZipFile: zip }, Environment });
});
afterAll(async () => {
  await t?.close();
  await recorder?.close();
});

const event = (payload: unknown) =>
  t.client.send(new InvokeCommand({ FunctionName: 'reporter', InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(payload)) }));
const reportsOf = (requestId: string) => (body: Record<string, unknown>) => body.requestId === requestId;
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';
/** The invocation records the sink function was given (its events), for one request of another function. */
const recordsFor = (requestId: string) => (body: Record<string, unknown>) =>
  body.function === 'sink' && (body.event as { requestContext?: { requestId?: string } } | null)?.requestContext?.requestId === requestId;

describe('asynchronous (Event) invocation', () => {
  it("answers 202 with an empty body and runs the function with the 202's request id", async () => {
    const raw = await fetch(`${t.url}/2015-03-31/functions/reporter/invocations`, {
      method: 'POST',
      headers: { 'x-amz-invocation-type': 'Event' },
      body: JSON.stringify({ hello: 'async' }),
    });
    expect(raw.status).toBe(202);
    expect(await raw.text()).toBe('');
    expect(raw.headers.get('content-type')).toBeNull();
    expect(raw.headers.get('x-amz-executed-version')).toBeNull();
    const requestId = raw.headers.get('x-amzn-requestid') ?? '';
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const [run] = await recorder.waitFor(1, reportsOf(requestId));
    expect(run?.body).toMatchObject({ requestId, event: { hello: 'async' }, function: 'reporter', arn: 'arn:aws:lambda:us-east-1:000000000000:function:reporter' });

    const sdk = await event({ via: 'sdk' });
    expect(sdk.StatusCode).toBe(202);
    expect(sdk.Payload == null || sdk.Payload.length === 0).toBe(true);
    await recorder.waitFor(1, reportsOf(sdk.$metadata.requestId ?? ''));
  });

  it('takes the deprecated InvokeAsync as an Event invocation (202, at most 256 KB)', async () => {
    const out = await t.client.send(new InvokeAsyncCommand({ FunctionName: 'reporter', InvokeArgs: Buffer.from('{"legacy":true}') }));
    expect(out.Status).toBe(202);
    await recorder.waitFor(1, (b) => reportsOf(out.$metadata.requestId ?? '')(b) && (b.event as { legacy?: boolean }).legacy === true);
    const big = await t.client.send(new InvokeAsyncCommand({ FunctionName: 'reporter', InvokeArgs: Buffer.from(`"${'x'.repeat(262_143)}"`) })).catch((e: unknown) => e);
    expect((big as LambdaServiceException).name).toBe('RequestEntityTooLargeException');
    expect((big as LambdaServiceException).message).toBe('262145 byte payload is too large for the Event invocation type (limit 262144 bytes)');
  });

  it('retries a failing function twice (3 runs), with the same request id and growing waits', async () => {
    const out = await event({ fail: true });
    const requestId = out.$metadata.requestId ?? '';
    const runs = await recorder.waitFor(3, reportsOf(requestId));
    // No fourth run.
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS[1] + 1_000));
    expect(recorder.reports.filter((r) => reportsOf(requestId)(r.body))).toHaveLength(3);
    const [first, second, third] = runs.map((r) => r.receivedAt) as [number, number, number];
    expect(second - first).toBeGreaterThanOrEqual(RETRY_DELAYS[0]);
    expect(third - second).toBeGreaterThanOrEqual(RETRY_DELAYS[1]);
  });

  it('queues a throttled event and runs it once when the function has room (a throttle is not an attempt)', async () => {
    await t.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'reporter', ReservedConcurrentExecutions: 1 }));
    try {
      // The one environment allowed is busy for 2 s with a synchronous invocation.
      const busy = t.invoke({ FunctionName: 'reporter', Payload: Buffer.from(JSON.stringify({ sleepMs: 2_000, busy: true })) });
      await recorder.waitFor(1, (b) => (b.event as { busy?: boolean } | null)?.busy === true && b.requestId !== undefined, 20_000);
      const queued = await event({ queued: true });
      const requestId = queued.$metadata.requestId ?? '';
      // Throttled (the one lease is held), so put back in the queue, delayed: not waiting in a worker's line.
      const jobs = new Queue('async-events', { connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }, prefix: `${t.instanceId}:bull` });
      try {
        await vi.waitFor(async () => expect(await jobs.getJobState(requestId)).toBe('delayed'), { timeout: 1_500, interval: 20 });
        expect((await jobs.getJob(requestId))?.data).toMatchObject({ attempts: 0, deferrals: expect.any(Number), lastDeferral: { status: 429 } });
      } finally {
        await jobs.close();
      }
      const sync = await busy;
      expect(sync.StatusCode).toBe(200);
      const [run] = await recorder.waitFor(1, reportsOf(requestId));
      expect(run?.receivedAt).toBeGreaterThanOrEqual(Date.now() - 10_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(recorder.reports.filter((r) => reportsOf(requestId)(r.body))).toHaveLength(1);
    } finally {
      await t.client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'reporter' }));
    }
  });

  it("refuses an event over 1 MB with AWS's 413, a missing function with 404 and a payload that is not JSON with 400, queueing nothing", async () => {
    const big = await fetch(`${t.url}/2015-03-31/functions/reporter/invocations`, {
      method: 'POST',
      headers: { 'x-amz-invocation-type': 'Event' },
      body: `"${'x'.repeat(1_048_575)}"`,
    });
    expect(big.status).toBe(413);
    expect(big.headers.get('x-amzn-errortype')).toBe('RequestEntityTooLargeException');
    expect(((await big.json()) as { message: string }).message).toBe('1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)');
    const atLimit = await fetch(`${t.url}/2015-03-31/functions/reporter/invocations`, {
      method: 'POST',
      headers: { 'x-amz-invocation-type': 'Event' },
      body: `{"pad":"${'x'.repeat(1_048_576 - 10)}"}`,
    });
    expect(atLimit.status).toBe(202);

    const missing = await t.client.send(new InvokeCommand({ FunctionName: 'nobody', InvocationType: 'Event' })).catch((e: unknown) => e);
    expect((missing as LambdaServiceException).name).toBe('ResourceNotFoundException');
    expect((missing as LambdaServiceException).message).toBe('Function not found: arn:aws:lambda:us-east-1:000000000000:function:nobody:$LATEST');
    const notJson = await t.client.send(new InvokeCommand({ FunctionName: 'reporter', InvocationType: 'Event', Payload: Buffer.from('{nope') })).catch((e: unknown) => e);
    expect((notJson as LambdaServiceException).name).toBe('InvalidRequestContentException');
  });
});

describe('event invoke config and Lambda destinations', () => {
  it('runs a failing event once with MaximumRetryAttempts 0, and sends AWS\'s RetriesExhausted record to the on-failure function', async () => {
    await t.client.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: 'once', MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: `${ARN}:sink` } } }),
    );
    const out = await t.client.send(new InvokeCommand({ FunctionName: 'once', InvocationType: 'Event', Payload: Buffer.from('{"fail":true,"n":1}') }));
    const requestId = out.$metadata.requestId ?? '';
    const [record] = await recorder.waitFor(1, recordsFor(requestId));
    expect(recorder.reports.filter((r) => reportsOf(requestId)(r.body))).toHaveLength(1);
    expect(record?.body.event).toEqual({
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      requestContext: { requestId, functionArn: `${ARN}:once:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 1 },
      requestPayload: { fail: true, n: 1 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: expect.objectContaining({ errorType: 'Error', errorMessage: 'intentional failure 1' }),
    });
  });

  it('sends the success record to the on-success function, invoked asynchronously with a request id of its own', async () => {
    await t.client.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: 'once', DestinationConfig: { OnSuccess: { Destination: `${ARN}:sink` } } }),
    );
    const out = await t.client.send(new InvokeCommand({ FunctionName: 'once', InvocationType: 'Event', Payload: Buffer.from('{"n":2}') }));
    const requestId = out.$metadata.requestId ?? '';
    const [record] = await recorder.waitFor(1, recordsFor(requestId));
    expect(record?.body.requestId).not.toBe(requestId);
    expect(record?.body.event).toMatchObject({
      requestContext: { requestId, functionArn: `${ARN}:once:$LATEST`, condition: 'Success', approximateInvokeCount: 1 },
      requestPayload: { n: 2 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      responsePayload: { ok: true, event: { n: 2 } },
    });
    expect((record?.body.event as { responseContext: object }).responseContext).not.toHaveProperty('functionError');
  });
});
