import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  CreateFunctionCommand,
  GetProvisionedConcurrencyConfigCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  LambdaClient,
  UpdateFunctionCodeCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { startLambdock, startLambdockApi, type Lambdock, type LambdockApi } from '../../src/main/lambdock.js';
import { redisKeys } from '../../src/control-plane/store/redis-keys.js';
import { RedisWorkerRegistry } from '../../src/scheduler/redis-worker-registry.js';
import { closeInstallation, roleSettings } from '../helpers/role-settings.js';
import { ROLE } from '../helpers/test-lambdock.js';
import { nodeZip } from '../helpers/zip.js';

// One api process and two workers on one Redis (in this test process, each with its own data dir,
// instance id and connections, as separate hosts would have): the api holds no environments.
const prefix = `${inject('testRunPrefix')}-roles-${randomUUID().slice(0, 8)}`;
const dirs: string[] = [];
const workers: Lambdock[] = [];
let api: LambdockApi;
let client: LambdaClient;

const settings = (role: string, name: string) =>
  roleSettings(inject('testRunPrefix'), prefix, role, name, dirs, { LAMBDOCK_PAUSE_GRACE_MS: '50' });
const logger = pino({ level: process.env.LAMBDOCK_TEST_LOG_LEVEL ?? 'silent' });
const probe = (tag: string) =>
  nodeZip(`const id = Math.random().toString(36).slice(2);
exports.handler = async () => ({ tag: ${JSON.stringify(tag)}, id });`);

async function create(name: string, tag: string): Promise<void> {
  await client.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await probe(tag) } }));
  await waitUntilFunctionActiveV2({ client, maxWaitTime: 60, minDelay: 1 }, { FunctionName: name });
}
async function invoke(name: string): Promise<{ tag: string; id: string }> {
  const out = await client.send(new InvokeCommand({ FunctionName: name }));
  expect(out.FunctionError, Buffer.from(out.Payload ?? []).toString()).toBeUndefined();
  return JSON.parse(Buffer.from(out.Payload ?? []).toString()) as { tag: string; id: string };
}
const sandboxesOn = (worker: Lambdock, functionName: string) => worker.pool.list().filter((s) => s.plan.functionName === functionName).length;

beforeAll(async () => {
  workers.push(await startLambdock(loadConfig(await settings('worker', 'w1')), { logger, drainTimeoutMs: 5_000 }));
  workers.push(await startLambdock(loadConfig(await settings('worker', 'w2')), { logger, drainTimeoutMs: 5_000 }));
  api = await startLambdockApi(loadConfig(await settings('api', 'api')), { logger });
  client = new LambdaClient({ endpoint: api.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
});
afterAll(async () => {
  await closeInstallation({ client, api, workers, prefix, dirs });
});

describe('an api process and two workers on one Redis', () => {
  it('runs invocations on the workers, each fetching the code it lacks from the api by its hash', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `spread-${i}`);
    for (const name of names) await create(name, name);
    for (const name of names) expect((await invoke(name)).tag).toBe(name);
    const used = workers.filter((w) => names.some((n) => sandboxesOn(w, n) > 0));
    // Rendezvous hashing gives 8 functions to 2 workers: both get some (all on one: 2 × 0.5⁸ < 1%).
    expect(used).toHaveLength(2);
    // The workers' data dirs (the first two made) hold the zips they fetched.
    for (const worker of used) {
      const codeDir = path.join(dirs[workers.indexOf(worker)] ?? '', 'code');
      expect((await readdir(codeDir)).some((f) => f.endsWith('.zip'))).toBe(true);
    }
  });

  it('keeps a function version on its home worker, warm', async () => {
    await create('home', 'home');
    const first = await invoke('home');
    for (let i = 0; i < 5; i += 1) expect((await invoke('home')).id).toBe(first.id);
    expect(workers.map((w) => sandboxesOn(w, 'home')).sort()).toEqual([0, 1]);
  });

  it('sends invocations to the worker holding an idle environment, though the other has more free memory', async () => {
    await create('sticky', 'sticky');
    const first = await invoke('sticky');
    const holder = workers.find((w) => sandboxesOn(w, 'sticky') === 1);
    expect(holder).toBeDefined();
    // Both heartbeats have gone since: by free memory alone the other worker is now the better choice.
    await new Promise((r) => setTimeout(r, 2_500));
    for (let i = 0; i < 5; i += 1) expect((await invoke('sticky')).id).toBe(first.id);
    expect(workers.map((w) => sandboxesOn(w, 'sticky')).sort()).toEqual([0, 1]);
  });

  it('spreads a burst over both workers: 8 simultaneous 1 s invocations in 8 environments, well under 8 s', async () => {
    await client.send(
      new CreateFunctionCommand({
        FunctionName: 'wide',
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: ROLE,
        Timeout: 10,
        Code: { ZipFile: await nodeZip(`const id = Math.random().toString(36).slice(2);
exports.handler = async () => { await new Promise((r) => setTimeout(r, 1000)); return { tag: 'wide', id }; };`) },
      }),
    );
    await waitUntilFunctionActiveV2({ client, maxWaitTime: 60, minDelay: 1 }, { FunctionName: 'wide' });
    const began = performance.now();
    const answers = await Promise.all(Array.from({ length: 8 }, () => invoke('wide')));
    expect(performance.now() - began).toBeLessThan(6_000);
    expect(new Set(answers.map((a) => a.id)).size).toBe(8);
    expect(workers.map((w) => sandboxesOn(w, 'wide')).every((n) => n >= 2)).toBe(true);
  });

  it('keeps a reservation across api and workers: the api takes each lease, the worker that runs it returns it', async () => {
    await client.send(
      new CreateFunctionCommand({
        FunctionName: 'reserved',
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: ROLE,
        Timeout: 10,
        Code: { ZipFile: await nodeZip(`exports.handler = async () => { await new Promise((r) => setTimeout(r, 1000)); return { tag: 'reserved', id: '' }; };`) },
      }),
    );
    await waitUntilFunctionActiveV2({ client, maxWaitTime: 60, minDelay: 1 }, { FunctionName: 'reserved' });
    await client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'reserved', ReservedConcurrentExecutions: 2 }));
    const attempt = () =>
      client.send(new InvokeCommand({ FunctionName: 'reserved' })).then(
        () => 'ok',
        (error: { name?: string; Reason?: string }) => `${error.name} ${error.Reason}`,
      );
    for (let round = 0; round < 2; round += 1) {
      const outcomes = await Promise.all(Array.from({ length: 4 }, attempt));
      expect(outcomes.sort()).toEqual(['TooManyRequestsException ReservedFunctionConcurrentInvocationLimitExceeded', 'TooManyRequestsException ReservedFunctionConcurrentInvocationLimitExceeded', 'ok', 'ok']);
    }
    // Every lease came back once its invocation was over: none lapsing, none lost.
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      await vi.waitFor(async () => expect(await redis.zcard(redisKeys.functionLeases(prefix, 'reserved'))).toBe(0), { timeout: 2_000, interval: 50 });
    } finally {
      await redis.quit();
    }
  });

  it('refuses a function none of its workers can run, naming what they run', async () => {
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const runnable = new Set((await new RedisWorkerRegistry(redis, prefix).listLive()).flatMap((w) => w.architectures ?? []));
    await redis.quit();
    expect(runnable.has('x86_64') || runnable.has('arm64')).toBe(true);
    const other = runnable.has('arm64') ? (runnable.has('x86_64') ? undefined : 'x86_64') : 'arm64';
    const zip = await probe('arch');
    const create = (architecture: 'x86_64' | 'arm64') =>
      client.send(
        new CreateFunctionCommand({ FunctionName: `arch-${architecture}`, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Architectures: [architecture], Code: { ZipFile: zip } }),
      );
    if (other === undefined) {
      // These workers run both (an emulator is registered): nothing to refuse.
      await expect(create('arm64')).resolves.toBeDefined();
    } else {
      const error = await create(other).catch((e: unknown) => e as Error);
      expect((error as Error).name).toBe('InvalidParameterValueException');
      expect((error as Error).message).toMatch(new RegExp(`^lambdock on its workers runs .* only: its Docker engine cannot run ${other} functions`));
    }
  });

  it('retires environments on the workers when the api changes the function', async () => {
    await create('moving', 'before');
    const before = await invoke('moving');
    await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'moving', ZipFile: await probe('after') }));
    await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 60, minDelay: 1 }, { FunctionName: 'moving' });
    const after = await invoke('moving');
    expect(after.tag).toBe('after');
    expect(after.id).not.toBe(before.id);
    // The old environment was retired by the api's word, not left to idle out (10 minutes).
    await vi.waitFor(() => expect(workers.reduce((n, w) => n + sandboxesOn(w, 'moving'), 0)).toBe(1), { timeout: 10_000, interval: 50 });
  });

  it('spreads provisioned environments over the workers, each fetching the code for its share', async () => {
    await create('kept', 'kept');
    await client.send(new PublishVersionCommand({ FunctionName: 'kept' }));
    await client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'kept', Qualifier: '1', ProvisionedConcurrentExecutions: 2 }));
    await vi.waitFor(
      async () => expect((await client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'kept', Qualifier: '1' }))).Status).toBe('READY'),
      { timeout: 30_000, interval: 250 },
    );
    const holders = workers.map((w) => w.pool.list().filter((s) => s.plan.functionName === 'kept' && s.plan.provisioned === true).length);
    expect(holders).toEqual([1, 1]);
  });
});
