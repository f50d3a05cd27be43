import { describe, expect, it } from 'vitest';
import { rankWorkers } from './placement.js';

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
