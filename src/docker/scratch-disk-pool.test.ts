import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LambdaError } from '../shared/errors.js';
import type { VolumeScratchDisk, VolumeScratchDiskProvider } from './container-driver.js';
import { noFreeLoopDevice, ScratchDiskUnavailableError } from './scratch-disk-errors.js';
import { ScratchDiskPool, type ScratchDiskPoolOptions } from './scratch-disk-pool.js';

/** A host with `devices` loop devices: each disk takes one until released. */
class FakeDisks implements VolumeScratchDiskProvider {
  readonly live = new Map<string, number>();
  private next = 0;
  constructor(public devices = 100) {}

  async createScratchDisk(sizeMb: number): Promise<VolumeScratchDisk> {
    await Promise.resolve();
    if (this.live.size >= this.devices) throw noFreeLoopDevice(new Error('losetup: cannot find an unused loop device'));
    const volume = `disk-${(this.next += 1)}-${sizeMb}`;
    this.live.set(volume, sizeMb);
    return {
      volume,
      release: async () => {
        await Promise.resolve();
        this.live.delete(volume);
      },
    };
  }

  sizesLive(): number[] {
    return [...new Set(this.live.values())].sort((a, b) => a - b);
  }
}

const settle = () => vi.advanceTimersByTimeAsync(1_000);

describe('ScratchDiskPool', () => {
  let disks: FakeDisks;
  let errors: unknown[];
  let pool: ScratchDiskPool;
  const make = (options: Partial<ScratchDiskPoolOptions> = {}) =>
    new ScratchDiskPool(disks, {
      sparesPerSize: 2,
      warmSizesMb: [512],
      recentSizes: 2,
      sizeIdleMs: 60_000,
      maxDisks: 100,
      labels: {},
      onError: (error) => errors.push(error),
      ...options,
    });

  beforeEach(() => {
    vi.useFakeTimers();
    disks = new FakeDisks();
    errors = [];
  });
  afterEach(async () => {
    await pool.close();
    vi.useRealTimers();
  });

  it('keeps spares only for the warm size and the most recent sizes while sizes cycle', async () => {
    pool = make();
    await pool.warm();
    for (let size = 600; size <= 1500; size += 100) {
      const disk = await pool.createScratchDisk(size);
      await settle();
      await disk.release();
    }
    await settle();
    expect([...pool.getSpares().keys()].sort()).toEqual([1400, 1500, 512]);
    expect(disks.sizesLive()).toEqual([512, 1400, 1500]);
    expect(disks.live.size).toBe(6);
    expect(pool.held).toBe(6);
    expect(errors).toEqual([]);
  });

  it("drops a size's spares once it has not been asked for a while, never the warm size's", async () => {
    pool = make({ sizeIdleMs: 10_000 });
    await pool.warm();
    const disk = await pool.createScratchDisk(700);
    await settle();
    expect(disks.sizesLive()).toEqual([512, 700]);
    await vi.advanceTimersByTimeAsync(30_000);
    // The disk in use stays; the 700 MB spares are gone.
    expect([...pool.getSpares().keys()]).toEqual([512]);
    expect([...disks.live.keys()].filter((v) => v.endsWith('-700'))).toEqual([disk.volume]);
    await disk.release();
    expect(disks.sizesLive()).toEqual([512]);
  });

  it('never holds more disks than the cap, fails at once at the cap with a ServiceException, and recovers', async () => {
    pool = make({ sparesPerSize: 0, maxDisks: 3 });
    const inUse = await Promise.all([600, 700, 800].map((size) => pool.createScratchDisk(size)));
    const refused = await pool.createScratchDisk(900).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ScratchDiskUnavailableError);
    expect(refused).toBeInstanceOf(LambdaError);
    expect(refused).toMatchObject({
      code: 'ServiceException',
      retryable: true,
      reason: 'LoopDeviceLimitReached',
      message: expect.stringContaining('limit of 3 loop devices (LAMBDOCK_MAX_LOOP_DEVICES)'),
    });
    expect(disks.live.size).toBe(3);
    await inUse[0]?.release();
    const later = await pool.createScratchDisk(900);
    expect(disks.live.has(later.volume)).toBe(true);
    expect(pool.held).toBe(3);
  });

  it('at the cap gives up a spare of another size rather than refusing', async () => {
    pool = make({ maxDisks: 3 });
    await pool.warm();
    const first = await pool.createScratchDisk(600);
    await settle();
    expect(disks.live.size).toBe(3);
    const second = await pool.createScratchDisk(700);
    await settle();
    expect(disks.live.size).toBe(3);
    expect(disks.live.get(first.volume)).toBe(600);
    expect(disks.live.get(second.volume)).toBe(700);
    expect(errors).toEqual([]);
  });

  it('refills spares only up to the cap', async () => {
    pool = make({ maxDisks: 3, sparesPerSize: 5 });
    await pool.warm();
    await pool.createScratchDisk(600);
    await settle();
    expect(disks.live.size).toBe(3);
    expect(pool.held).toBe(3);
  });

  it('fails at once when the host has no free loop device, and works again when one is free', async () => {
    disks.devices = 2;
    pool = make({ sparesPerSize: 0 });
    const a = await pool.createScratchDisk(512);
    await pool.createScratchDisk(512);
    const refused = await pool.createScratchDisk(512).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'ServiceException', reason: 'NoFreeLoopDevice' });
    expect((refused as Error).message).toBe(
      "Lambda could not create the execution environment's /tmp: the host has no free loop device. " +
        'Try again when other execution environments have ended.',
    );
    expect(pool.held).toBe(2);
    await a.release();
    await expect(pool.createScratchDisk(512)).resolves.toMatchObject({ volume: expect.any(String) });
  });

  it('releases the spares when it closes and counts a disk released twice once', async () => {
    pool = make({ maxDisks: 10 });
    await pool.warm();
    const disk = await pool.createScratchDisk(512);
    await disk.release();
    await disk.release();
    await settle();
    await pool.close();
    expect(disks.live.size).toBe(0);
    expect(pool.held).toBe(0);
  });
});
