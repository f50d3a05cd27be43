export type ReserveResult = 'reserved' | 'no-function' | 'below-minimum';

/** Where functions' reserved concurrency lives (the lease scripts read it in the same Redis). */
export interface ReservedConcurrencyStore {
  /** Reserves `value` for the function while the account keeps at least `minUnreserved` of `accountLimit` unreserved. */
  reserve(name: string, value: number, accountLimit: number, minUnreserved: number): Promise<ReserveResult>;
  loadReserved(name: string): Promise<number | undefined>;
  unreserve(name: string): Promise<void>;
  /** The sum of every function's reservation. */
  loadTotalReserved(): Promise<number>;
}
