import { describe, expect, it, vi } from 'vitest';
import type { ContainerDriver, ContainerSpec } from '../docker/container-driver.js';
import { getScratchSpec } from '../docker/container-driver.js';
import type { RuntimeApi, RuntimeApiOptions } from '../runtime-api/runtime-api-server.js';
import { Sandbox, type SandboxPlan } from './sandbox.js';

/** A Runtime API that records who it would let in at each moment. */
class FakeRuntimeApi implements RuntimeApi {
  allowed: string | undefined;
  constructor(readonly options: RuntimeApiOptions) {}
  listen = () => Promise.resolve(20_001);
  allow(address: string): void {
    this.allowed = address;
  }
  /** What a server that forgets its peer on restart would do (not part of the interface). */
  expectAddress(): void {
    this.allowed = undefined;
  }
  deliver = vi.fn();
  reset = vi.fn();
  shutdown = vi.fn((_reason: string) => ({ graceMs: 0, notified: 0 }));
  close = () => Promise.resolve();
}

function fakeDriver(api: () => FakeRuntimeApi | undefined, allowedAtStart: Array<string | undefined>): ContainerDriver {
  return {
    createContainer: vi.fn((_spec: ContainerSpec) => Promise.resolve('container-1')),
    startContainer: vi.fn(() => {
      allowedAtStart.push(api()?.allowed);
      return Promise.resolve();
    }),
    fetchAddress: vi.fn(() => Promise.resolve('10.0.0.9')),
    pauseContainer: vi.fn(() => Promise.resolve()),
    unpauseContainer: vi.fn(() => Promise.resolve()),
    killContainer: vi.fn(() => Promise.resolve()),
    removeContainer: vi.fn(() => Promise.resolve()),
    fetchExit: vi.fn(() => Promise.resolve({ exitCode: 1, oomKilled: false })),
    waitForExit: vi.fn(() => Promise.resolve({ exitCode: 137, oomKilled: false })),
    fetchPeakMemory: vi.fn(() => Promise.resolve(undefined)),
    fetchMemoryUsage: vi.fn(() => Promise.resolve(undefined)),
    watchExits: vi.fn(() => () => undefined),
  };
}

const PLAN: SandboxPlan = {
  id: 'sandbox-1',
  functionName: 'f',
  version: '$LATEST',
  memorySizeMb: 128,
  timeoutMs: 3000,
  initTimeoutMs: 10_000,
  pauseGraceMs: 100,
  idleKeepAliveMs: 60_000,
  ephemeralStorageMb: 512,
  runtimeApiBindHost: '10.0.0.1',
  runtimeApiAdvertiseHost: '10.0.0.1',
  maxPayloadBytes: 6 * 1024 * 1024,
  labels: {},
  containerSpec: (runtimeApi, scratch, networkMode) => ({
    name: 'sandbox-1',
    image: 'runtime',
    env: { AWS_LAMBDA_RUNTIME_API: runtimeApi },
    labels: {},
    user: '993:990',
    memoryBytes: 128 * 1048576,
    cpuShares: 72,
    pidsLimit: 1024,
    networkMode,
    ...getScratchSpec(scratch),
  }),
};

describe('Sandbox: its Runtime API', () => {
  it('admits only the sandbox address from before its container starts, and again before each restart', async () => {
    let api: FakeRuntimeApi | undefined;
    const allowedAtStart: Array<string | undefined> = [];
    const driver = fakeDriver(() => api, allowedAtStart);
    const sandbox = new Sandbox(PLAN, {
      driver,
      scratch: { createScratchDisk: () => Promise.resolve({ volume: 'tmp-1', release: () => Promise.resolve() }) },
      network: { acquireNetworkSlot: () => Promise.resolve({ holderId: 'holder-1', address: '10.0.0.9', release: () => Promise.resolve() }) },
      outputs: {
        createOutputPipe: async () => ({ hostDir: '/nowhere', read: () => undefined, drain: () => undefined, close: async () => undefined }),
      },
      createRuntimeApi: (options) => (api = new FakeRuntimeApi(options)),
      logSink: () => undefined,
      onStateChange: () => undefined,
      onOperationError: (error) => {
        throw error;
      },
    });
    await vi.waitFor(() => expect(driver.startContainer).toHaveBeenCalledTimes(1));
    // The runtime comes up, then crashes; the next invocation restarts the same container.
    sandbox.dispatch({ type: 'RuntimeWaiting' });
    sandbox.dispatch({ type: 'Exited', exit: { exitCode: 1, oomKilled: false } });
    expect(sandbox.currentState.kind).toBe('Stopped');
    void sandbox.invoke({ requestId: 'r-1', payload: Buffer.from('{}'), invokedFunctionArn: 'arn', tail: false });
    await vi.waitFor(() => expect(driver.startContainer).toHaveBeenCalledTimes(2));
    expect(driver.createContainer).toHaveBeenCalledTimes(1);
    expect(allowedAtStart).toEqual(['10.0.0.9', '10.0.0.9']);
  });
});

describe('Sandbox: shutdown with extensions', () => {
  function start(graceMs: number) {
    let api: FakeRuntimeApi | undefined;
    const driver = fakeDriver(() => api, []);
    const calls: string[] = [];
    const record = (name: string) => () => {
      calls.push(name);
      return Promise.resolve();
    };
    driver.pauseContainer = vi.fn(record('pause'));
    driver.unpauseContainer = vi.fn(record('unpause'));
    driver.removeContainer = vi.fn(record('remove'));
    // The runtime does not stop on SIGTERM (the grace runs out), only on SIGKILL.
    let exited: () => void = () => undefined;
    const exit = new Promise<void>((resolve) => (exited = resolve));
    driver.killContainer = vi.fn((_id: string, signal?: string) => {
      if (signal === undefined) exited();
      return record(`kill ${signal ?? 'SIGKILL'}`)();
    });
    driver.waitForExit = vi.fn(() => exit.then(() => ({ exitCode: 137, oomKilled: false })));
    const sandbox = new Sandbox(PLAN, {
      driver,
      scratch: { createScratchDisk: () => Promise.resolve({ volume: 'tmp-1', release: () => Promise.resolve() }) },
      network: { acquireNetworkSlot: () => Promise.resolve({ holderId: 'holder-1', address: '10.0.0.9', release: () => Promise.resolve() }) },
      outputs: {
        createOutputPipe: async () => ({ hostDir: '/nowhere', read: () => undefined, drain: () => undefined, close: async () => undefined }),
      },
      createRuntimeApi: (options) => {
        api = new FakeRuntimeApi(options);
        api.shutdown = vi.fn((reason: string) => {
          calls.push(`SHUTDOWN ${reason}`);
          return { graceMs, notified: 1 };
        });
        return api;
      },
      logSink: () => undefined,
      onStateChange: () => undefined,
      onOperationError: (error) => {
        throw error;
      },
    });
    return { sandbox, driver, calls, api: () => api };
  }

  it('thaws a frozen environment, sends SHUTDOWN, SIGTERMs the runtime and removes it after the grace', async () => {
    const { sandbox, driver, calls } = start(200);
    await vi.waitFor(() => expect(driver.startContainer).toHaveBeenCalledTimes(1));
    sandbox.dispatch({ type: 'ContainerStarted' });
    sandbox.dispatch({ type: 'RuntimeWaiting' });
    sandbox.dispatch({ type: 'TimerFired', timer: 'grace' });
    await vi.waitFor(() => expect(sandbox.currentState.kind).toBe('Paused'));
    const began = performance.now();
    sandbox.retire();
    await vi.waitFor(() => expect(sandbox.currentState.kind).toBe('Removed'));
    expect(performance.now() - began).toBeGreaterThanOrEqual(190);
    expect(calls).toEqual(['pause', 'SHUTDOWN spindown', 'unpause', 'kill SIGTERM', 'remove']);
  });

  it('removes at once when no extension is registered', async () => {
    const { sandbox, driver, calls } = start(0);
    await vi.waitFor(() => expect(driver.startContainer).toHaveBeenCalledTimes(1));
    sandbox.dispatch({ type: 'RuntimeWaiting' });
    sandbox.retire();
    await vi.waitFor(() => expect(sandbox.currentState.kind).toBe('Removed'));
    expect(calls).toEqual(['SHUTDOWN spindown', 'remove']);
  });

  it('resets after a timeout as AWS does: SHUTDOWN (timeout), SIGTERM, the grace, then SIGKILL', async () => {
    const { sandbox, driver, calls, api } = start(200);
    await vi.waitFor(() => expect(driver.startContainer).toHaveBeenCalledTimes(1));
    sandbox.dispatch({ type: 'ContainerStarted' });
    sandbox.dispatch({ type: 'RuntimeWaiting' });
    const result = sandbox.invoke({ requestId: 'r-1', payload: Buffer.from('{}'), invokedFunctionArn: 'arn', tail: false });
    expect(api()?.deliver).toHaveBeenCalledTimes(1);
    const began = performance.now();
    sandbox.dispatch({ type: 'TimerFired', timer: 'deadline' });
    expect((await result)?.outcome).toEqual({ kind: 'timeout' });
    await vi.waitFor(() => expect(sandbox.currentState.kind).toBe('Stopped'));
    expect(performance.now() - began).toBeGreaterThanOrEqual(190);
    expect(calls).toEqual(['SHUTDOWN timeout', 'kill SIGTERM', 'kill SIGKILL']);
  });
});
