import type { ScratchDisk, ScratchDiskProvider } from './container-driver.js';

/** How long after handing one out the pool starts making its replacement. */
const REFILL_DELAY_MS = 750;

export interface ScratchDiskPoolOptions {
  /** Disks kept ready per size that has been asked for. */
  sparesPerSize: number;
  /** Sizes to prepare before anyone asks (e.g. the 512 MB default). */
  warmSizesMb: number[];
  /** Labels of every disk (the pool's, not one function's: a spare has no owner yet). */
  labels: Record<string, string>;
  onError: (error: unknown) => void;
}

/**
 * Keeps a few formatted /tmp disks ready so a cold start does not wait for mkfs + losetup + volume
 * creation (≈ 30 ms). A disk is handed out once and never returns: the next owner gets a fresh one.
 */
export class ScratchDiskPool implements ScratchDiskProvider {
  private readonly spares = new Map<number, ScratchDisk[]>();
  private readonly filling = new Map<number, Promise<void>>();
  private closed = false;

  constructor(
    private readonly source: ScratchDiskProvider,
    private readonly options: ScratchDiskPoolOptions,
  ) {}

  /** Prepares the warm sizes; resolves when they are ready. */
  async warm(): Promise<void> {
    await Promise.all(this.options.warmSizesMb.map((size) => this.refill(size)));
  }

  async createScratchDisk(sizeMb: number): Promise<ScratchDisk> {
    const spare = this.spares.get(sizeMb)?.shift();
    // Refill a moment later: now the engine is busy with the cold start this disk is for.
    setTimeout(() => void this.refill(sizeMb), REFILL_DELAY_MS).unref();
    return spare ?? this.source.createScratchDisk(sizeMb, this.options.labels);
  }

  private refill(sizeMb: number): Promise<void> {
    const running = this.filling.get(sizeMb);
    if (running !== undefined) return running;
    const fill = (async () => {
      const list = this.spares.get(sizeMb) ?? [];
      this.spares.set(sizeMb, list);
      while (!this.closed && list.length < this.options.sparesPerSize) {
        const disk = await this.source.createScratchDisk(sizeMb, this.options.labels);
        if (this.closed) {
          await disk.release();
          return;
        }
        list.push(disk);
      }
    })()
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => this.filling.delete(sizeMb));
    this.filling.set(sizeMb, fill);
    return fill;
  }

  /** Releases the spares (the disks handed out belong to their sandboxes). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.filling.values());
    const all = [...this.spares.values()].flat();
    this.spares.clear();
    await Promise.all(all.map((disk) => disk.release()));
  }
}
