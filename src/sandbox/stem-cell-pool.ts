import type { StemCell, StemCellFactory, StemCellFit, StemCellSource } from './stem-cell.js';

export interface StemCellPoolOptions {
  /** Parked stem cells kept per key (a runtime image and memory class in use); 0: none, ever. */
  perKey: number;
  /** A key not claimed from this long loses its stem cells (and is made again by its next use). */
  idleMs: number;
  /** Keys that keep stem cells at most: the ones claimed from most recently. */
  maxKeys?: number;
  /**
   * How long after a claim the pool starts making its replacement: the claimed runtime is initialising
   * its function now, and the replacement's container start would compete with it for the CPU.
   */
  refillDelayMs?: number;
  /** Asked before each stem cell is made: false when the worker's budget has no room for it now. */
  mayGrow: (need: { memoryMb: number; tmpMb: number }) => boolean;
  onError: (error: unknown) => void;
  now?: () => number;
}

interface KeyPool {
  fit: StemCellFit;
  spares: StemCell[];
  /** Stem cells on their way up (they count in the budget already). */
  making: number;
  lastUsedAt: number;
  filling: Promise<void> | undefined;
  refill: NodeJS.Timeout | undefined;
  closed: boolean;
}

const DEFAULT_MAX_KEYS = 4;
const DEFAULT_REFILL_DELAY_MS = 1_000;

/**
 * Parked stem cells per key. A key gets a pool on its first use (that cold start is a normal one: the
 * pool is made behind it) and keeps `perKey` stem cells while it is used: each claim is replaced a moment
 * later. A key unused for `idleMs` loses its stem cells, as do keys beyond the `maxKeys` most recent.
 * A stem cell is handed out once and never comes back.
 */
export class StemCellPool implements StemCellSource {
  private readonly keys = new Map<string, KeyPool>();
  private readonly maxKeys: number;
  private readonly refillDelayMs: number;
  private readonly now: () => number;
  private pruner: NodeJS.Timeout | undefined;
  private closed = false;
  /** Removals under way: close waits for them (a stem cell's /tmp disk must be gone before the disks' pool closes). */
  private readonly releasing = new Set<Promise<void>>();

  constructor(
    private readonly factory: StemCellFactory,
    private readonly options: StemCellPoolOptions,
  ) {
    this.maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    this.refillDelayMs = options.refillDelayMs ?? DEFAULT_REFILL_DELAY_MS;
    this.now = options.now ?? Date.now;
    if (options.perKey > 0) {
      this.pruner = setInterval(() => this.prune(), Math.max(10, Math.min(options.idleMs, 60_000)));
      this.pruner.unref();
    }
  }

  /** Parked stem cells per key now. */
  getReady(): Map<string, number> {
    return new Map([...this.keys].map(([key, pool]) => [key, pool.spares.length]));
  }

  has(key: string): boolean {
    return this.keys.get(key)?.spares.some((stem) => stem.alive) ?? false;
  }

  get held(): { memoryMb: number; tmpMb: number } {
    let memoryMb = 0;
    let tmpMb = 0;
    for (const pool of this.keys.values()) {
      const count = pool.spares.length + pool.making;
      memoryMb += count * pool.fit.memoryMb;
      tmpMb += count * pool.fit.tmpMb;
    }
    return { memoryMb, tmpMb };
  }

  take(fit: StemCellFit): StemCell | undefined {
    if (this.closed || this.options.perKey <= 0) return undefined;
    let pool = this.keys.get(fit.key);
    if (pool === undefined) {
      pool = this.open(fit);
      void this.fill(pool);
      return undefined;
    }
    pool.lastUsedAt = this.now();
    let stem: StemCell | undefined;
    while (stem === undefined && pool.spares.length > 0) {
      const candidate = pool.spares.shift();
      if (candidate?.alive === true) stem = candidate;
      else if (candidate !== undefined) this.discard(candidate);
    }
    this.scheduleRefill(pool);
    return stem;
  }

  shrink(need: { memoryMb: number; tmpMb: number }): void {
    let memoryMb = 0;
    let tmpMb = 0;
    const byAge = [...this.keys.values()].sort((a, b) => a.lastUsedAt - b.lastUsedAt);
    for (const pool of byAge) {
      while (pool.spares.length > 0 && (memoryMb < need.memoryMb || tmpMb < need.tmpMb)) {
        const stem = pool.spares.pop();
        if (stem === undefined) break;
        memoryMb += pool.fit.memoryMb;
        tmpMb += pool.fit.tmpMb;
        this.discard(stem);
      }
    }
  }

  /** Drops the keys unused for `idleMs` with their stem cells. */
  prune(): void {
    const now = this.now();
    for (const [key, pool] of this.keys) if (now - pool.lastUsedAt > this.options.idleMs) this.drop(key, pool);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pruner);
    const pools = [...this.keys];
    for (const [key, pool] of pools) this.drop(key, pool);
    await Promise.all(pools.map(([, pool]) => pool.filling));
    await Promise.all([...this.releasing]);
  }

  private open(fit: StemCellFit): KeyPool {
    const pool: KeyPool = { fit, spares: [], making: 0, lastUsedAt: this.now(), filling: undefined, refill: undefined, closed: false };
    this.keys.set(fit.key, pool);
    const excess = [...this.keys].sort(([, a], [, b]) => b.lastUsedAt - a.lastUsedAt).slice(this.maxKeys);
    for (const [key, old] of excess) this.drop(key, old);
    return pool;
  }

  private drop(key: string, pool: KeyPool): void {
    pool.closed = true;
    clearTimeout(pool.refill);
    if (this.keys.get(key) === pool) this.keys.delete(key);
    for (const stem of pool.spares.splice(0)) this.discard(stem);
  }

  private discard(stem: StemCell): void {
    const releasing = stem
      .release()
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => this.releasing.delete(releasing));
    this.releasing.add(releasing);
  }

  private scheduleRefill(pool: KeyPool): void {
    if (pool.refill !== undefined) return;
    pool.refill = setTimeout(() => {
      pool.refill = undefined;
      void this.fill(pool);
    }, this.refillDelayMs);
    pool.refill.unref();
  }

  /** Makes stem cells one at a time until the key has its count (or the budget no room); a failure stops it until the next claim. */
  private fill(pool: KeyPool): Promise<void> {
    if (pool.filling !== undefined) return pool.filling;
    const need = { memoryMb: pool.fit.memoryMb, tmpMb: pool.fit.tmpMb };
    pool.filling = (async () => {
      while (!pool.closed && pool.spares.length + pool.making < this.options.perKey && this.options.mayGrow(need)) {
        pool.making += 1;
        let stem: StemCell;
        try {
          stem = await this.factory.createStemCell(pool.fit);
        } finally {
          pool.making -= 1;
        }
        if (pool.closed) this.discard(stem);
        else pool.spares.push(stem);
      }
    })()
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => {
        pool.filling = undefined;
      });
    return pool.filling;
  }
}
