/** A held concurrency slot: released once, when its invocation is over. */
export interface ConcurrencyLease {
  release(): void;
}

/** Where invocations take their concurrency slots: the account's and, for a function that has one, its reservation. */
export interface ConcurrencyLimiter {
  /** A slot for one invocation of `functionName`; a TooManyRequestsException (429) past a limit. */
  acquire(functionName: string): Promise<ConcurrencyLease>;
  /** Stops renewing: the leases still held expire (as a process that died). */
  close(): void;
}
