import type { VolumeScratchDisk, VolumeScratchDiskProvider } from './container-driver.js';
import { loopDeviceLimitReached } from './scratch-disk-errors.js';
import { SparePool } from './spare-pool.js';

export interface ScratchDiskPoolOptions {
  /** Disks kept ready per size in recent use. */
  sparesPerSize: number;
  /** Sizes whose spares are always kept (e.g. the 512 MB default), prepared before anyone asks. */
  warmSizesMb: number[];
  /** How many other sizes keep spares: the ones asked for most recently. */
  recentSizes: number;
  /** A size (other than the warm ones) not asked for this long loses its spares. */
  sizeIdleMs: number;
  /** Disks (loop devices) held at most: spares, disks in use and disks being made. */
  maxDisks: number;
  /** Labels of every disk (the pool's, not one function's: a spare has no owner yet). */
  labels: Record<string, string>;
  onError: (error: unknown) => void;
  now?: () => number;
}

interface SizePool {
  spares: SparePool<VolumeScratchDisk>;
  lastAskedAt: number;
}

/**
 * Formatted /tmp disks kept ready per size, so a cold start skips mkfs + losetup + volume creation (≈ 30 ms).
 * Spares are kept only for sizes in recent use, and every disk counts against one cap on the loop devices
 * held: asked for a disk at the cap, the pool gives up a spare of another size, or fails at once.
 */
export class ScratchDiskPool implements VolumeScratchDiskProvider {
  private readonly pools = new Map<number, SizePool>();
  private heldDisks = 0;
  /** Takers waiting for an evicted spare's device: refills must leave it to them. */
  private waiting = 0;
  private pruner: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(
    private readonly source: VolumeScratchDiskProvider,
    private readonly options: ScratchDiskPoolOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Disks held now (spares + in use + being made). */
  get held(): number {
    return this.heldDisks;
  }

  /** Sizes that currently keep spares, and how many each has ready. */
  getSpares(): Map<number, number> {
    return new Map([...this.pools].map(([size, p]) => [size, p.spares.ready]));
  }

  /** Prepares the warm sizes; resolves when they are ready. Starts dropping sizes that fall out of use. */
  async warm(): Promise<void> {
    if (this.pruner === undefined) {
      this.pruner = setInterval(() => this.pruneSizes(), Math.min(this.options.sizeIdleMs, 60_000));
      this.pruner.unref();
    }
    await Promise.all(this.options.warmSizesMb.map((size) => this.poolFor(size).spares.warm()));
  }

  async createScratchDisk(sizeMb: number): Promise<VolumeScratchDisk> {
    const pool = this.poolFor(sizeMb);
    pool.lastAskedAt = this.now();
    this.pruneSizes();
    if (pool.spares.ready === 0 && this.heldDisks >= this.options.maxDisks) {
      const victim = this.evictSpare(sizeMb);
      if (victim === undefined) throw loopDeviceLimitReached(this.options.maxDisks);
      this.waiting += 1;
      try {
        // Its device counts as free either way; a failed removal is the operator's to hear about.
        await victim.release().catch((error: unknown) => this.options.onError(error));
      } finally {
        this.waiting -= 1;
      }
    }
    return pool.spares.take();
  }

  /** Drops the spares of sizes not asked for lately, and of the sizes past the `recentSizes` most recent. */
  pruneSizes(): void {
    const now = this.now();
    const others = [...this.pools]
      .filter(([size]) => !this.options.warmSizesMb.includes(size))
      .sort(([, a], [, b]) => b.lastAskedAt - a.lastAskedAt);
    others.forEach(([size, pool], rank) => {
      if (rank < this.options.recentSizes && now - pool.lastAskedAt <= this.options.sizeIdleMs) return;
      this.pools.delete(size);
      void pool.spares.close();
    });
  }

  /** A spare of another size, from the size asked for least recently (warm sizes last). */
  private evictSpare(except: number): VolumeScratchDisk | undefined {
    const candidates = [...this.pools]
      .filter(([size, p]) => size !== except && p.spares.ready > 0)
      .sort(
        ([sa, a], [sb, b]) =>
          Number(this.options.warmSizesMb.includes(sa)) - Number(this.options.warmSizesMb.includes(sb)) ||
          a.lastAskedAt - b.lastAskedAt,
      );
    return candidates[0]?.[1].spares.evict();
  }

  private poolFor(sizeMb: number): SizePool {
    let pool = this.pools.get(sizeMb);
    if (pool === undefined) {
      pool = {
        spares: new SparePool(
          () => this.makeDisk(sizeMb),
          (disk) => disk.release(),
          this.options.sparesPerSize,
          this.options.onError,
          () => this.heldDisks + this.waiting < this.options.maxDisks,
        ),
        lastAskedAt: this.now(),
      };
      this.pools.set(sizeMb, pool);
    }
    return pool;
  }

  /** Makes a disk that counts against the cap until it is released. */
  private async makeDisk(sizeMb: number): Promise<VolumeScratchDisk> {
    if (this.heldDisks >= this.options.maxDisks) throw loopDeviceLimitReached(this.options.maxDisks);
    this.heldDisks += 1;
    let disk: VolumeScratchDisk;
    try {
      disk = await this.source.createScratchDisk(sizeMb, this.options.labels);
    } catch (error) {
      this.heldDisks -= 1;
      throw error;
    }
    let released: Promise<void> | undefined;
    return {
      volume: disk.volume,
      ...(disk.allocatedBytes === undefined ? {} : { allocatedBytes: () => disk.allocatedBytes?.() }),
      release: () => {
        released ??= disk.release().finally(() => {
          this.heldDisks -= 1;
        });
        return released;
      },
    };
  }

  async close(): Promise<void> {
    clearInterval(this.pruner);
    this.pruner = undefined;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.spares.close()));
  }
}
