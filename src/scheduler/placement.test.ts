import { describe, expect, it } from 'vitest';
import { orderPlacement, provisionedShare, rankWorkers } from './placement.js';

const workers = ['w1', 'w2', 'w3', 'w4'].map((id) => ({ id, url: `http://${id}`, heartbeatAt: 0 }));

describe('rankWorkers', () => {
  it('ranks every worker, the same way for the same key whatever the order it is given', () => {
    const ranked = rankWorkers('fn\n1', workers).map((w) => w.id);
    expect([...ranked].sort()).toEqual(['w1', 'w2', 'w3', 'w4']);
    expect(rankWorkers('fn\n1', [...workers].reverse()).map((w) => w.id)).toEqual(ranked);
  });

  it('spreads keys over the workers', () => {
    const homes = new Map<string, number>();
    for (let i = 0; i < 4000; i += 1) {
      const home = rankWorkers(`fn-${i}`, workers)[0]?.id ?? '';
      homes.set(home, (homes.get(home) ?? 0) + 1);
    }
    for (const count of homes.values()) expect(count).toBeGreaterThan(800);
  });

  it('moves only the keys of a worker that leaves', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `fn-${i}`);
    const before = new Map(keys.map((k) => [k, rankWorkers(k, workers)[0]?.id]));
    const remaining = workers.filter((w) => w.id !== 'w2');
    for (const key of keys) {
      const after = rankWorkers(key, remaining)[0]?.id;
      if (before.get(key) !== 'w2') expect(after).toBe(before.get(key));
    }
  });
});

describe('orderPlacement', () => {
  const withCapacity = (id: string, usedMb: number) => ({ id, url: `http://${id}`, heartbeatAt: 0, capacity: { memoryBudgetMb: 1024, memoryUsedMb: usedMb, environments: 0 } });
  const fleet = [withCapacity('a', 900), withCapacity('b', 100), withCapacity('c', 500)];

  it('goes to the worker claimed warm first, then by free memory', () => {
    const { order, warm } = orderPlacement(rankWorkers('k', fleet), { warm: 'a' }, new Map());
    expect(order.map((w) => w.id)).toEqual(['a', 'b', 'c']);
    expect(warm).toBe(true);
  });

  it('cold-starts on the worker with the most free memory, counting what was sent its way since its report', () => {
    expect(orderPlacement(rankWorkers('k', fleet), {}, new Map()).order.map((w) => w.id)).toEqual(['b', 'c', 'a']);
    expect(orderPlacement(rankWorkers('k', fleet), {}, new Map([['b', 600]])).order.map((w) => w.id)).toEqual(['c', 'b', 'a']);
  });

  it('waits where most environments of the key are, else on the first choice', () => {
    expect(orderPlacement(rankWorkers('k', fleet), { most: 'c' }, new Map()).waitOn?.id).toBe('c');
    expect(orderPlacement(rankWorkers('k', fleet), {}, new Map()).waitOn?.id).toBe('b');
  });

  it('ignores a claim on a worker that is not live, and breaks ties by rendezvous rank', () => {
    const even = ['w1', 'w2', 'w3'].map((id) => withCapacity(id, 0));
    const { order, warm } = orderPlacement(rankWorkers('fn-7', even), { warm: 'gone' }, new Map());
    expect(warm).toBe(false);
    expect(order.map((w) => w.id)).toEqual(rankWorkers('fn-7', even).map((w) => w.id));
  });
});

describe('provisionedShare', () => {
  it('splits a total evenly over the live workers, the shares adding up, the rendezvous order taking the remainder', () => {
    for (const total of [1, 2, 3, 7, 10]) {
      const shares = workers.map((w) => provisionedShare(w.id, 'fn\n1', workers, total));
      expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
      expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
    }
    const first = rankWorkers('fn\n1', workers)[0]?.id ?? '';
    expect(provisionedShare(first, 'fn\n1', workers, 1)).toBe(1);
  });

  it('gives a worker that is not live nothing', () => {
    expect(provisionedShare('gone', 'fn\n1', workers, 4)).toBe(0);
  });
});
