/**
 * lambdock's own view of a container engine. The sandbox code depends on this interface only; the one
 * implementation (DockerodeContainerDriver) is constructed in main/.
 */
export interface ContainerSpec {
  name: string;
  image: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  /** uid:gid the runtime runs as (never root). */
  user: string;
  memoryBytes: number;
  /** Relative CPU weight (1024 = one vCPU's share). */
  cpuShares: number;
  pidsLimit: number;
  /** A network name, or `container:<id>` to join another container's network namespace. */
  networkMode: string;
  /** Host folder mounted read-only at /var/task. */
  codeDir?: string;
  /** Host folder mounted read-only at /opt (the function's layers); the image's empty /opt without. */
  optDir?: string;
  /** Engine volume mounted at /tmp. */
  scratchVolume?: string;
  /** Without a scratch volume: a tmpfs of this many MB at /tmp. */
  scratchTmpfsMb?: number;
  /** Replaces the image's entrypoint (and so its CMD). */
  entrypoint?: string[];
  /** Where the command runs; the image's WORKDIR without. */
  workingDir?: string;
  /** Host folder holding the output pipe, mounted read-only at OUTPUT_PIPE_DIR. */
  outputDir?: string;
}

/** Where a sandbox's output pipe appears inside its container (the FIFO the runtime's stdout/stderr go to). */
export const OUTPUT_PIPE_DIR = '/var/lambdock';
export const OUTPUT_PIPE_PATH = `${OUTPUT_PIPE_DIR}/output`;

/**
 * A stem cell's files, in its output pipe's folder (so its container needs no mount of its own): the shim
 * its runtime runs until it is claimed, the wrapper that starts it, and the pipe the claim comes through.
 */
export const STEM_CELL_FILES = {
  wrapper: 'stem-wrapper',
  shim: 'stem.mjs',
  /** The shell shim of the runtimes whose bootstrap starts a process of its own. */
  execShim: 'stem.sh',
  /** A one-line CommonJS handler the shim loads before it parks (the module loader's first use). */
  warm: 'stem-warm.cjs',
  claim: 'claim',
} as const;

export type OutputStream = 'stdout' | 'stderr';

export interface ContainerExit {
  exitCode: number;
  oomKilled: boolean;
}

export interface ContainerDriver {
  createContainer(spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** The container's address on `network` (it changes when a stopped container starts again). */
  fetchAddress(id: string, network: string): Promise<string>;
  pauseContainer(id: string): Promise<void>;
  unpauseContainer(id: string): Promise<void>;
  /** SIGKILL by default; SIGTERM asks the runtime to stop (shutdown with extensions). */
  killContainer(id: string, signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  removeContainer(id: string): Promise<void>;
  fetchExit(id: string): Promise<ContainerExit>;
  /** Waits until the container is not running (at once if it is not) and returns how it ended. */
  waitForExit(id: string): Promise<ContainerExit>;
  /** Peak memory of the container's cgroup in bytes, when the host exposes it. */
  fetchPeakMemory(id: string): Promise<number | undefined>;
  /** What the container's memory cgroup is charged now in bytes (anonymous memory and page cache), when the host exposes it. */
  fetchMemoryUsage(id: string): Promise<number | undefined>;
  /**
   * Calls `onExit` whenever a container of this installation stops, with the engine's time of the stop
   * (epoch ms, the host's clock). Returns the unsubscribe.
   */
  watchExits(onExit: (id: string, atMs: number) => void): () => void;
}

/**
 * A pipe the container's stdout and stderr are redirected to, read by lambdock directly (not through the
 * engine's attach stream, which trails the Runtime API): `drain` reads synchronously what is already in
 * it, so everything the runtime wrote before an HTTP request is delivered before that request is handled.
 */
export interface OutputPipe {
  /** Host folder to mount into the container (ContainerSpec.outputDir). */
  readonly hostDir: string;
  /** Delivers output as it arrives, from now on. */
  read(onOutput: (chunk: Buffer) => void): void;
  /** Delivers, synchronously, everything written to the pipe so far. */
  drain(): void;
  close(): Promise<void>;
}

export interface OutputPipeProvider {
  createOutputPipe(sandboxId: string): Promise<OutputPipe>;
}

/**
 * What a sandbox's size-limited /tmp is: an engine volume (a loop-mounted ext4 image, outside the memory
 * cgroup), or a tmpfs of that size (where no loop device can be had; its pages are the function's memory).
 */
export type ScratchMount = { volume: string } | { tmpfsMb: number };

/** A sandbox's /tmp; `allocatedBytes`: the host disk space it takes now (a sparse image file), when known. */
export type ScratchDisk = ScratchMount & { release(): Promise<void>; allocatedBytes?(): number | undefined };

/** A /tmp disk that is an engine volume (a loop device's). */
export interface VolumeScratchDisk {
  volume: string;
  release(): Promise<void>;
  /** The host disk space the disk takes now in bytes (its image file is sparse), when known. */
  allocatedBytes?(): number | undefined;
}

export interface VolumeScratchDiskProvider extends ScratchDiskProvider {
  createScratchDisk(sizeMb: number, labels: Record<string, string>): Promise<VolumeScratchDisk>;
}

/** The ContainerSpec fields of a scratch mount. */
export function getScratchSpec(mount: ScratchMount): Pick<ContainerSpec, 'scratchVolume' | 'scratchTmpfsMb'> {
  return 'volume' in mount ? { scratchVolume: mount.volume } : { scratchTmpfsMb: mount.tmpfsMb };
}

export interface ScratchDiskProvider {
  createScratchDisk(sizeMb: number, labels: Record<string, string>): Promise<ScratchDisk>;
}

/**
 * A network namespace of a sandbox's own, held by a tiny container that the sandbox joins
 * (`container:<id>`), like Kubernetes' pause container. Joining an existing namespace skips the engine's
 * network setup at start, the largest part of a cold start.
 */
export interface NetworkSlot {
  holderId: string;
  /** The address the sandbox's traffic comes from. */
  address: string;
  release(): Promise<void>;
}

export interface NetworkSlotProvider {
  acquireNetworkSlot(): Promise<NetworkSlot>;
}

/** uid:gid of the sandbox user (AWS's sbx_user1051): runtimes run as it, and it owns each /tmp. */
export const SANDBOX_UID = 993;
export const SANDBOX_GID = 990;

export const LABELS = {
  managed: 'lambdock.managed',
  instance: 'lambdock.instance',
  function: 'lambdock.function',
  sandbox: 'lambdock.sandbox',
  role: 'lambdock.role',
  /** A stem cell's id: its container was made generic, for whichever function claims it. */
  stemCell: 'lambdock.stem-cell',
} as const;
