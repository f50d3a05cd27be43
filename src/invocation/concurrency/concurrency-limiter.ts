/** A held concurrency slot: released once, when its invocation is over. */
export interface ConcurrencyLease {
  /** The lease's id, for another process to adopt (see handOver). */
  readonly id: string;
  release(): void;
  /**
   * Stops holding it here without returning it: another process adopts it by id (an api hands the lease it
   * took to the worker that runs the invocation). Unless adopted, it lapses as a dead holder's would.
   */
  handOver(): string;
}

/** Where invocations take their concurrency slots: the account's and, for a function that has one, its reservation. */
export interface ConcurrencyLimiter {
  /** A slot for one invocation of `functionName`; a TooManyRequestsException (429) past a limit. */
  acquire(functionName: string): Promise<ConcurrencyLease>;
  /** Holds (renews, then releases) a lease another process took and handed over. */
  adopt(functionName: string, id: string): ConcurrencyLease;
  /** Stops renewing: the leases still held expire (as a process that died). */
  close(): void;
}
