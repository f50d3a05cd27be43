import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import {
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  LambdaServiceException,
  GetProvisionedConcurrencyConfigCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { getEnvironmentKey } from '../../src/control-plane/function-model.js';
import { RedisFunctionStore } from '../../src/control-plane/store/redis-function-store.js';
import { startLambdock, startLambdockApi, type Lambdock, type LambdockApi } from '../../src/main/lambdock.js';
import { rankWorkers } from '../../src/scheduler/placement.js';
import { RedisWorkerRegistry } from '../../src/scheduler/redis-worker-registry.js';
import { REPO_ROOT } from '../../src/main/repo-root.js';
import { removeRedisKeys, roleSettings } from '../helpers/role-settings.js';
import { ROLE } from '../helpers/test-lambdock.js';
import { nodeZip } from '../helpers/zip.js';

// A worker in a process of its own, killed with SIGKILL in the middle of an invocation: the caller hears
// at once, the next invocations run on the other worker, and the dead worker's leases lapse on their own.
const run = inject('testRunPrefix');
const prefix = `${run}-loss-${randomUUID().slice(0, 8)}`;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = pino({ level: process.env.LAMBDOCK_TEST_LOG_LEVEL ?? 'silent' });
const dirs: string[] = [];
let redis: Redis;
let api: LambdockApi;
let survivor: Lambdock;
let child: ChildProcess | undefined;
let childEnv: Record<string, string>;
let client: LambdaClient;

const settings = (role: string, name: string) => roleSettings(run, prefix, role, name, dirs, { LAMBDOCK_LOG_LEVEL: 'warn' });

beforeAll(async () => {
  redis = new Redis(redisUrl);
  childEnv = await settings('worker', 'doomed');
  // Node itself runs the worker (tsx as a loader, not as a parent process): SIGKILL reaches the worker.
  child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src', 'main', 'start.ts'), 'worker'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...childEnv },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  survivor = await startLambdock(loadConfig(await settings('worker', 'survivor')), { logger, drainTimeoutMs: 5_000 });
  api = await startLambdockApi(loadConfig(await settings('api', 'api')), { logger });
  client = new LambdaClient({ endpoint: api.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  const registry = new RedisWorkerRegistry(redis, prefix);
  await vi.waitFor(async () => expect((await registry.listLive()).map((w) => w.id)).toContain(childEnv.LAMBDOCK_INSTANCE_ID), {
    timeout: 60_000,
    interval: 200,
  });
}, 120_000);

afterAll(async () => {
  client?.destroy();
  child?.kill('SIGKILL');
  await api?.close();
  await survivor?.close();
  // What the killed worker left (containers, its network and firewall rules, /tmp disks) is swept by
  // the next start of a worker with its identity and data dir, as on a real host; then it stops cleanly.
  if (childEnv !== undefined) {
    const again = await startLambdock(loadConfig({ ...childEnv, LAMBDOCK_REDIS_PREFIX: `${prefix}-sweep` }), { logger, drainTimeoutMs: 5_000 });
    await again.close();
  }
  await removeRedisKeys(redis, prefix);
  await removeRedisKeys(redis, `${prefix}-sweep`);
  await redis.quit();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}, 120_000);

/** A function whose home (rendezvous-hashed) worker is the child process. */
async function createOnChild(): Promise<string> {
  const zip = await nodeZip('exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms ?? 0)); return process.env.AWS_LAMBDA_LOG_STREAM_NAME; };');
  const store = new RedisFunctionStore(redis, prefix);
  const workers = await new RedisWorkerRegistry(redis, prefix).listLive();
  for (let i = 0; i < 40; i += 1) {
    const name = `victim-${i}`;
    await client.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Timeout: 10, Code: { ZipFile: zip } }));
    await waitUntilFunctionActiveV2({ client, maxWaitTime: 60, minDelay: 1 }, { FunctionName: name });
    const record = await store.load(name);
    if (record !== undefined && rankWorkers(getEnvironmentKey(record), workers)[0]?.id === childEnv.LAMBDOCK_INSTANCE_ID) return name;
  }
  throw new Error('no function hashed to the child worker');
}

const invoke = (name: string, ms: number) =>
  client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify({ ms })) }));

const provisionedStatus = async () =>
  (await client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'kept', Qualifier: '1' }))).Status;
const provisionedOnSurvivor = () =>
  survivor.pool.list().filter((s) => s.plan.functionName === 'kept' && s.plan.provisioned === true && s.currentState.kind !== 'Removing').length;

/**
 * The provisioned configuration's statuses from the kill on, until it is READY again after IN_PROGRESS (or
 * 50 s): watched from the moment the worker dies, since the survivor may rebuild its share while the
 * invocation test still runs.
 */
function watchProvisionedStatus(): Promise<string[]> {
  return (async () => {
    const seen: string[] = [];
    const until = performance.now() + 50_000;
    while (performance.now() < until) {
      const status = (await provisionedStatus().catch(() => undefined)) ?? '';
      if (seen.at(-1) !== status) seen.push(status);
      if (seen.includes('IN_PROGRESS') && status === 'READY') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    return seen;
  })();
}
let statusesAfterKill: Promise<string[]> | undefined;

describe('a worker killed mid-invocation', () => {
  it('holds a share of a provisioned configuration before it dies', async () => {
    await client.send(
      new CreateFunctionCommand({ FunctionName: 'kept', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await nodeZip('exports.handler = async () => 1;') } }),
    );
    await waitUntilFunctionActiveV2({ client, maxWaitTime: 60, minDelay: 1 }, { FunctionName: 'kept' });
    await client.send(new PublishVersionCommand({ FunctionName: 'kept' }));
    await client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'kept', Qualifier: '1', ProvisionedConcurrentExecutions: 2 }));
    await vi.waitFor(async () => expect(await provisionedStatus()).toBe('READY'), { timeout: 30_000, interval: 250 });
    // Two workers: one each (the child holds the other).
    expect(provisionedOnSurvivor()).toBe(1);
  });

  it('fails the running invocation at once, then serves on the other worker once the dead one\'s lease lapses', async () => {
    const name = await createOnChild();
    await client.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 1 }));
    expect((await invoke(name, 0)).FunctionError).toBeUndefined();

    const running = invoke(name, 5_000).then(
      () => undefined,
      (error: unknown) => error,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    const killedAt = performance.now();
    child?.kill('SIGKILL');
    statusesAfterKill = watchProvisionedStatus();
    const error = await running;
    const heardAfterMs = performance.now() - killedAt;
    expect(error).toBeInstanceOf(LambdaServiceException);
    expect((error as LambdaServiceException).name).toBe('ServiceException');
    expect((error as LambdaServiceException).$metadata.httpStatusCode).toBe(500);
    expect(heardAfterMs).toBeLessThan(2_000);

    // Its one reserved slot is held by the dead worker's lease until that lapses (10 s at most).
    let answered: string | undefined;
    let throttles = 0;
    while (answered === undefined && performance.now() - killedAt < 15_000) {
      try {
        const out = await invoke(name, 0);
        answered = Buffer.from(out.Payload ?? []).toString();
      } catch (e) {
        expect((e as { Reason?: string }).Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
        throttles += 1;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    expect(answered).toBeDefined();
    expect(performance.now() - killedAt).toBeLessThan(12_000);
    expect(throttles).toBeGreaterThan(0);
    expect(survivor.pool.list().some((s) => s.plan.functionName === name)).toBe(true);
  });

  it("rebuilds the dead worker's provisioned share on the survivor, IN_PROGRESS meanwhile", async () => {
    expect(statusesAfterKill).toBeDefined();
    const seen = (await statusesAfterKill) ?? [];
    expect(seen).toContain('IN_PROGRESS');
    expect(seen.at(-1)).toBe('READY');
    expect(provisionedOnSurvivor()).toBe(2);
  }, 60_000);
});
