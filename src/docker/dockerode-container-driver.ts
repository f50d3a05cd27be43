import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type Dockerode from 'dockerode';
import { freezeCgroup, findWritableFreezer, isCgroupFreezing, thawCgroup } from './cgroup-freezer.js';
import { getCgroupDirCandidates, getCgroupDirsFromProc, type CgroupDir } from './container-cgroup.js';
import type { ContainerDriver, ContainerExit, ContainerSpec } from './container-driver.js';
import { LABELS, OUTPUT_PIPE_DIR, SANDBOX_GID, SANDBOX_UID } from './container-driver.js';
import { IDENTITY_PATHS, type EnginePaths } from './engine-paths.js';

const COMMAND_TIMEOUT_MS = 30_000;
/** Docker 20.10 races on quick pause/unpause; these messages mean "check the real state and retry". */
const PAUSE_RACE = /already paused|is not paused|cannot resume|cannot pause|not running/i;

export class DockerTimeoutError extends Error {
  override name = 'DockerTimeoutError';
}

/**
 * Runs one engine call with a deadline. At the deadline the call is cancelled (its request aborted) and
 * the caller gets a DockerTimeoutError.
 */
async function withTimeout<T>(call: (signal: AbortSignal) => Promise<T>, what: string, ms: number): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new DockerTimeoutError(`Docker did not finish '${what}' within ${ms} ms`));
      controller.abort();
    }, ms);
  });
  const running = call(controller.signal);
  running.catch(() => undefined);
  try {
    return await Promise.race([running, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface DriverOptions {
  /** Deadline of each engine call. */
  commandTimeoutMs?: number;
  /** Told when a container created after its caller gave up had to be removed (or could not be). */
  onLateCreate?: (name: string, error?: unknown) => void;
  /** How containers are frozen: the engine's `docker pause` (the default), or their freezer cgroup written directly. */
  freezeMode?: 'docker' | 'cgroup';
  /**
   * Told once, the first time freezeMode 'cgroup' cannot freeze a container through its cgroup (no
   * writable freezer file: lambdock in a container without the host's cgroupfs, a rootless engine…) and
   * `docker pause` freezes it instead.
   */
  onFreezeFallback?: (id: string, reason: string) => void;
  /** How the engine sees the folders bind-mounted into sandboxes (lambdock in a container); the same paths by default. */
  enginePaths?: EnginePaths;
}

/**
 * A tmpfs /tmp as the loop disk would be: owned by the sandbox user, executables allowed (the engine's
 * default for a tmpfs is noexec), limited to the function's EphemeralStorage.
 */
export function getTmpfsOptions(sizeMb: number): string {
  return `rw,exec,nosuid,nodev,size=${sizeMb}m,uid=${SANDBOX_UID},gid=${SANDBOX_GID},mode=0755`;
}

/** Errors of a cgroup write that mean "not ours to write", not "the container is gone". */
const REFUSED_WRITE = new Set(['EACCES', 'EPERM', 'EROFS']);

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

/** The one ContainerDriver implementation, on dockerode. */
export class DockerodeContainerDriver implements ContainerDriver {
  private readonly exitListeners = new Set<(id: string, atMs: number) => void>();
  private events: NodeJS.ReadableStream | undefined;
  private lastEventTime: number | undefined;
  private readonly seenEvents = new Set<string>();
  private closed = false;
  private readonly timeoutMs: number;
  private readonly onLateCreate: (name: string, error?: unknown) => void;
  /** Which of getCgroupDirCandidates last gave a peak memory (tried first from then on). */
  private memoryCandidate: number | undefined;
  private readonly freezeMode: 'docker' | 'cgroup';
  private readonly onFreezeFallback: (id: string, reason: string) => void;
  private fallbackTold = false;
  private readonly enginePaths: EnginePaths;
  /** freezeMode 'cgroup': each container's freezer cgroup, or 'docker' where it has none lambdock can write. */
  private readonly freezers = new Map<string, CgroupDir | 'docker'>();
  /**
   * The containers frozen through their cgroup right now. The engine does not know they are frozen (it
   * lists them running), so everything that must reach their processes thaws them first: a frozen task
   * does not see a SIGTERM until it is thawed, and on cgroup v1 does not even die of SIGKILL (runc 1.1
   * and later thaw a frozen container they SIGKILL; older ones, and other runtimes, wait for it to die).
   */
  private readonly cgroupFrozen = new Map<string, { cgroup: CgroupDir; freezing: AbortController }>();

  constructor(
    private readonly docker: Dockerode,
    private readonly instanceId: string,
    private readonly cgroupRoot = '/sys/fs/cgroup',
    options: DriverOptions = {},
  ) {
    this.timeoutMs = options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS;
    this.onLateCreate = options.onLateCreate ?? (() => undefined);
    this.freezeMode = options.freezeMode ?? 'docker';
    this.onFreezeFallback = options.onFreezeFallback ?? (() => undefined);
    this.enginePaths = options.enginePaths ?? IDENTITY_PATHS;
  }

  private run<T>(call: (signal: AbortSignal) => Promise<T>, what: string): Promise<T> {
    return withTimeout(call, what, this.timeoutMs);
  }

  /**
   * Not cancelled at its deadline: the engine may finish a create whose request was aborted, and the
   * id would be lost. The caller gets a DockerTimeoutError; a container that turns up later is removed,
   * with the /tmp volume the engine would otherwise keep for it.
   */
  async createContainer(spec: ContainerSpec): Promise<string> {
    const creating = this.docker.createContainer(this.createOptions(spec));
    let timer: NodeJS.Timeout | undefined;
    let abandoned = false;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abandoned = true;
        reject(new DockerTimeoutError(`Docker did not finish 'create' within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    creating.then(
      (late) => {
        if (abandoned) void this.removeLate(late.id, spec);
      },
      () => undefined,
    );
    try {
      return (await Promise.race([creating, timeout])).id;
    } finally {
      clearTimeout(timer);
    }
  }

  private async removeLate(id: string, spec: ContainerSpec): Promise<void> {
    try {
      await this.removeContainer(id);
      if (spec.scratchVolume !== undefined) {
        await this.docker
          .getVolume(spec.scratchVolume)
          .remove()
          .catch((error: unknown) => {
            // Gone already, or still someone's: either way not the late container's to remove.
            if (statusOf(error) !== 404 && statusOf(error) !== 409) throw error;
          });
      }
      this.onLateCreate(spec.name);
    } catch (error) {
      this.onLateCreate(spec.name, error);
    }
  }

  private createOptions(spec: ContainerSpec): Dockerode.ContainerCreateOptions {
    const bind = (local: string) => this.enginePaths.toEngine(local);
    return {
      name: spec.name,
      Image: spec.image,
      Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      ...(spec.entrypoint === undefined ? {} : { Entrypoint: spec.entrypoint }),
      Labels: spec.labels,
      User: spec.user,
      ...(spec.workingDir === undefined ? {} : { WorkingDir: spec.workingDir }),
      AttachStdout: true,
      AttachStderr: true,
      HostConfig: {
        Init: true,
        Memory: spec.memoryBytes,
        MemorySwap: spec.memoryBytes,
        CpuShares: spec.cpuShares,
        PidsLimit: spec.pidsLimit,
        ReadonlyRootfs: true,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 1024 }],
        NetworkMode: spec.networkMode,
        LogConfig: { Type: 'none', Config: {} },
        Binds: [
          // A hot-reload folder is the user's host path, outside the data dir: toEngine leaves it as it is.
          ...(spec.codeDir === undefined ? [] : [`${bind(spec.codeDir)}:/var/task:ro`]),
          ...(spec.optDir === undefined ? [] : [`${bind(spec.optDir)}:/opt:ro`]),
          ...(spec.outputDir === undefined ? [] : [`${bind(spec.outputDir)}:${OUTPUT_PIPE_DIR}:ro`]),
        ],
        Mounts: spec.scratchVolume === undefined ? [] : [{ Type: 'volume', Source: spec.scratchVolume, Target: '/tmp' }],
        ...(spec.scratchTmpfsMb === undefined ? {} : { Tmpfs: { '/tmp': getTmpfsOptions(spec.scratchTmpfsMb) } }),
      },
    };
  }

  async startContainer(id: string): Promise<void> {
    await this.run((abortSignal) => this.docker.getContainer(id).start({ abortSignal }), 'start');
  }

  async fetchAddress(id: string, network: string): Promise<string> {
    const info = await this.run((abortSignal) => this.docker.getContainer(id).inspect({ abortSignal }), 'inspect');
    const address = info.NetworkSettings.Networks[network]?.IPAddress;
    if (!address) throw new Error(`container ${id} has no address on network ${network}`);
    return address;
  }

  async pauseContainer(id: string): Promise<void> {
    const cgroup = this.freezeMode === 'cgroup' ? await this.loadFreezer(id) : 'docker';
    if (cgroup === 'docker') return this.freezeOp(id, 'pause');
    // Recorded before the freeze begins: a removal that comes meanwhile (a shutdown) stops it and thaws.
    const freezing = new AbortController();
    this.cgroupFrozen.set(id, { cgroup, freezing });
    try {
      await freezeCgroup(cgroup, { signal: freezing.signal });
    } catch (error) {
      if (this.cgroupFrozen.get(id)?.freezing === freezing) this.cgroupFrozen.delete(id);
      const code = (error as NodeJS.ErrnoException).code;
      if (code === undefined || !REFUSED_WRITE.has(code)) throw error;
      this.fallBack(id, `writing ${cgroup.dir} was refused (${code})`);
      await this.freezeOp(id, 'pause');
    }
  }

  async unpauseContainer(id: string): Promise<void> {
    const frozen = this.cgroupFrozen.get(id);
    if (frozen === undefined) return this.freezeOp(id, 'unpause');
    thawCgroup(frozen.cgroup);
    this.cgroupFrozen.delete(id);
  }

  /** Where container `id` is frozen through its cgroup, found once; 'docker' when it has no cgroup lambdock can write. */
  private async loadFreezer(id: string): Promise<CgroupDir | 'docker'> {
    const known = this.freezers.get(id);
    if (known !== undefined) return known;
    const found = await this.findFreezer(id);
    if (found === undefined) {
      this.fallBack(id, `no writable freezer cgroup of the container under ${this.cgroupRoot}`);
      return 'docker';
    }
    this.freezers.set(id, found);
    return found;
  }

  /** The engine's usual layouts first (no engine call), then the cgroup the container's init process is in. */
  private async findFreezer(id: string): Promise<CgroupDir | undefined> {
    const usual = findWritableFreezer(getCgroupDirCandidates(this.cgroupRoot, id, 'freezer'));
    if (usual !== undefined) return usual;
    const info = await this.run((abortSignal) => this.docker.getContainer(id).inspect({ abortSignal }), 'inspect');
    if (!(info.State.Pid > 0)) return undefined;
    const procCgroup = await readFile(`/proc/${info.State.Pid}/cgroup`, 'utf8').catch(() => '');
    return findWritableFreezer(getCgroupDirsFromProc(procCgroup, this.cgroupRoot, id, 'freezer'));
  }

  private fallBack(id: string, reason: string): void {
    this.freezers.set(id, 'docker');
    if (this.fallbackTold) return;
    this.fallbackTold = true;
    this.onFreezeFallback(id, reason);
  }

  /** Thaws a container this driver froze through its cgroup, before the engine is asked to stop it. */
  private thawForEngine(id: string): void {
    const frozen = this.cgroupFrozen.get(id);
    if (frozen === undefined) return;
    frozen.freezing.abort();
    try {
      thawCgroup(frozen.cgroup);
    } catch (error) {
      // Gone with its container: nothing left to thaw.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    this.cgroupFrozen.delete(id);
  }

  /**
   * Thaws container `id` when its freezer cgroup is frozen behind the engine's back (an earlier lambdock
   * froze it through the cgroup and ended without thawing it): the engine could neither stop nor remove
   * it. For the sweep of orphans, which goes to the engine directly; a container the engine lists as
   * paused is the engine's to thaw. Answers whether there was anything to thaw.
   */
  async thawOrphan(id: string): Promise<boolean> {
    const known = this.cgroupFrozen.has(id);
    this.thawForEngine(id);
    const cgroup = await this.findFreezer(id).catch(() => undefined);
    if (cgroup === undefined || !isCgroupFreezing(cgroup)) return known;
    thawCgroup(cgroup);
    return true;
  }

  /** pause/unpause, recovering from Docker 20.10's state races by reading the cgroup freezer. */
  private async freezeOp(id: string, op: 'pause' | 'unpause'): Promise<void> {
    const container = this.docker.getContainer(id);
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.run((abortSignal) => (op === 'pause' ? container.pause({ abortSignal }) : container.unpause({ abortSignal })), op);
        return;
      } catch (error) {
        if (!PAUSE_RACE.test(String((error as Error).message)) || attempt >= 3) throw error;
        const info = await this.run((abortSignal) => container.inspect({ abortSignal }), 'inspect');
        if (info.State.Paused === (op === 'pause')) return;
        if (!info.State.Running) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 * (attempt + 1)));
      }
    }
  }

  async killContainer(id: string, signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    this.thawForEngine(id);
    try {
      await this.run((abortSignal) => this.docker.getContainer(id).kill({ signal, abortSignal }), 'kill');
    } catch (error) {
      // 409: not running any more, which is what we wanted.
      if (statusOf(error) !== 409) throw error;
    }
  }

  async removeContainer(id: string): Promise<void> {
    this.thawForEngine(id);
    try {
      await this.run((abortSignal) => this.docker.getContainer(id).remove({ force: true, v: true, abortSignal }), 'remove');
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
    this.freezers.delete(id);
  }

  async fetchExit(id: string): Promise<ContainerExit> {
    const info = await this.run((abortSignal) => this.docker.getContainer(id).inspect({ abortSignal }), 'inspect');
    return { exitCode: info.State.ExitCode, oomKilled: info.State.OOMKilled };
  }

  async waitForExit(id: string): Promise<ContainerExit> {
    const result = (await this.run(
      (abortSignal) => this.docker.getContainer(id).wait({ condition: 'not-running', abortSignal }),
      'wait',
    )) as {
      StatusCode: number;
    };
    return { exitCode: result.StatusCode, oomKilled: false };
  }

  fetchPeakMemory(id: string): Promise<number | undefined> {
    return Promise.resolve(this.readMemoryCounter(id, 'peak'));
  }

  fetchMemoryUsage(id: string): Promise<number | undefined> {
    return Promise.resolve(this.readMemoryCounter(id, 'usage'));
  }

  /**
   * One of the memory cgroup's counters of container `id`, in bytes: its high-water mark or what it is
   * charged now. The peak is read after every invocation (its REPORT line), the usage as it freezes. The
   * file is a kernel counter, not disk: a synchronous read costs a few microseconds, where the promise
   * API's open, stat, read and close each went through the thread pool (a tenth of a millisecond of this
   * process's CPU per invocation, measured). The layout that answered once is tried first from then on.
   */
  private readMemoryCounter(id: string, counter: 'peak' | 'usage'): number | undefined {
    const names = counter === 'peak' ? { 1: 'memory.max_usage_in_bytes', 2: 'memory.peak' } : { 1: 'memory.usage_in_bytes', 2: 'memory.current' };
    const files = getCgroupDirCandidates(this.cgroupRoot, id, 'memory').map(({ version, dir }) => `${dir}/${names[version]}`);
    const remembered = this.memoryCandidate;
    const order = files.map((_, index) => index);
    if (remembered !== undefined) order.sort((a, b) => Number(b === remembered) - Number(a === remembered));
    for (const index of order) {
      try {
        const value = Number(readFileSync(files[index] ?? '', 'utf8').trim());
        if (Number.isFinite(value)) {
          this.memoryCandidate = index;
          return value;
        }
      } catch {
        // not this layout
      }
    }
    return undefined;
  }

  watchExits(onExit: (id: string, atMs: number) => void): () => void {
    this.exitListeners.add(onExit);
    return () => this.exitListeners.delete(onExit);
  }

  /** Subscribes to the engine's container events; call once before creating containers. */
  async openEvents(): Promise<void> {
    if (this.closed) return;
    const filters = { type: ['container' as const], event: ['die'], label: [`${LABELS.instance}=${this.instanceId}`] };
    try {
      // After a reconnect, replay from the last event seen so none is lost in the gap.
      const since = this.lastEventTime;
      const stream = await this.docker.getEvents(since === undefined ? { filters } : { filters, since });
      this.events = stream;
      let partial = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) this.onEvent(line);
      });
      let reopened = false;
      const reopen = () => {
        if (reopened) return;
        reopened = true;
        this.events = undefined;
        if (!this.closed) setTimeout(() => void this.openEvents(), 200).unref();
      };
      stream.on('end', reopen);
      stream.on('error', reopen);
    } catch {
      this.events = undefined;
      if (!this.closed) setTimeout(() => void this.openEvents(), 1000).unref();
    }
  }

  private onEvent(line: string): void {
    if (line.trim() === '') return;
    let event: { id?: string; time?: number; timeNano?: number };
    try {
      event = JSON.parse(line) as { id?: string; time?: number; timeNano?: number };
    } catch {
      return;
    }
    // A replay after a reconnect repeats the events of the last second: report each once.
    const key = `${event.id}:${event.timeNano}`;
    if (this.seenEvents.has(key)) return;
    this.seenEvents.add(key);
    if (this.seenEvents.size > 256) this.seenEvents.delete(this.seenEvents.values().next().value as string);
    if (event.time !== undefined) this.lastEventTime = event.time;
    const id = event.id;
    const atMs = event.timeNano !== undefined ? event.timeNano / 1e6 : Date.now();
    if (id !== undefined) for (const listener of this.exitListeners) listener(id, atMs);
  }

  close(): void {
    this.closed = true;
    (this.events as { destroy?: () => void } | undefined)?.destroy?.();
    this.events = undefined;
  }
}
