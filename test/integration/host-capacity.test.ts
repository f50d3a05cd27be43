import { randomUUID } from 'node:crypto';
import { CreateFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { startLambdock, startLambdockApi, type Lambdock, type LambdockApi } from '../../src/main/lambdock.js';
import { closeInstallation, roleSettings } from '../helpers/role-settings.js';
import { ROLE, startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { nodeZip } from '../helpers/zip.js';

const SLEEPER = `exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms ?? 0)); return 'ok'; };`;
const outcome = (send: Promise<{ FunctionError?: string }>) =>
  send.then(
    (out) => (out.FunctionError === undefined ? 'ok' : `function error ${out.FunctionError}`),
    (error: { name?: string; Reason?: string }) => `${error.name ?? 'error'} ${error.Reason ?? ''}`.trim(),
  );

describe('a worker with room for three thawed environments', () => {
  let t: TestLambdock;
  const invoke = (name: string, ms = 0) => outcome(t.client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify({ ms })) })));
  const sandboxesOf = (name: string) => t.lambdock.pool.list().filter((s) => s.plan.functionName === name && s.currentState.kind !== 'Removing').length;

  beforeAll(async () => {
    // A long pause grace: idle environments stay thawed, each charged its MemorySize (frozen ones are
    // charged what they take: see the next suite).
    t = await startTestLambdock({ LAMBDOCK_MEMORY_BUDGET_MB: '384', LAMBDOCK_PAUSE_GRACE_MS: '60000' });
    for (const name of ['f1', 'f2', 'f3', 'f4']) await t.createFunction({ FunctionName: name, Code: { ZipFile: await nodeZip(SLEEPER) }, Timeout: 10 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('evicts the least recently used idle environment to start a fourth', async () => {
    for (const name of ['f1', 'f2', 'f3']) expect(await invoke(name)).toBe('ok');
    expect(await invoke('f4')).toBe('ok');
    await vi.waitFor(() => expect(['f1', 'f2', 'f3', 'f4'].map(sandboxesOf)).toEqual([0, 1, 1, 1]), { timeout: 10_000, interval: 50 });
  });

  it('throttles a fourth when three are busy, and serves it once one is free', async () => {
    const busy = ['f2', 'f3', 'f4'].map((name) => invoke(name, 2_000));
    await new Promise((r) => setTimeout(r, 500));
    expect(await invoke('f1')).toBe('TooManyRequestsException ConcurrentInvocationLimitExceeded');
    expect(await Promise.all(busy)).toEqual(['ok', 'ok', 'ok']);
    expect(await invoke('f1')).toBe('ok');
  });
});

describe('a worker whose budget holds three environments by MemorySize, and many more frozen', () => {
  let t: TestLambdock;
  const names = ['g1', 'g2', 'g3', 'g4', 'g5', 'g6'];

  beforeAll(async () => {
    t = await startTestLambdock({ LAMBDOCK_MEMORY_BUDGET_MB: '384', LAMBDOCK_PAUSE_GRACE_MS: '50' });
    for (const name of names) await t.createFunction({ FunctionName: name, Code: { ZipFile: await nodeZip(SLEEPER) }, Timeout: 10 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('charges a frozen environment what its cgroup holds, so six fit where three would by MemorySize, each thawed in place', async () => {
    const frozen = () => t.lambdock.pool.list().filter((s) => s.currentState.kind === 'Paused');
    for (const [i, name] of names.entries()) {
      expect(await outcome(t.client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}') })))).toBe('ok');
      await vi.waitFor(() => expect(frozen().length).toBe(i + 1), { timeout: 10_000, interval: 20 });
    }
    const before = t.lambdock.pool.list().map((s) => s.container);
    // A frozen Node environment's cgroup holds some MB, far below its 128 MB.
    for (const sandbox of frozen()) expect(sandbox.charge.memoryMb).toBeLessThan(64);
    expect(t.lambdock.pool.memoryUsedMb).toBeLessThan(384);
    for (const name of names) {
      expect(await outcome(t.client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}') })))).toBe('ok');
      await vi.waitFor(() => expect(frozen().length).toBe(names.length), { timeout: 10_000, interval: 20 });
    }
    expect(t.lambdock.pool.list().map((s) => s.container)).toEqual(before);
  });
});

describe('a worker with /tmp disk room for 1.5 GB', () => {
  let t: TestLambdock;
  const invoke = (name: string, ms = 0) => outcome(t.client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify({ ms })) })));

  beforeAll(async () => {
    // Memory is plentiful: the /tmp budget is what runs out.
    t = await startTestLambdock({ LAMBDOCK_TMP_BUDGET_MB: '1536', LAMBDOCK_PAUSE_GRACE_MS: '50' });
    const zip = await nodeZip(SLEEPER);
    await t.createFunction({ FunctionName: 'big', Code: { ZipFile: zip }, Timeout: 10, EphemeralStorage: { Size: 1024 } });
    for (const name of ['small', 'other']) await t.createFunction({ FunctionName: name, Code: { ZipFile: zip }, Timeout: 10 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('starts no environment past it: throttles while the disks are busy, evicts an idle one after', async () => {
    const busy = [invoke('big', 2_000), invoke('small', 2_000)];
    await new Promise((r) => setTimeout(r, 800));
    expect(await invoke('other')).toBe('TooManyRequestsException ConcurrentInvocationLimitExceeded');
    expect(await Promise.all(busy)).toEqual(['ok', 'ok']);
    expect(await invoke('other')).toBe('ok');
    // What the disks are charged: EphemeralStorage, or a frozen one's allocated blocks.
    const disks = t.lambdock.pool.list().filter((s) => s.currentState.kind !== 'Removing').reduce((sum, s) => sum + s.charge.tmpMb, 0);
    expect(disks).toBeLessThanOrEqual(1536);
  });
});

describe('an api and two workers with room for one environment each', () => {
  const run = inject('testRunPrefix');
  const prefix = `${run}-capacity-${randomUUID().slice(0, 8)}`;
  const dirs: string[] = [];
  const workers: Lambdock[] = [];
  let api: LambdockApi;
  let client: LambdaClient;
  const logger = pino({ level: process.env.LAMBDOCK_TEST_LOG_LEVEL ?? 'silent' });

  // A short wait in line: once every worker is full, the third caller is throttled rather than served later.
  const settings = (role: string, name: string) =>
    roleSettings(run, prefix, role, name, dirs, { LAMBDOCK_MEMORY_BUDGET_MB: '128', LAMBDOCK_QUEUE_WAIT_MS: '300' });

  beforeAll(async () => {
    for (const name of ['w1', 'w2']) workers.push(await startLambdock(loadConfig(await settings('worker', name)), { logger, drainTimeoutMs: 5_000 }));
    api = await startLambdockApi(loadConfig(await settings('api', 'api')), { logger });
    client = new LambdaClient({ endpoint: api.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    await client.send(new CreateFunctionCommand({ FunctionName: 'wide', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Timeout: 10, Code: { ZipFile: await nodeZip(SLEEPER) } }));
    await waitUntilFunctionActiveV2({ client, maxWaitTime: 60, minDelay: 1 }, { FunctionName: 'wide' });
  });
  afterAll(async () => {
    await closeInstallation({ client, api, workers, prefix, dirs });
  });

  it('spills to the next worker when the home worker is full, and throttles when every worker is', async () => {
    const call = (ms: number) => outcome(client.send(new InvokeCommand({ FunctionName: 'wide', Payload: Buffer.from(JSON.stringify({ ms })) })));
    const first = call(2_000);
    await new Promise((r) => setTimeout(r, 800));
    const second = call(1_500);
    await new Promise((r) => setTimeout(r, 500));
    expect(await call(0)).toBe('TooManyRequestsException ConcurrentInvocationLimitExceeded');
    expect(await Promise.all([first, second])).toEqual(['ok', 'ok']);
    expect(workers.map((w) => w.pool.list().length)).toEqual([1, 1]);
  });
});
