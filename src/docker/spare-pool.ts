/** How long after handing one out a pool starts making its replacement (the engine is busy with that cold start now). */
const REFILL_DELAY_MS = 750;

/**
 * Keeps a few ready-made resources (network holders, /tmp disks) so a cold start need not wait for them.
 * Each is handed out once and never returns; a replacement is made a moment later.
 */
export class SparePool<T> {
  private readonly spares: T[] = [];
  private filling: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly make: () => Promise<T>,
    private readonly release: (item: T) => Promise<void>,
    private readonly size: number,
    private readonly onError: (error: unknown) => void,
    /** Asked before each spare is made: false stops the refill (e.g. a global cap is reached). */
    private readonly mayGrow: () => boolean = () => true,
  ) {}

  /** Spares ready now. */
  get ready(): number {
    return this.spares.length;
  }

  /** Fills the pool; resolves when it is full. */
  warm(): Promise<void> {
    return this.refill();
  }

  /** A spare if there is one, else a new one made now. */
  async take(): Promise<T> {
    const spare = this.spares.shift();
    setTimeout(() => void this.refill(), REFILL_DELAY_MS).unref();
    return spare ?? this.make();
  }

  /** Hands over one spare for the caller to release, without making a replacement. */
  evict(): T | undefined {
    return this.spares.pop();
  }

  private refill(): Promise<void> {
    if (this.filling !== undefined) return this.filling;
    this.filling = (async () => {
      while (!this.closed && this.spares.length < this.size && this.mayGrow()) {
        const item = await this.make();
        if (this.closed) return this.release(item);
        this.spares.push(item);
      }
    })()
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.filling = undefined;
      });
    return this.filling;
  }

  /** Releases the spares (what was handed out belongs to its taker). */
  async close(): Promise<void> {
    this.closed = true;
    await this.filling;
    await Promise.all(this.spares.splice(0).map((item) => this.release(item).catch((error: unknown) => this.onError(error))));
  }
}
