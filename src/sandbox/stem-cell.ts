import type { ContainerSpec, NetworkSlot, OutputPipe, ScratchDisk, ScratchMount } from '../docker/container-driver.js';

/**
 * What a stem cell is made of, as the environment plan sees it: a function whose every container setting
 * a running generic container can take (the runtime's image, a memory class, the default /tmp) fits the
 * stem cells of one key, and gets its code, handler and environment variables only at claim.
 */
export interface StemCellFit {
  /** Stem cells of one key are interchangeable: the image, the memory class, the /tmp size. */
  key: string;
  /**
   * How the parked runtime takes its function: `node`, in the process already running (the Node.js
   * shim); `exec`, by a shell shim that execs the image's bootstrap with the function's environment.
   */
  shim: StemShimKind;
  memoryMb: number;
  tmpMb: number;
  /** The generic container of a stem cell of this key, given the resources made for it. */
  containerSpec(resources: StemCellResources): ContainerSpec;
}

export type StemShimKind = 'node' | 'exec';

export interface StemCellResources {
  stemId: string;
  /** Its /tmp: an engine volume or a tmpfs (LAMBDOCK_TMP). */
  scratch: ScratchMount;
  /** `container:<holder id>`. */
  networkMode: string;
  /** The output pipe's host folder (the claim pipe and the shim live there too). */
  outputDir: string;
  /** The empty slot folders bind-mounted at /var/task and /opt, filled at claim. */
  codeDir: string;
  optDir: string;
}

/** What a claim hands a stem cell's runtime: the function's code and its environment. */
export interface StemClaim {
  env: Record<string, string>;
  /** Host folders whose trees fill the slots at /var/task and /opt (hard links: same data dir). */
  codeDir?: string;
  optDir?: string;
}

/**
 * A started generic runtime container parked before its runtime loads any function, with the resources
 * a sandbox would otherwise make at its cold start. Claimed once: it serves one function for life.
 */
export interface StemCell {
  readonly id: string;
  readonly key: string;
  readonly containerId: string;
  readonly scratchDisk: ScratchDisk;
  readonly networkSlot: NetworkSlot;
  readonly output: OutputPipe;
  /** False once its container stopped before a claim (it can serve nobody). */
  readonly alive: boolean;
  /**
   * Fills the slots with the function's code and hands the runtime its environment; after a restart of
   * the container (a reset) the same again (the slots are filled already).
   */
  deliver(claim: StemClaim): Promise<void>;
  /** The claimer took over its container and resources: the stem cell stops watching them. */
  adopt(): void;
  /** Removes what only the stem cell has: the slots and the claim pipe (a claimer removes the rest itself). */
  releaseSlots(): Promise<void>;
  /** Removes everything (a stem cell nobody claimed). */
  release(): Promise<void>;
}

/** Makes stem cells (the engine's side: resources, container, shim). */
export interface StemCellFactory {
  createStemCell(fit: StemCellFit): Promise<StemCell>;
}

/** Where sandboxes take stem cells from (StemCellPool is the implementation). */
export interface StemCellSource {
  /** A parked stem cell of the fit's key, taken for good, or undefined (the caller cold-starts normally). */
  take(fit: StemCellFit): StemCell | undefined;
  /** A parked stem cell of `key` is ready now (a new environment of it brings its own memory). */
  has(key: string): boolean;
  /** Memory and /tmp (MB) the stem cells hold, parked and being made: they count in the worker's budget. */
  readonly held: { memoryMb: number; tmpMb: number };
  /** Removes parked stem cells (the longest unused keys first) until `memoryMb` and `tmpMb` are freed or none is left. */
  shrink(need: { memoryMb: number; tmpMb: number }): void;
}
