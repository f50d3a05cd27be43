import { CreateFunctionCommand, GetFunctionCommand, InvokeCommand, LambdaServiceException, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';
import { ROLE, startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { within } from '../helpers/within.js';
import { nodeZip } from '../helpers/zip.js';

let redis: TestRedisServer | undefined;
let t: TestLambdock | undefined;

beforeAll(async () => {
  redis = await startRedisServer();
  t = await startTestLambdock({ REDIS_URL: redis.url });
  await t.createFunction({ FunctionName: 'steady', Code: { ZipFile: await nodeZip('exports.handler = async () => "fine";') } });
});
afterAll(async () => {
  await t?.close().catch(() => undefined);
  await redis?.stop();
});

/** The AWS error an SDK call failed with (status, code, message), or 'ok'. */
async function answerOf(call: Promise<unknown>, what: string): Promise<{ status?: number; code: string; message: string } | 'ok'> {
  try {
    await within(10_000, call, what);
    return 'ok';
  } catch (error) {
    if (!(error instanceof LambdaServiceException)) throw error;
    return { status: error.$metadata.httpStatusCode, code: error.name, message: error.message };
  }
}

const SERVICE_ERROR = { status: 500, code: 'ServiceException', message: 'The Lambda service encountered an internal error.' };

describe('a Redis that stops answering (SIGSTOP)', () => {
  it('answers GetFunction, CreateFunction and Invoke with a prompt ServiceException, and recovers once it answers again', async () => {
    const lambdock = t as TestLambdock;
    const frozen = redis as TestRedisServer;
    frozen.freeze();
    try {
      const zip = await nodeZip('exports.handler = async () => "new";');
      const [get, create, invoke, event] = await Promise.all([
        answerOf(lambdock.client.send(new GetFunctionCommand({ FunctionName: 'steady' })), 'GetFunction'),
        answerOf(
          lambdock.client.send(
            new CreateFunctionCommand({ FunctionName: 'created-while-frozen', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip } }),
          ),
          'CreateFunction',
        ),
        answerOf(lambdock.client.send(new InvokeCommand({ FunctionName: 'steady' })), 'Invoke'),
        answerOf(lambdock.client.send(new InvokeCommand({ FunctionName: 'steady', InvocationType: 'Event' })), 'Event invoke'),
      ]);
      expect(get).toStrictEqual(SERVICE_ERROR);
      expect(create).toStrictEqual(SERVICE_ERROR);
      expect(invoke).toStrictEqual(SERVICE_ERROR);
      // Never a 202 for an event that was not stored.
      expect(event).toStrictEqual(SERVICE_ERROR);
    } finally {
      frozen.thaw();
    }

    const got = await within(10_000, lambdock.client.send(new GetFunctionCommand({ FunctionName: 'steady' })), 'GetFunction after thaw');
    expect(got.Configuration?.State).toBe('Active');
    const out = await within(10_000, lambdock.invoke({ FunctionName: 'steady' }), 'Invoke after thaw');
    expect(out.StatusCode).toBe(200);
    expect(out.body).toBe('"fine"');

    // The create failed while Redis was frozen. Whatever Redis ran of it once thawed, the function is never
    // left Pending: creating it again either succeeds or finds it, and it ends Active.
    await lambdock.client
      .send(
        new CreateFunctionCommand({
          FunctionName: 'created-while-frozen', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE,
          Code: { ZipFile: await nodeZip('exports.handler = async () => "new";') },
        }),
      )
      .catch((error: Error) => {
        if (error.name !== 'ResourceConflictException') throw error;
      });
    await waitUntilFunctionActiveV2(
      { client: lambdock.client, maxWaitTime: 40, minDelay: 1, maxDelay: 2 },
      { FunctionName: 'created-while-frozen' },
    );
  });

  it('answers an Event invoke with a ServiceException, not a 202, when Redis is full and cannot store the event', async () => {
    const lambdock = t as TestLambdock;
    const admin = new Redis((redis as TestRedisServer).url);
    try {
      // A memory limit below what Redis uses: every write is refused (OOM), reads still answer.
      const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
      await admin.config('SET', 'maxmemory', String(Math.max(1, used - 1024 * 1024)));
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      const full = await answerOf(lambdock.client.send(new InvokeCommand({ FunctionName: 'steady', InvocationType: 'Event' })), 'Event invoke on a full Redis');
      expect(full).toStrictEqual(SERVICE_ERROR);
    } finally {
      await admin.config('SET', 'maxmemory', '0');
      await admin.quit();
    }
    const accepted = await within(10_000, lambdock.client.send(new InvokeCommand({ FunctionName: 'steady', InvocationType: 'Event' })), 'Event invoke after');
    expect(accepted.StatusCode).toBe(202);
  });
});
