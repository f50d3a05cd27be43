import { readFile } from 'node:fs/promises';
import type Dockerode from 'dockerode';
import type { ContainerDriver, ContainerExit, ContainerSpec, OutputStream } from './container-driver.js';
import { LABELS, OUTPUT_PIPE_DIR } from './container-driver.js';
import { FrameDemuxer } from './frame-demuxer.js';

const COMMAND_TIMEOUT_MS = 30_000;
/** Docker 20.10 races on quick pause/unpause; these messages mean "check the real state and retry". */
const PAUSE_RACE = /already paused|is not paused|cannot resume|cannot pause|not running/i;

async function withTimeout<T>(promise: Promise<T>, what: string, ms = COMMAND_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Docker did not finish '${what}' within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

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

  constructor(
    private readonly docker: Dockerode,
    private readonly instanceId: string,
    private readonly cgroupRoot = '/sys/fs/cgroup',
  ) {}

  async createContainer(spec: ContainerSpec): Promise<string> {
    const container = await withTimeout(
      this.docker.createContainer({
        name: spec.name,
        Image: spec.image,
        Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
        ...(spec.entrypoint === undefined ? {} : { Entrypoint: spec.entrypoint }),
        Labels: spec.labels,
        User: spec.user,
        WorkingDir: '/var/task',
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
            ...(spec.codeDir === undefined ? [] : [`${spec.codeDir}:/var/task:ro`]),
            ...(spec.outputDir === undefined ? [] : [`${spec.outputDir}:${OUTPUT_PIPE_DIR}:ro`]),
          ],
          Mounts: spec.scratchVolume === undefined ? [] : [{ Type: 'volume', Source: spec.scratchVolume, Target: '/tmp' }],
        },
      }),
      'create',
    );
    return container.id;
  }

  async attachOutput(id: string, onOutput: (stream: OutputStream, chunk: Buffer) => void): Promise<void> {
    const stream = (await withTimeout(
      this.docker.getContainer(id).attach({ stream: true, stdout: true, stderr: true, logs: false }),
      'attach',
    )) as NodeJS.ReadableStream;
    const demuxer = new FrameDemuxer(onOutput);
    stream.on('data', (chunk: Buffer) => demuxer.push(chunk));
    stream.on('error', () => undefined);
  }

  async startContainer(id: string): Promise<void> {
    await withTimeout(this.docker.getContainer(id).start(), 'start');
  }

  async fetchAddress(id: string, network: string): Promise<string> {
    const info = await withTimeout(this.docker.getContainer(id).inspect(), 'inspect');
    const address = info.NetworkSettings.Networks[network]?.IPAddress;
    if (!address) throw new Error(`container ${id} has no address on network ${network}`);
    return address;
  }

  async pauseContainer(id: string): Promise<void> {
    await this.freezeOp(id, 'pause');
  }

  async unpauseContainer(id: string): Promise<void> {
    await this.freezeOp(id, 'unpause');
  }

  /** pause/unpause, recovering from Docker 20.10's state races by reading the cgroup freezer. */
  private async freezeOp(id: string, op: 'pause' | 'unpause'): Promise<void> {
    const container = this.docker.getContainer(id);
    for (let attempt = 0; ; attempt += 1) {
      try {
        await withTimeout(op === 'pause' ? container.pause() : container.unpause(), op);
        return;
      } catch (error) {
        if (!PAUSE_RACE.test(String((error as Error).message)) || attempt >= 3) throw error;
        const info = await container.inspect();
        if (info.State.Paused === (op === 'pause')) return;
        if (!info.State.Running) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 * (attempt + 1)));
      }
    }
  }

  async killContainer(id: string): Promise<void> {
    try {
      await withTimeout(this.docker.getContainer(id).kill({ signal: 'SIGKILL' }), 'kill');
    } catch (error) {
      // 409: not running any more, which is what we wanted.
      if (statusOf(error) !== 409) throw error;
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await withTimeout(this.docker.getContainer(id).remove({ force: true }), 'remove');
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }

  async fetchExit(id: string): Promise<ContainerExit> {
    const info = await withTimeout(this.docker.getContainer(id).inspect(), 'inspect');
    return { exitCode: info.State.ExitCode, oomKilled: info.State.OOMKilled };
  }

  async waitForExit(id: string): Promise<ContainerExit> {
    const result = (await withTimeout(this.docker.getContainer(id).wait({ condition: 'not-running' }), 'wait')) as {
      StatusCode: number;
    };
    return { exitCode: result.StatusCode, oomKilled: false };
  }

  async fetchPeakMemory(id: string): Promise<number | undefined> {
    const root = this.cgroupRoot;
    const candidates = [
      `${root}/memory/docker/${id}/memory.max_usage_in_bytes`,
      `${root}/docker/${id}/memory.peak`,
      `${root}/system.slice/docker-${id}.scope/memory.peak`,
    ];
    for (const file of candidates) {
      try {
        const value = Number((await readFile(file, 'utf8')).trim());
        if (Number.isFinite(value)) return value;
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
