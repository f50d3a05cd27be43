import { InvokeCommand, LambdaServiceException } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeZip } from '../helpers/zip.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

let t: TestLambdock;
const SLOW = `let id = Math.random().toString(36).slice(2);
exports.handler = async (event) => { await new Promise((r) => setTimeout(r, event.ms ?? 0)); return id; };`;

beforeAll(async () => {
  t = await startTestLambdock({ LAMBDOCK_ACCOUNT_CONCURRENCY: '3' });
  await t.createFunction({ FunctionName: 'slow', Code: { ZipFile: await nodeZip(SLOW) }, Timeout: 10 });
});
afterAll(async () => {
  await t?.close();
});

const call = (ms: number) => t.invoke({ FunctionName: 'slow', Payload: Buffer.from(JSON.stringify({ ms })) });

describe('concurrent invocations', () => {
  it('runs concurrent invocations in separate environments and reuses them afterwards', async () => {
    const results = await Promise.all([call(800), call(800), call(800)]);
    const environments = new Set(results.map((r) => r.body));
    expect(environments.size).toBe(3);
    expect(await t.containersOf('slow')).toHaveLength(3);
    const later = await Promise.all([call(0), call(0)]);
    for (const r of later) expect(environments.has(r.body)).toBe(true);
    expect(await t.containersOf('slow')).toHaveLength(3);
  });

  it('throttles past the account concurrency with 429 TooManyRequestsException', async () => {
    const running = [call(1500), call(1500), call(1500)];
    await new Promise((r) => setTimeout(r, 300));
    const error = await t.client.send(new InvokeCommand({ FunctionName: 'slow' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LambdaServiceException);
    const e = error as LambdaServiceException & { Reason?: string };
    expect(e.name).toBe('TooManyRequestsException');
    expect(e.$metadata.httpStatusCode).toBe(429);
    expect(e.Reason).toBe('ConcurrentInvocationLimitExceeded');
    expect(e.message).toBe('Rate Exceeded.');
    for (const r of await Promise.all(running)) expect(r.FunctionError).toBeUndefined();
  });
});
