import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ContainerDriver, ContainerSpec, OutputPipe } from '../docker/container-driver.js';
import type { RuntimeApi, RuntimeApiListener } from '../runtime-api/runtime-api-server.js';
import { Sandbox, type SandboxPlan, type SandboxResult } from './sandbox.js';
import type { StemCell, StemCellFit, StemCellSource, StemClaim } from './stem-cell.js';

/** Everything the runner does, in order. */
type Step = string;

function setup(options: { stemReady: boolean; timeoutMs?: number; stemCell?: boolean }) {
  const steps: Step[] = [];
  const driver: Partial<ContainerDriver> = {
    createContainer: async () => {
      steps.push('create');
      return 'own-container';
    },
    startContainer: async (id) => void steps.push(`start ${id}`),
    killContainer: async (id) => void steps.push(`kill ${id}`),
    removeContainer: async (id) => void steps.push(`remove ${id}`),
    waitForExit: async () => ({ exitCode: 137, oomKilled: false }),
    fetchExit: async () => ({ exitCode: 0, oomKilled: false }),
    fetchPeakMemory: async () => undefined,
    watchExits: () => () => undefined,
  };
  let listener: RuntimeApiListener | undefined;
  const api: RuntimeApi = {
    listen: async () => 9001,
    allow: (address) => void steps.push(`allow ${address}`),
    deliver: () => undefined,
    reset: () => undefined,
    shutdown: () => ({ graceMs: 0, notified: 0 }),
    close: async () => undefined,
  };
  const output = (name: string): OutputPipe => ({
    hostDir: `/out/${name}`,
    read: () => void steps.push(`read ${name}`),
    drain: () => void steps.push(`drain ${name}`),
    close: async () => void steps.push(`close ${name}`),
  });
  const claims: StemClaim[] = [];
  const cell: StemCell = {
    id: 'stem-1',
    key: 'k',
    containerId: 'stem-container',
    scratchDisk: { volume: 'stem-tmp', release: async () => void steps.push('release stem disk') },
    networkSlot: { holderId: 'stem-holder', address: '10.0.0.9', release: async () => void steps.push('release stem slot') },
    output: output('stem'),
    alive: true,
    deliver: async (claim) => {
      claims.push(claim);
      steps.push('deliver');
    },
    adopt: () => void steps.push('adopt'),
    releaseSlots: async () => void steps.push('release slots'),
    release: async () => void steps.push('release stem'),
  };
  const fit: StemCellFit = { key: 'k', shim: 'node', memoryMb: 128, tmpMb: 512, containerSpec: () => ({}) as ContainerSpec };
  let taken = 0;
  const stems: StemCellSource = {
    take: (asked) => {
      expect(asked).toBe(fit);
      if (!options.stemReady || taken > 0) return undefined;
      taken += 1;
      return cell;
    },
    has: () => options.stemReady,
    held: { memoryMb: 0, tmpMb: 0 },
    shrink: () => undefined,
  };
  const specs: Array<[string, string, string, string]> = [];
  const plan: SandboxPlan = {
    id: 'sbx',
    functionName: 'fn',
    version: '$LATEST',
    memorySizeMb: 128,
    timeoutMs: options.timeoutMs ?? 5_000,
    initTimeoutMs: 5_000,
    pauseGraceMs: 60_000,
    idleKeepAliveMs: 60_000,
    ephemeralStorageMb: 512,
    runtimeApiBindHost: '127.0.0.1',
    runtimeApiAdvertiseHost: '172.17.0.1',
    maxPayloadBytes: 6_291_556,
    labels: {},
    codeDir: '/data/code/tree',
    ...(options.stemCell === false ? {} : { stemCell: fit }),
    containerSpec: (runtimeApi, scratch, network, outputDir) => {
      specs.push([runtimeApi, 'volume' in scratch ? scratch.volume : `tmpfs ${scratch.tmpfsMb}`, network, outputDir]);
      return { name: 'x', image: 'i', env: { AWS_LAMBDA_RUNTIME_API: runtimeApi, MY: 'var' }, labels: {}, user: '1:1', memoryBytes: 1, cpuShares: 2, pidsLimit: 1, networkMode: network };
    },
  };
  const sandbox = new Sandbox(plan, {
    driver: driver as ContainerDriver,
    scratch: { createScratchDisk: async () => ({ volume: 'own-tmp', release: async () => undefined }) },
    network: { acquireNetworkSlot: async () => ({ holderId: 'own-holder', address: '10.0.0.2', release: async () => undefined }) },
    outputs: { createOutputPipe: async () => output('own') },
    createRuntimeApi: (o) => {
      listener = o.listener;
      return api;
    },
    stemCells: stems,
    logSink: () => undefined,
    onStateChange: () => undefined,
    onOperationError: (error) => steps.push(`error ${String(error)}`),
  });
  const invoke = (requestId: string) =>
    sandbox.invoke({ requestId, payload: Buffer.from('{}'), invokedFunctionArn: 'arn', tail: false }) as Promise<SandboxResult>;
  return { sandbox, steps, claims, specs, invoke, runtime: () => listener as RuntimeApiListener };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i += 1) await sleep(2);
  expect(check()).toBe(true);
}

describe('Sandbox runner: cold start from a stem cell', () => {
  it('claims a stem cell instead of creating a container, and hands it the function’s environment', async () => {
    const { sandbox, steps, claims, specs, invoke, runtime } = setup({ stemReady: true });
    const running = invoke('req-1');
    await until(() => steps.includes('deliver'));
    expect(steps).toEqual(['adopt', 'allow 10.0.0.9', 'drain stem', 'read stem', 'deliver']);
    // Its environment names this sandbox's Runtime API; its container, /tmp and namespace are the stem cell's.
    expect(specs).toEqual([['172.17.0.1:9001', 'stem-tmp', 'container:stem-holder', '/out/stem']]);
    expect(claims).toEqual([{ env: { AWS_LAMBDA_RUNTIME_API: '172.17.0.1:9001', MY: 'var' }, codeDir: '/data/code/tree' }]);
    expect(sandbox.container).toBe('stem-container');
    expect(sandbox.stemCellId).toBe('stem-1');
    expect(sandbox.currentState.kind).toBe('Starting');
    runtime().waiting();
    runtime().responded('req-1', Buffer.from('"ok"'));
    expect((await running).outcome).toEqual({ kind: 'response', payload: Buffer.from('"ok"') });
  });

  it('restarts the same container after a timeout and delivers the claim again', async () => {
    const { steps, claims, invoke, runtime } = setup({ stemReady: true, timeoutMs: 20 });
    const first = invoke('req-1');
    await until(() => steps.includes('deliver'));
    runtime().waiting();
    expect((await first).outcome).toEqual({ kind: 'timeout' });
    const second = invoke('req-2');
    await until(() => claims.length === 2);
    const restart = steps.slice(steps.indexOf('kill stem-container')).filter((step) => step !== 'drain stem');
    expect(restart).toEqual(['kill stem-container', 'start stem-container', 'deliver']);
    expect(claims[1]).toEqual(claims[0]);
    runtime().waiting();
    runtime().responded('req-2', Buffer.from('1'));
    expect((await second).outcome.kind).toBe('response');
  });

  it('removes its slots after the container, and the stem cell’s resources with its own', async () => {
    const { sandbox, steps, invoke, runtime } = setup({ stemReady: true });
    const running = invoke('req-1');
    await until(() => steps.includes('deliver'));
    runtime().waiting();
    runtime().responded('req-1', Buffer.from('1'));
    await running;
    runtime().waiting();
    steps.length = 0;
    sandbox.retire();
    await until(() => sandbox.currentState.kind === 'Removed');
    expect(steps).toEqual(['remove stem-container', 'release slots', 'release stem disk', 'release stem slot', 'close stem']);
  });

  it('cold-starts with a container of its own when no stem cell is ready, or its plan fits none', async () => {
    for (const options of [{ stemReady: false }, { stemReady: true, stemCell: false }]) {
      const { sandbox, steps, invoke } = setup(options);
      void invoke('req-1');
      await until(() => steps.includes('start own-container'));
      expect(steps).not.toContain('adopt');
      expect(sandbox.stemCellId).toBeUndefined();
    }
  });
});
