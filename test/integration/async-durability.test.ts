import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { startLambdock, type Lambdock } from '../../src/main/lambdock.js';
import { REPORTING_HANDLER, startRecorder, type Recorder } from '../helpers/recorder.js';
import { freePort, startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';
import { killHard, spawnRole, waitAnswering } from '../helpers/role-process.js';
import { removeRedisKeys, roleSettings } from '../helpers/role-settings.js';
import { ROLE } from '../helpers/test-lambdock.js';
import { nodeZip } from '../helpers/zip.js';

// An installation on a Redis of its own with append-only persistence: the api and the worker run in
// processes of their own and are killed with SIGKILL mid-work; Redis itself is killed and started again.
// Every event answered 202 must reach the function (at least once), however the parts die.
const run = inject('testRunPrefix');
const prefix = `${run}-durable-${randomUUID().slice(0, 8)}`;
const logger = pino({ level: process.env.LAMBDOCK_TEST_LOG_LEVEL ?? 'silent' });
const dirs: string[] = [];
let aofDir: string;
let redisServer: TestRedisServer;
let recorder: Recorder;
let apiUrl: string;
let apiEnv: Record<string, string>;
let workerEnv: Record<string, string>;
const children: ChildProcess[] = [];
const inProcess: Lambdock[] = [];
let client: LambdaClient;

const ASYNC_SETTINGS = {
  LAMBDOCK_LOG_LEVEL: 'warn',
  LAMBDOCK_ASYNC_RETRY_DELAYS_MS: '1000,1000',
  LAMBDOCK_ASYNC_BACKOFF_MIN_MS: '200',
  LAMBDOCK_ASYNC_BACKOFF_MAX_MS: '1000',
  // A killed api's events are taken up again 2 s after their last lock renewal.
  LAMBDOCK_ASYNC_LOCK_MS: '2000',
  LAMBDOCK_SANDBOX_HOST_ACCESS: 'open',
};

function startApi(): ChildProcess {
  const child = spawnRole('api', apiEnv);
  children.push(child);
  return child;
}

async function startWorkerHere(): Promise<Lambdock> {
  const worker = await startLambdock(loadConfig(workerEnv), { logger, drainTimeoutMs: 5_000 });
  inProcess.push(worker);
  return worker;
}

const sendEvent = async (payload: unknown): Promise<string> => {
  const out = await client.send(new InvokeCommand({ FunctionName: 'reporter', InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(payload)) }));
  expect(out.StatusCode).toBe(202);
  return out.$metadata.requestId ?? '';
};

const runsOf = (requestId: string) => recorder.reports.filter((r) => r.body.requestId === requestId).length;

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

beforeAll(async () => {
  aofDir = await mkdtemp(path.join(os.tmpdir(), `lambdock-${run}-aof-`));
  redisServer = await startRedisServer({ appendOnlyDir: aofDir });
  recorder = await startRecorder();
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  apiEnv = await roleSettings(run, prefix, 'api', 'api', dirs, { ...ASYNC_SETTINGS, REDIS_URL: redisServer.url, LAMBDOCK_PORT: String(port) });
  workerEnv = await roleSettings(run, prefix, 'worker', 'worker', dirs, { ...ASYNC_SETTINGS, REDIS_URL: redisServer.url });
  startApi();
  await waitAnswering(`${apiUrl}/health`);
  client = new LambdaClient({ endpoint: apiUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  await client.send(
    new CreateFunctionCommand({
      FunctionName: 'reporter',
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: ROLE,
      Timeout: 10,
      Code: { ZipFile: await nodeZip(REPORTING_HANDLER) },
      Environment: { Variables: { RECORDER_PORT: String(recorder.port) } },
    }),
  );
  await waitUntilFunctionActiveV2({ client, maxWaitTime: 60, minDelay: 1 }, { FunctionName: 'reporter' });
}, 120_000);

afterAll(async () => {
  client?.destroy();
  for (const child of children) await killHard(child);
  for (const worker of inProcess) await worker.close().catch(() => undefined);
  // What a killed worker left (containers, network, disks) is swept by a start with its identity and data dir.
  if (workerEnv !== undefined && redisServer !== undefined) {
    const sweep = await startLambdock(loadConfig({ ...workerEnv, LAMBDOCK_REDIS_PREFIX: `${prefix}-sweep` }), { logger, drainTimeoutMs: 5_000 });
    await sweep.close();
  }
  if (redisServer !== undefined) {
    const redis = new Redis(redisServer.url);
    await removeRedisKeys(redis, prefix);
    await removeRedisKeys(redis, `${prefix}-sweep`);
    await redis.quit();
    await redisServer.stop();
  }
  await recorder?.close();
  for (const dir of [...dirs, aofDir]) if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}, 120_000);

describe('durability of asynchronous invocations', () => {
  it('keeps events accepted while no worker runs, through a Redis crash (append-only file), and runs them once a worker starts', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await sendEvent({ early: i }));
    await sleep(1_000);
    expect(recorder.reports).toEqual([]);
    // Redis dies (SIGKILL) and comes back on the same port and append-only file.
    await redisServer.stop();
    redisServer = await startRedisServer({ appendOnlyDir: aofDir, port: redisServer.port });
    await startWorkerHere();
    await until(() => ids.every((id) => runsOf(id) >= 1), 60_000, 'every early event to run');
    expect(ids.map(runsOf)).toEqual([1, 1, 1, 1, 1]);
  });

  it('loses nothing when the api process and then the worker are killed (SIGKILL) in the middle of events and their retries', async () => {
    // The worker becomes a process of its own, to be killed too.
    await inProcess.pop()?.close();
    const worker = spawnRole('worker', workerEnv);
    children.push(worker);
    const failing: string[] = [];
    const succeeding: string[] = [];
    for (let i = 0; i < 8; i += 1) {
      failing.push(await sendEvent({ fail: true, sleepMs: 300, n: i }));
      succeeding.push(await sendEvent({ sleepMs: 300, n: i }));
    }
    await until(() => recorder.reports.length >= 10, 60_000, 'the first runs');
    await killHard(children[0]);
    startApi();
    await waitAnswering(`${apiUrl}/health`);
    await until(() => failing.some((id) => runsOf(id) >= 2), 60_000, 'a retry after the api came back');
    await killHard(worker);
    await startWorkerHere();

    await until(() => succeeding.every((id) => runsOf(id) >= 1) && failing.every((id) => runsOf(id) >= 3), 90_000, 'every event to be delivered');
    // At least once: an attempt cut short by a kill may run again (at most once more per kill).
    for (const id of succeeding) expect(runsOf(id)).toBeLessThanOrEqual(3);
    for (const id of failing) expect(runsOf(id)).toBeLessThanOrEqual(5);
    // And nothing is left in the queue.
    const queue = new Queue('async-events', { connection: { url: redisServer.url }, prefix: `${prefix}:bull` });
    try {
      await until(async () => Object.values(await queue.getJobCounts('wait', 'delayed', 'active', 'failed')).every((n) => n === 0), 20_000, 'an empty queue');
    } finally {
      await queue.close();
    }
  });
});
