import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ContainerDriver, OutputPipe } from '../docker/container-driver.js';
import type { RuntimeApi, RuntimeApiListener, RuntimeInvocation } from '../runtime-api/runtime-api-server.js';
import { LambdaError } from '../shared/errors.js';
import { SandboxPool, type PoolOptions } from './sandbox-pool.js';
import type { SandboxPlan } from './sandbox.js';
import type { StemCellSource } from './stem-cell.js';

const OUTPUT: OutputPipe = { hostDir: '/out', read: () => undefined, drain: () => undefined, close: async () => undefined };

/**
 * A runtime that boots `bootMs` after its container starts, answers each event after `runMs` with the
 * name of its environment, and asks for the next one at once.
 */
class FakeRuntime implements RuntimeApi {
  constructor(
    readonly listener: RuntimeApiListener,
    private readonly name: string,
    private readonly runMs: () => number,
  ) {}
  listen = async () => 9001;
  expectAddress = () => undefined;
  allow = () => undefined;
  deliver = (invocation: RuntimeInvocation) => {
    setTimeout(() => {
      this.listener.responded(invocation.requestId, Buffer.from(JSON.stringify(this.name)));
      this.listener.waiting();
    }, this.runMs());
  };
  reset = () => undefined;
  shutdown = () => ({ graceMs: 0, notified: 0 });
  close = async () => undefined;
}

function setup(
  options: PoolOptions,
  timing: { bootMs: number; runMs: number; startMs?: number; retireAfterMs?: number; pauseGraceMs?: number; frozenBytes?: number },
  stemCells?: StemCellSource,
) {
  const engine = { launching: 0, mostLaunching: 0, created: 0 };
  const runtimes = new Map<string, FakeRuntime>();
  let runMs = timing.runMs;
  const driver: Partial<ContainerDriver> = {
    createContainer: async (spec) => {
      engine.created += 1;
      engine.launching += 1;
      engine.mostLaunching = Math.max(engine.mostLaunching, engine.launching);
      return spec.name;
    },
    startContainer: async (id) => {
      await sleep(timing.startMs ?? 5);
      engine.launching -= 1;
      setTimeout(() => runtimes.get(id)?.listener.waiting(), timing.bootMs);
    },
    fetchPeakMemory: async () => undefined,
    fetchMemoryUsage: async () => timing.frozenBytes,
    pauseContainer: async () => undefined,
    unpauseContainer: async () => undefined,
    watchExits: () => () => undefined,
    removeContainer: async () => undefined,
  };
  let made = 0;
  const pool = new SandboxPool(
    {
      driver: driver as ContainerDriver,
      scratch: { createScratchDisk: async () => ({ volume: 'v', release: async () => undefined, allocatedBytes: () => 20 * 2 ** 20 }) },
      network: { acquireNetworkSlot: async () => ({ holderId: 'h', address: '10.0.0.2', release: async () => undefined }) },
      outputs: { createOutputPipe: async () => OUTPUT },
      createRuntimeApi: (apiOptions) => {
        made += 1;
        const name = `env-${made}`;
        const runtime = new FakeRuntime(apiOptions.listener, name, () => runMs);
        runtimes.set(name, runtime);
        return runtime;
      },
      logSink: () => undefined,
      onOperationError: () => undefined,
      ...(stemCells === undefined ? {} : { stemCells }),
    },
    options,
  );
  let made2 = 0;
  const plan =
    () =>
    (id: string): SandboxPlan => {
      made2 += 1;
      const name = `env-${made2}`;
      return {
        id,
        functionName: 'fn',
        version: '$LATEST',
        memorySizeMb: 128,
        timeoutMs: 10_000,
        initTimeoutMs: 5_000,
        pauseGraceMs: timing.pauseGraceMs ?? 60_000,
        idleKeepAliveMs: 60_000,
        ephemeralStorageMb: 512,
        runtimeApiBindHost: '127.0.0.1',
        runtimeApiAdvertiseHost: '127.0.0.1',
        maxPayloadBytes: 6_291_556,
        labels: {},
        ...(timing.retireAfterMs === undefined ? {} : { retireAtMs: Date.now() + timing.retireAfterMs }),
        containerSpec: () => ({ name, image: 'i', env: {}, labels: {}, user: '1:1', memoryBytes: 1, cpuShares: 2, pidsLimit: 1, networkMode: 'none' }),
      };
    };
  let request = 0;
  const invoke = (key = 'k', waitForRoom = true) =>
    pool.run(key, plan(), { requestId: `r${(request += 1)}`, payload: Buffer.from('{}'), invokedFunctionArn: 'arn', tail: false }, { waitForRoom }).then(
      (result) => (result.outcome.kind === 'response' ? (JSON.parse(result.outcome.payload.toString()) as string) : result.outcome.kind),
    );
  const frozen = async (count: number) => {
    for (let i = 0; i < 200 && pool.list().filter((s) => s.currentState.kind === 'Paused').length < count; i += 1) await sleep(5);
  };
  return { pool, engine, invoke, frozen, setRunMs: (ms: number) => (runMs = ms) };
}

const reasonOf = (error: unknown) => (error instanceof LambdaError ? `${error.status} ${String(error.extra?.Reason)}` : String(error));

describe('SandboxPool: environments past their age (credentials about to expire)', () => {
  it('stops handing a free environment invocations once it is past retireAtMs, and starts a new one', async () => {
    const { invoke, pool } = setup({}, { bootMs: 1, runMs: 1, retireAfterMs: 150 });
    const first = await invoke();
    expect(await invoke()).toBe(first);
    await sleep(200);
    const later = await invoke();
    expect(later).not.toBe(first);
    await pool.drain();
  });
});

describe('SandboxPool: a burst waits in line and is served by the environments that are up', () => {
  it('starts at most maxConcurrentLaunches at once, and environments that free up serve the line', async () => {
    const { engine, invoke, pool } = setup({ maxConcurrentLaunches: 2 }, { startMs: 20, bootMs: 5, runMs: 10 });
    const answers = await Promise.all(Array.from({ length: 30 }, () => invoke()));
    expect(answers.every((a) => a.startsWith('env-'))).toBe(true);
    expect(engine.mostLaunching).toBeLessThanOrEqual(2);
    // Each caller did not get an environment of its own: the first ones up served most of the line.
    expect(new Set(answers).size).toBeLessThan(15);
    expect(pool.queued).toBe(0);
    await pool.drain();
  });

  it('serves the invocation waiting longest first', async () => {
    const { invoke, pool } = setup({ maxConcurrentLaunches: 1, memoryBudgetMb: 128 }, { bootMs: 5, runMs: 30 });
    const order: number[] = [];
    await Promise.all(Array.from({ length: 5 }, (_, i) => invoke().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3, 4]);
    await pool.drain();
  });

  it('throttles a waiter after maxQueueWaitMs when its function is busy and there is no room for more', async () => {
    const { invoke, pool, setRunMs } = setup({ maxConcurrentLaunches: 4, memoryBudgetMb: 128, maxQueueWaitMs: 50 }, { bootMs: 5, runMs: 300 });
    const busy = invoke();
    await sleep(20);
    const began = performance.now();
    const waited = await invoke().then(String, reasonOf);
    expect(waited).toBe('429 ConcurrentInvocationLimitExceeded');
    // It waited its turn (the busy environment might have freed up) before it was throttled.
    expect(performance.now() - began).toBeGreaterThanOrEqual(45);
    setRunMs(1);
    expect(await busy).toMatch(/^env-/);
    await pool.drain();
  });

  it('throttles at once a function with nothing of its own to wait for, when everything else is busy', async () => {
    const { invoke, pool } = setup({ maxConcurrentLaunches: 4, memoryBudgetMb: 128, maxQueueWaitMs: 5_000 }, { bootMs: 5, runMs: 200 });
    const busy = invoke('a');
    await sleep(20);
    const began = performance.now();
    expect(await invoke('b').then(String, reasonOf)).toBe('429 ConcurrentInvocationLimitExceeded');
    // As does one of the busy function that would rather be refused than wait (an api with other workers).
    expect(await invoke('a', false).then(String, reasonOf)).toBe('429 ConcurrentInvocationLimitExceeded');
    expect(performance.now() - began).toBeLessThan(100);
    await busy;
    await pool.drain();
  });

  it('refuses the line at drain', async () => {
    const { invoke, pool } = setup({ maxConcurrentLaunches: 1, memoryBudgetMb: 128 }, { bootMs: 5, runMs: 100 });
    const first = invoke();
    await sleep(20);
    const second = invoke().then(String, (error: unknown) => (error instanceof LambdaError ? error.message : String(error)));
    const drained = pool.drain();
    expect(await second).toBe('lambdock is shutting down.');
    await first;
    await drained;
  });
});

describe('SandboxPool: frozen environments are charged what they take', () => {
  const MB = 2 ** 20;

  it('charges a frozen environment its measured memory and /tmp, so more fit in the budget than their MemorySize allows', async () => {
    // 300 MB holds two environments of 128 MB by MemorySize, but many frozen ones of 10 MB.
    const { invoke, pool, frozen } = setup({ memoryBudgetMb: 300, tmpBudgetMb: 1100 }, { bootMs: 1, runMs: 1, pauseGraceMs: 5, frozenBytes: 10 * MB });
    const answers: string[] = [];
    for (const key of ['a', 'b', 'c', 'd']) {
      answers.push(await invoke(key));
      await frozen(answers.length);
    }
    expect(new Set(answers).size).toBe(4);
    expect(pool.size).toBe(4);
    expect(pool.list().every((s) => s.currentState.kind === 'Paused')).toBe(true);
    expect(pool.memoryUsedMb).toBe(40);
    expect(pool.list().map((s) => s.charge)).toEqual(Array(4).fill({ memoryMb: 10, tmpMb: 20 }));
    // Each is thawed where it is (not replaced): 128 MB for the thawed one beside 30 MB for the others.
    for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) {
      expect(await invoke(key)).toBe(answers[i]);
      await frozen(4);
    }
    expect(pool.size).toBe(4);
    await pool.drain();
  });

  it('charges the configured size again on thaw, evicting the least recently used frozen environment when it must', async () => {
    const { invoke, pool, frozen, setRunMs } = setup({ memoryBudgetMb: 270 }, { bootMs: 1, runMs: 1, pauseGraceMs: 5, frozenBytes: 10 * MB });
    const a = await invoke('a');
    await frozen(1);
    const b = await invoke('b');
    await frozen(2);
    // c runs (128 MB) while a and b are frozen (10 MB each): 148 MB.
    setRunMs(300);
    const c = invoke('c');
    await sleep(30);
    // Thawing b charges it 128 MB: 128 + 128 + 10 = 266 fits.
    setRunMs(1);
    expect(await invoke('b')).toBe(b);
    expect(pool.list().length).toBe(3);
    // Thawing a while b is still thawed (idle, 128 MB) would take 384 MB: b, the least recently used idle
    // environment, goes for it.
    expect(await invoke('a')).toBe(a);
    expect(pool.list().filter((s) => s.currentState.kind !== 'Removing').length).toBe(2);
    // b's environment is gone: its next invocation gets a new one.
    expect(await invoke('b')).not.toBe(b);
    expect(await c).toMatch(/^env-/);
    await pool.drain();
  });

  it('thaws a frozen environment that had no room when its invocation came, as soon as another frees up', async () => {
    const { invoke, pool, frozen, setRunMs } = setup({ memoryBudgetMb: 140, maxQueueWaitMs: 5_000 }, { bootMs: 1, runMs: 1, pauseGraceMs: 5, frozenBytes: 10 * MB });
    const a = await invoke('a');
    await frozen(1);
    setRunMs(150);
    const b = invoke('b');
    await sleep(30);
    // b runs (128 MB) beside a frozen (10 MB): a's thaw (128 MB) has no room until b is done.
    setRunMs(1);
    const began = performance.now();
    expect(await invoke('a')).toBe(a);
    expect(performance.now() - began).toBeLessThan(1_000);
    expect(await b).toMatch(/^env-/);
    await pool.drain();
  });
});

/** Parked stem cells holding `memoryMb` until shrunk; none is ever taken (no plan here fits them). */
function fakeStemCells(memoryMb: number) {
  const shrinks: number[] = [];
  const source: StemCellSource = {
    take: () => undefined,
    has: () => false,
    held: { memoryMb, tmpMb: 0 },
    shrink: (need) => {
      shrinks.push(need.memoryMb);
      source.held.memoryMb = 0;
    },
  };
  return { source, shrinks };
}

describe('SandboxPool: stem cells in the memory budget', () => {
  it('counts parked stem cells, and removes them before it evicts an idle environment', async () => {
    const stems = fakeStemCells(128);
    const { invoke, pool } = setup({ memoryBudgetMb: 256 }, { bootMs: 1, runMs: 1 }, stems.source);
    expect(pool.hasRoomFor({ memoryMb: 128, tmpMb: 0 })).toBe(true);
    const a = await invoke('a');
    expect(stems.shrinks).toEqual([]);
    // 128 (a, idle) + 128 (stem cells) = the budget: another environment needs room, and the stem cells give it.
    expect(pool.hasRoomFor({ memoryMb: 128, tmpMb: 0 })).toBe(false);
    const b = await invoke('b');
    expect(stems.shrinks).toEqual([128]);
    expect(b).not.toBe(a);
    // a was not evicted: it still serves its key.
    expect(await invoke('a')).toBe(a);
    expect(pool.size).toBe(2);
    await pool.drain();
  });
});
