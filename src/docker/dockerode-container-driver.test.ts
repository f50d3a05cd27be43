import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ContainerSpec } from './container-driver.js';
import { DockerodeContainerDriver } from './dockerode-container-driver.js';

const SPEC: ContainerSpec = {
  name: 'lambdock-sbx-1',
  image: 'img',
  env: {},
  labels: {},
  user: '993:990',
  memoryBytes: 128 * 1024 * 1024,
  cpuShares: 128,
  pidsLimit: 64,
  networkMode: 'container:holder',
  scratchVolume: 'lambdock-tmp-1',
};

/** An engine whose calls answer only when the test says so; records what it was asked. */
function slowEngine() {
  let answerCreate: (value: { id: string }) => void = () => undefined;
  const removedContainers: string[] = [];
  const removedVolumes: string[] = [];
  const signals: AbortSignal[] = [];
  const engine = {
    createContainer: () => new Promise<{ id: string }>((resolve) => (answerCreate = resolve)),
    getContainer: (id: string) => ({
      remove: async () => {
        removedContainers.push(id);
      },
      inspect: (opts: { abortSignal: AbortSignal }) => {
        signals.push(opts.abortSignal);
        return new Promise((_, reject) => opts.abortSignal.addEventListener('abort', () => reject(new Error('aborted'))));
      },
    }),
    getVolume: (name: string) => ({
      remove: async () => {
        removedVolumes.push(name);
      },
    }),
  };
  return {
    docker: engine as unknown as Dockerode,
    answerCreate: (id: string) => answerCreate({ id }),
    removedContainers,
    removedVolumes,
    signals,
  };
}

describe('DockerodeContainerDriver: engine calls past their deadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('removes a container the engine creates after its caller gave up, and the /tmp volume it holds', async () => {
    const engine = slowEngine();
    const late: Array<[string, unknown]> = [];
    const driver = new DockerodeContainerDriver(engine.docker, 'inst', '/sys/fs/cgroup', {
      commandTimeoutMs: 1_000,
      onLateCreate: (name, error) => late.push([name, error]),
    });
    const creating = driver.createContainer(SPEC).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(31_000);
    expect(await creating).toMatchObject({ name: 'DockerTimeoutError', message: expect.stringContaining("'create'") });
    expect(engine.removedContainers).toEqual([]);
    engine.answerCreate('late-container');
    await vi.advanceTimersByTimeAsync(10);
    expect(engine.removedContainers).toEqual(['late-container']);
    expect(engine.removedVolumes).toEqual(['lambdock-tmp-1']);
    expect(late).toEqual([['lambdock-sbx-1', undefined]]);
  });

  it('keeps a container created in time', async () => {
    const engine = slowEngine();
    const driver = new DockerodeContainerDriver(engine.docker, 'inst', '/sys/fs/cgroup', { commandTimeoutMs: 1_000 });
    const creating = driver.createContainer(SPEC);
    engine.answerCreate('on-time');
    await expect(creating).resolves.toBe('on-time');
    await vi.advanceTimersByTimeAsync(31_000);
    expect(engine.removedContainers).toEqual([]);
  });

  it('cancels a call that does not answer by its deadline', async () => {
    const engine = slowEngine();
    const driver = new DockerodeContainerDriver(engine.docker, 'inst', '/sys/fs/cgroup', { commandTimeoutMs: 1_000 });
    const fetching = driver.fetchAddress('c1', 'bridge').catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(500);
    expect(engine.signals.map((s) => s.aborted)).toEqual([false]);
    await vi.advanceTimersByTimeAsync(30_600);
    expect(await fetching).toMatchObject({ name: 'DockerTimeoutError', message: "Docker did not finish 'inspect' within 1000 ms" });
    expect(engine.signals.map((s) => s.aborted)).toEqual([true]);
  });
});

describe('fetchPeakMemory', () => {
  it('reads the peak from whichever cgroup layout the host has, and stays with it', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'lambdock-cgroup-'));
    try {
      const driver = new DockerodeContainerDriver({} as Dockerode, 'inst', root);
      // cgroup v2 with the systemd driver (the last layout tried).
      await mkdir(path.join(root, 'system.slice', 'docker-c1.scope'), { recursive: true });
      await writeFile(path.join(root, 'system.slice', 'docker-c1.scope', 'memory.peak'), '52428800\n');
      expect(await driver.fetchPeakMemory('c1')).toBe(52428800);
      await writeFile(path.join(root, 'system.slice', 'docker-c1.scope', 'memory.peak'), '62914560\n');
      expect(await driver.fetchPeakMemory('c1')).toBe(62914560);
      // Another layout still answers (the remembered one is only tried first).
      await mkdir(path.join(root, 'memory', 'docker', 'c2'), { recursive: true });
      await writeFile(path.join(root, 'memory', 'docker', 'c2', 'memory.max_usage_in_bytes'), '1048576');
      expect(await driver.fetchPeakMemory('c2')).toBe(1048576);
      expect(await driver.fetchPeakMemory('gone')).toBeUndefined();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
