import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ContainerDriver, ContainerExit, OutputPipe } from '../docker/container-driver.js';
import type { RuntimeApi, RuntimeApiListener, RuntimeInvocation } from '../runtime-api/runtime-api-server.js';
import { Sandbox, type SandboxPlan, type SandboxResult } from './sandbox.js';

/** A promise resolved from outside. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** The engine as the runner sees it: starts, kills, and the 'die' events, all under the test's control. */
class FakeDriver implements Partial<ContainerDriver> {
  onExit: ((id: string, atMs: number) => void) | undefined;
  /** The inspect that follows a 'die' event answers when the test says so. */
  exits: Array<{ resolve: (exit: ContainerExit) => void }> = [];
  starts = 0;
  kills = 0;

  createContainer = async () => 'c1';
  startContainer = async () => {
    this.starts += 1;
  };
  killContainer = async () => {
    this.kills += 1;
  };
  waitForExit = async () => ({ exitCode: 137, oomKilled: false });
  fetchExit = () => {
    const d = deferred<ContainerExit>();
    this.exits.push(d);
    return d.promise;
  };
  fetchPeakMemory = async () => undefined;
  fetchMemoryUsage = async () => undefined;
  watchExits = (onExit: (id: string, atMs: number) => void) => {
    this.onExit = onExit;
    return () => undefined;
  };
  /** The container stops on its own now: the engine reports it. */
  die(): void {
    this.onExit?.('c1', Date.now());
  }
}

class FakeRuntimeApi implements RuntimeApi {
  delivered: RuntimeInvocation[] = [];
  constructor(readonly listener: RuntimeApiListener) {}
  listen = async () => 9001;
  expectAddress = () => undefined;
  allow = () => undefined;
  deliver = (invocation: RuntimeInvocation) => void this.delivered.push(invocation);
  reset = () => undefined;
  shutdown = () => ({ graceMs: 0, notified: 0 });
  close = async () => undefined;
}

const OUTPUT: OutputPipe = { hostDir: '/out', read: () => undefined, drain: () => undefined, close: async () => undefined };

function setup(timeoutMs: number) {
  const driver = new FakeDriver();
  let api: FakeRuntimeApi | undefined;
  const plan: SandboxPlan = {
    id: 'sbx',
    functionName: 'fn',
    version: '$LATEST',
    memorySizeMb: 128,
    timeoutMs,
    initTimeoutMs: 5_000,
    pauseGraceMs: 60_000,
    idleKeepAliveMs: 60_000,
    ephemeralStorageMb: 512,
    runtimeApiBindHost: '127.0.0.1',
    runtimeApiAdvertiseHost: '127.0.0.1',
    maxPayloadBytes: 6_291_556,
    labels: {},
    containerSpec: () => ({ name: 'x', image: 'i', env: {}, labels: {}, user: '1:1', memoryBytes: 1, cpuShares: 2, pidsLimit: 1, networkMode: 'none' }),
  };
  const sandbox = new Sandbox(plan, {
    driver: driver as unknown as ContainerDriver,
    scratch: { createScratchDisk: async () => ({ volume: 'v', release: async () => undefined }) },
    network: { acquireNetworkSlot: async () => ({ holderId: 'h', address: '10.0.0.2', release: async () => undefined }) },
    outputs: { createOutputPipe: async () => OUTPUT },
    createRuntimeApi: (options) => (api = new FakeRuntimeApi(options.listener)),
    logSink: () => undefined,
    onStateChange: () => undefined,
    onOperationError: () => undefined,
  });
  const runtime = () => api as FakeRuntimeApi;
  const invoke = (requestId: string) =>
    sandbox.invoke({ requestId, payload: Buffer.from('{}'), invokedFunctionArn: 'arn', tail: false }) as Promise<SandboxResult>;
  return { sandbox, driver, runtime, invoke };
}

/** Waits until `check` holds (the runner's Docker operations run on promises). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i += 1) await sleep(2);
  expect(check()).toBe(true);
}

describe('Sandbox runner: exits belong to the run of the runtime that made them', () => {
  it('reports a later real crash as a crash after a crash raced the deadline', async () => {
    const { sandbox, driver, runtime, invoke } = setup(40);
    const first = invoke('req-a');
    await until(() => driver.starts === 1);
    runtime().listener.waiting();
    expect(sandbox.currentState.kind).toBe('Running');
    // The runtime crashes; the engine's lookup of the exit is slow, and the deadline passes meanwhile.
    driver.die();
    expect((await first).outcome).toEqual({ kind: 'timeout' });
    await until(() => sandbox.currentState.kind === 'Stopped');
    driver.exits.shift()?.resolve({ exitCode: 1, oomKilled: false });
    await sleep(5);
    expect(sandbox.currentState.kind).toBe('Stopped');

    // The next invocation restarts the runtime, which then really crashes: that is news, not a timeout.
    const second = invoke('req-b');
    await until(() => driver.starts === 2);
    runtime().listener.waiting();
    expect(sandbox.currentState.kind).toBe('Running');
    driver.die();
    await until(() => driver.exits.length === 1);
    driver.exits.shift()?.resolve({ exitCode: 2, oomKilled: false });
    expect((await second).outcome).toEqual({ kind: 'exit', exit: { exitCode: 2, oomKilled: false } });
  });

  it("ignores a killed run's exit that the engine reports after the runtime was started again", async () => {
    const { sandbox, driver, runtime, invoke } = setup(30);
    const first = invoke('req-a');
    await until(() => driver.starts === 1);
    runtime().listener.waiting();
    expect((await first).outcome).toEqual({ kind: 'timeout' });
    await until(() => sandbox.currentState.kind === 'Stopped');
    const dieTime = Date.now() - 1; // the kill's own 'die', from before the restart, delivered late
    const second = invoke('req-b');
    await until(() => driver.starts === 2);
    driver.onExit?.('c1', dieTime);
    expect(driver.exits).toHaveLength(0);
    runtime().listener.waiting();
    runtime().listener.responded('req-b', Buffer.from('"ok"'));
    expect((await second).outcome).toEqual({ kind: 'response', payload: Buffer.from('"ok"') });
  });
});
