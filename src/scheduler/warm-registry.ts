/** How many environments of one environment key a worker holds. */
export interface Occupancy {
  /** Free for an invocation now. */
  idle: number;
  /** Every one of them, busy or not. */
  all: number;
}

/** Where the api would send an invocation of one environment key, from the workers' reports. */
export interface WarmClaim {
  /** A worker that reported an idle environment of the key, one of which is now claimed. */
  warm?: string;
  /** The worker holding the most environments of the key, busy or not. */
  most?: string;
}

/**
 * The warm registry: which worker holds idle environments of which function version. Workers report
 * their counts as they change; api processes read them to place invocations.
 */
export interface WarmRegistry {
  /** Worker side: this worker's count for `key` now (written soon, coalesced). */
  report(key: string, occupancy: Occupancy): void;
  /** Api side: claims an idle environment of `key` among `workerIds` (preferred first). */
  claim(key: string, workerIds: readonly string[]): Promise<WarmClaim>;
  /** Api side: gives back a claim that was not used. */
  unclaim(key: string, workerId: string): void;
  /** Worker side: removes this worker's counts (it stops). */
  withdraw(): Promise<void>;
}
