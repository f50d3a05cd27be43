import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ContainerSpec } from './container-driver.js';
import { DockerodeContainerDriver } from './dockerode-container-driver.js';
import { DataDirPaths } from './engine-paths.js';

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

describe('fetchMemoryUsage', () => {
  it("reads what the container's memory cgroup is charged now (not its peak), v1 or v2", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'lambdock-cgroup-'));
    try {
      const driver = new DockerodeContainerDriver({} as Dockerode, 'inst', root);
      await mkdir(path.join(root, 'memory', 'docker', 'c1'), { recursive: true });
      await writeFile(path.join(root, 'memory', 'docker', 'c1', 'memory.max_usage_in_bytes'), '52428800\n');
      await writeFile(path.join(root, 'memory', 'docker', 'c1', 'memory.usage_in_bytes'), '9437184\n');
      expect(await driver.fetchMemoryUsage('c1')).toBe(9437184);
      await mkdir(path.join(root, 'system.slice', 'docker-c2.scope'), { recursive: true });
      await writeFile(path.join(root, 'system.slice', 'docker-c2.scope', 'memory.peak'), '52428800\n');
      await writeFile(path.join(root, 'system.slice', 'docker-c2.scope', 'memory.current'), '1048576\n');
      expect(await driver.fetchMemoryUsage('c2')).toBe(1048576);
      expect(await driver.fetchMemoryUsage('gone')).toBeUndefined();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

/**
 * An engine that answers at once and records its calls; a kill or remove also records the freezer state
 * the container's fake cgroup had at that moment (what the engine would have found).
 */
function recordingEngine(root: string) {
  const calls: string[] = [];
  const stateOf = (id: string) => {
    try {
      return readFileSync(path.join(root, 'freezer', 'docker', id, 'freezer.state'), 'utf8');
    } catch {
      return 'none';
    }
  };
  const engine = {
    getContainer: (id: string) => ({
      pause: async () => void calls.push(`pause ${id}`),
      unpause: async () => void calls.push(`unpause ${id}`),
      kill: async () => void calls.push(`kill ${id} (${stateOf(id)})`),
      remove: async () => void calls.push(`remove ${id} (${stateOf(id)})`),
      // Pid 0: not running, so the driver finds no /proc entry to read.
      inspect: async () => ({ State: { Pid: 0, Running: true, Paused: false } }),
    }),
  };
  return { docker: engine as unknown as Dockerode, calls };
}

describe('DockerodeContainerDriver: freezing', () => {
  let root: string;
  const ID = 'a1'.padEnd(64, '0');
  const OTHER = 'b2'.padEnd(64, '0');

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'lambdock-driver-cgroup-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  /** Container `id`'s freezer cgroup, v1 cgroupfs layout (this host's), thawed. */
  function v1Freezer(id: string): string {
    const dir = path.join(root, 'freezer', 'docker', id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'freezer.state'), 'THAWED\n');
    return path.join(dir, 'freezer.state');
  }

  it("mode 'cgroup' freezes and thaws through the container's freezer cgroup, without the engine", async () => {
    const engine = recordingEngine(root);
    const state = v1Freezer(ID);
    const driver = new DockerodeContainerDriver(engine.docker, 'inst', root, { freezeMode: 'cgroup' });
    await driver.pauseContainer(ID);
    expect(readFileSync(state, 'utf8')).toBe('FROZEN');
    await driver.unpauseContainer(ID);
    expect(readFileSync(state, 'utf8')).toBe('THAWED');
    expect(engine.calls).toEqual([]);
  });

  it("mode 'cgroup' on cgroup v2 (systemd layout) writes cgroup.freeze", async () => {
    const engine = recordingEngine(root);
    const dir = path.join(root, 'system.slice', `docker-${ID}.scope`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'cgroup.freeze'), '0\n');
    writeFileSync(path.join(dir, 'cgroup.events'), 'populated 1\nfrozen 1\n');
    const driver = new DockerodeContainerDriver(engine.docker, 'inst', root, { freezeMode: 'cgroup' });
    await driver.pauseContainer(ID);
    expect(readFileSync(path.join(dir, 'cgroup.freeze'), 'utf8')).toBe('1');
    await driver.unpauseContainer(ID);
    expect(readFileSync(path.join(dir, 'cgroup.freeze'), 'utf8')).toBe('0');
    expect(engine.calls).toEqual([]);
  });

  it('thaws a container it froze through its cgroup before the engine kills or removes it', async () => {
    const engine = recordingEngine(root);
    v1Freezer(ID);
    v1Freezer(OTHER);
    const driver = new DockerodeContainerDriver(engine.docker, 'inst', root, { freezeMode: 'cgroup' });
    await driver.pauseContainer(ID);
    await driver.killContainer(ID);
    await driver.pauseContainer(OTHER);
    await driver.removeContainer(OTHER);
    expect(engine.calls).toEqual([`kill ${ID} (THAWED)`, `remove ${OTHER} (THAWED)`]);
  });

  it("falls back to docker pause for a container without a freezer cgroup it can write, and says so once", async () => {
    const engine = recordingEngine(root);
    const told: string[] = [];
    const driver = new DockerodeContainerDriver(engine.docker, 'inst', root, {
      freezeMode: 'cgroup',
      onFreezeFallback: (id, reason) => told.push(`${id}: ${reason}`),
    });
    await driver.pauseContainer(ID);
    await driver.unpauseContainer(ID);
    await driver.pauseContainer(OTHER);
    expect(engine.calls).toEqual([`pause ${ID}`, `unpause ${ID}`, `pause ${OTHER}`]);
    expect(told).toEqual([`${ID}: no writable freezer cgroup of the container under ${root}`]);
  });

  it("mode 'docker' pauses with the engine even where the cgroup could be written", async () => {
    const engine = recordingEngine(root);
    const state = v1Freezer(ID);
    const driver = new DockerodeContainerDriver(engine.docker, 'inst', root);
    await driver.pauseContainer(ID);
    await driver.unpauseContainer(ID);
    expect(engine.calls).toEqual([`pause ${ID}`, `unpause ${ID}`]);
    expect(readFileSync(state, 'utf8')).toBe('THAWED\n');
  });

  it('thaws an orphan frozen through its cgroup (by an earlier run), and leaves a thawed one alone', async () => {
    const engine = recordingEngine(root);
    const frozen = v1Freezer(ID);
    writeFileSync(frozen, 'FROZEN\n');
    const thawed = v1Freezer(OTHER);
    const driver = new DockerodeContainerDriver(engine.docker, 'inst', root);
    expect(await driver.thawOrphan(ID)).toBe(true);
    expect(await driver.thawOrphan(OTHER)).toBe(false);
    expect(await driver.thawOrphan('c3'.padEnd(64, '0'))).toBe(false);
    expect(readFileSync(frozen, 'utf8')).toBe('THAWED');
    expect(readFileSync(thawed, 'utf8')).toBe('THAWED\n');
  });

  it("reads peak memory from the container's memory cgroup, v1 or v2", async () => {
    const engine = recordingEngine(root);
    mkdirSync(path.join(root, 'memory', 'docker', ID), { recursive: true });
    writeFileSync(path.join(root, 'memory', 'docker', ID, 'memory.max_usage_in_bytes'), '12345\n');
    mkdirSync(path.join(root, 'system.slice', `docker-${OTHER}.scope`), { recursive: true });
    writeFileSync(path.join(root, 'system.slice', `docker-${OTHER}.scope`, 'memory.peak'), '678\n');
    const driver = new DockerodeContainerDriver(engine.docker, 'inst', root);
    expect(await driver.fetchPeakMemory(ID)).toBe(12345);
    expect(await driver.fetchPeakMemory(OTHER)).toBe(678);
    expect(await driver.fetchPeakMemory('c3'.padEnd(64, '0'))).toBeUndefined();
  });
});

describe('DockerodeContainerDriver: what a sandbox container is made of', () => {
  const createdWith = async (spec: ContainerSpec, options: ConstructorParameters<typeof DockerodeContainerDriver>[3] = {}) => {
    const asked: Dockerode.ContainerCreateOptions[] = [];
    const docker = {
      createContainer: async (opts: Dockerode.ContainerCreateOptions) => {
        asked.push(opts);
        return { id: 'c1' };
      },
    } as unknown as Dockerode;
    await new DockerodeContainerDriver(docker, 'inst', '/sys/fs/cgroup', options).createContainer(spec);
    return asked[0]?.HostConfig ?? {};
  };

  it("binds the data dir's folders at the engine's path of the data dir, and the others as they are", async () => {
    const host = await createdWith(
      { ...SPEC, codeDir: '/var/lib/lambdock/code/abc', optDir: '/var/lib/lambdock/opt/def', outputDir: '/var/lib/lambdock/output/s1' },
      { enginePaths: new DataDirPaths('/var/lib/lambdock', '/var/lib/docker/volumes/v/_data') },
    );
    expect(host.Binds).toStrictEqual([
      '/var/lib/docker/volumes/v/_data/code/abc:/var/task:ro',
      '/var/lib/docker/volumes/v/_data/opt/def:/opt:ro',
      '/var/lib/docker/volumes/v/_data/output/s1:/var/lambdock:ro',
    ]);
    const hotReload = await createdWith({ ...SPEC, codeDir: '/home/me/fn' }, { enginePaths: new DataDirPaths('/var/lib/lambdock', '/elsewhere') });
    expect(hotReload.Binds).toStrictEqual(['/home/me/fn:/var/task:ro']);
  });

  it('mounts a tmpfs of the size asked at /tmp when there is no scratch volume, keeping the root read-only', async () => {
    const { scratchVolume: _volume, ...withoutVolume } = SPEC;
    const host = await createdWith({ ...withoutVolume, scratchTmpfsMb: 640 });
    expect(host.Mounts).toStrictEqual([]);
    expect(host.Tmpfs).toStrictEqual({ '/tmp': 'rw,exec,nosuid,nodev,size=640m,uid=993,gid=990,mode=0755' });
    expect(host.ReadonlyRootfs).toBe(true);
    expect(host.CapDrop).toStrictEqual(['ALL']);
    expect((await createdWith(SPEC)).Tmpfs).toBeUndefined();
  });
});
