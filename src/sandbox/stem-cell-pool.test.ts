import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StemCell, StemCellFactory, StemCellFit } from './stem-cell.js';
import { StemCellPool, type StemCellPoolOptions } from './stem-cell-pool.js';

interface FakeStem extends StemCell {
  released: boolean;
  alive: boolean;
}

/** Makes stem cells after a tick; remembers each, and which were released. */
class FakeFactory implements StemCellFactory {
  readonly made: FakeStem[] = [];
  failNext = false;

  async createStemCell(fit: StemCellFit): Promise<StemCell> {
    await Promise.resolve();
    if (this.failNext) {
      this.failNext = false;
      throw new Error('engine said no');
    }
    const stem: FakeStem = {
      id: `stem-${this.made.length + 1}`,
      key: fit.key,
      containerId: `c-${this.made.length + 1}`,
      scratchDisk: { volume: 'v', release: async () => undefined },
      networkSlot: { holderId: 'h', address: '10.0.0.2', release: async () => undefined },
      output: { hostDir: '/o', read: () => undefined, drain: () => undefined, close: async () => undefined },
      alive: true,
      released: false,
      deliver: async () => undefined,
      adopt: () => undefined,
      releaseSlots: async () => undefined,
      release: async () => {
        stem.released = true;
      },
    };
    this.made.push(stem);
    return stem;
  }

  get live(): FakeStem[] {
    return this.made.filter((s) => !s.released);
  }
}

const fit = (key: string, memoryMb = 128): StemCellFit => ({
  key,
  shim: 'node',
  memoryMb,
  tmpMb: 512,
  containerSpec: () => {
    throw new Error('not used by the pool');
  },
});

const settle = () => vi.advanceTimersByTimeAsync(1_000);

describe('StemCellPool', () => {
  let factory: FakeFactory;
  let errors: unknown[];
  let clock: number;
  let pools: StemCellPool[];
  const make = (options: Partial<StemCellPoolOptions> = {}) => {
    const pool = new StemCellPool(factory, {
      perKey: 2,
      idleMs: 60_000,
      refillDelayMs: 250,
      mayGrow: () => true,
      onError: (error) => errors.push(error),
      now: () => clock,
      ...options,
    });
    pools.push(pool);
    return pool;
  };

  beforeEach(() => {
    vi.useFakeTimers();
    factory = new FakeFactory();
    errors = [];
    clock = 1_000;
    pools = [];
  });
  afterEach(async () => {
    for (const pool of pools) await pool.close();
    vi.useRealTimers();
  });

  it('makes a key’s pool on its first use, which itself gets none', async () => {
    const pool = make();
    expect(pool.take(fit('node|128'))).toBeUndefined();
    expect(pool.held).toEqual({ memoryMb: 128, tmpMb: 512 });
    await settle();
    expect(pool.getReady()).toEqual(new Map([['node|128', 2]]));
    expect(pool.has('node|128')).toBe(true);
    expect(pool.has('node|256')).toBe(false);
    expect(pool.held).toEqual({ memoryMb: 256, tmpMb: 1024 });
  });

  it('hands each stem cell out once and refills behind the claims', async () => {
    const pool = make();
    pool.take(fit('k'));
    await settle();
    const first = pool.take(fit('k'));
    const second = pool.take(fit('k'));
    expect(first?.id).toBe('stem-1');
    expect(second?.id).toBe('stem-2');
    expect(pool.take(fit('k'))).toBeUndefined();
    // Not at once: the claimed runtimes are initialising.
    await vi.advanceTimersByTimeAsync(200);
    expect(factory.made).toHaveLength(2);
    await settle();
    expect(pool.getReady().get('k')).toBe(2);
    expect(factory.made.map((s) => s.id)).toEqual(['stem-1', 'stem-2', 'stem-3', 'stem-4']);
    const third = pool.take(fit('k'));
    expect([first?.id, second?.id]).not.toContain(third?.id);
    // What was handed out is the claimer's: the pool releases none of it.
    expect(factory.made.filter((s) => s.released)).toEqual([]);
  });

  it('skips (and removes) a stem cell whose container stopped', async () => {
    const pool = make();
    pool.take(fit('k'));
    await settle();
    const dead = factory.made[0];
    if (dead !== undefined) dead.alive = false;
    expect(pool.has('k')).toBe(true);
    expect(pool.take(fit('k'))?.id).toBe('stem-2');
    expect(dead?.released).toBe(true);
  });

  it('drops the stem cells of a key unused for idleMs, and makes the pool again on its next use', async () => {
    const pool = make({ idleMs: 5_000 });
    pool.take(fit('old'));
    await settle();
    clock += 3_000;
    pool.take(fit('new'));
    await settle();
    clock += 3_000;
    pool.prune();
    expect(pool.getReady()).toEqual(new Map([['new', 2]]));
    expect(factory.made.filter((s) => s.key === 'old').every((s) => s.released)).toBe(true);
    expect(pool.take(fit('old'))).toBeUndefined();
    await settle();
    expect(pool.getReady().get('old')).toBe(2);
  });

  it('prunes on its own timer', async () => {
    const pool = make({ idleMs: 2_000 });
    pool.take(fit('k'));
    await settle();
    clock += 2_500;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(pool.getReady().size).toBe(0);
    expect(factory.live).toEqual([]);
  });

  it('keeps stem cells for the maxKeys keys used most recently', async () => {
    const pool = make({ maxKeys: 2 });
    for (const key of ['a', 'b', 'c']) {
      pool.take(fit(key));
      clock += 1;
      await settle();
    }
    expect([...pool.getReady().keys()].sort()).toEqual(['b', 'c']);
    expect(factory.made.filter((s) => s.key === 'a').every((s) => s.released)).toBe(true);
  });

  it('makes none while the budget has no room, and more once it has', async () => {
    let room = false;
    const pool = make({ mayGrow: () => room });
    pool.take(fit('k'));
    await settle();
    expect(factory.made).toEqual([]);
    expect(pool.held).toEqual({ memoryMb: 0, tmpMb: 0 });
    room = true;
    pool.take(fit('k'));
    await settle();
    expect(pool.getReady().get('k')).toBe(2);
  });

  it('shrinks the least recently used keys first, down to what is needed', async () => {
    const pool = make();
    pool.take(fit('old', 128));
    await settle();
    clock += 10;
    pool.take(fit('new', 256));
    await settle();
    pool.shrink({ memoryMb: 200, tmpMb: 0 });
    expect(pool.getReady()).toEqual(new Map([['old', 0], ['new', 2]]));
    expect(pool.held).toEqual({ memoryMb: 512, tmpMb: 1024 });
  });

  it('reports a failed make and tries again at the next claim', async () => {
    const pool = make();
    factory.failNext = true;
    pool.take(fit('k'));
    await settle();
    expect(errors).toHaveLength(1);
    expect(pool.getReady().get('k')).toBe(0);
    pool.take(fit('k'));
    await settle();
    expect(pool.getReady().get('k')).toBe(2);
  });

  it('waits on close until every stem cell it removes is gone', async () => {
    const pool = make();
    pool.take(fit('k'));
    await settle();
    let finish!: () => void;
    const slow = factory.made[0];
    if (slow !== undefined) {
      slow.release = () =>
        new Promise<void>((resolve) => {
          finish = () => {
            slow.released = true;
            resolve();
          };
        });
    }
    let closed = false;
    const closing = pool.close().then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(10);
    expect(closed).toBe(false);
    finish();
    await closing;
    expect(factory.live).toEqual([]);
  });

  it('has none with perKey 0, and releases everything on close', async () => {
    const off = make({ perKey: 0 });
    expect(off.take(fit('k'))).toBeUndefined();
    await settle();
    expect(factory.made).toEqual([]);
    const pool = make();
    pool.take(fit('k'));
    await settle();
    await pool.close();
    expect(factory.live).toEqual([]);
    expect(pool.take(fit('k'))).toBeUndefined();
  });
});
