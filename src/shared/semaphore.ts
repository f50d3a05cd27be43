/** At most `limit` holders at once; the others wait in arrival order. */
export class Semaphore {
  private held = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly limit: number) {}

  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves once a place is free, with the function that gives it back (idempotent). */
  async acquire(): Promise<() => void> {
    if (this.held < this.limit) this.held += 1;
    else await new Promise<void>((resolve) => this.waiters.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next === undefined) this.held -= 1;
      else next(); // the place passes straight to the next waiter
    };
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }
}
