import { describe, expect, it } from 'vitest';
import { chargeOf, planRoom } from './capacity.js';

const env = (id: string, memoryMb: number, idle: boolean, lastUsedAt: number, tmpMb = 512) => ({ id, memoryMb, tmpMb, idle, lastUsedAt });
const mem = (memoryMb: number) => ({ memoryMb, tmpMb: 512 });

describe('planRoom', () => {
  it('evicts nothing while the new environment fits', () => {
    expect(planRoom([env('a', 128, true, 1), env('b', 128, false, 2)], mem(128), { memoryMb: 384 })).toEqual([]);
  });

  it('evicts idle environments, least recently used first, until it fits', () => {
    const entries = [env('new', 128, true, 30), env('old', 128, true, 10), env('busy', 128, false, 5), env('mid', 256, true, 20)];
    expect(planRoom(entries, mem(128), { memoryMb: 640 })).toEqual(['old']);
    expect(planRoom(entries, mem(384), { memoryMb: 640 })).toEqual(['old', 'mid']);
  });

  it('answers undefined when busy environments alone leave no room', () => {
    expect(planRoom([env('a', 128, false, 1), env('b', 128, false, 2), env('c', 128, true, 3)], mem(256), { memoryMb: 384 })).toBeUndefined();
    expect(planRoom([], mem(512), { memoryMb: 384 })).toBeUndefined();
  });

  it('keeps the /tmp disks within their own budget as well, evicting for whichever is short', () => {
    const entries = [env('old', 128, true, 1, 2048), env('new', 128, true, 2, 512)];
    // Memory has room; /tmp does not until the 2 GB disk of the oldest idle environment goes.
    expect(planRoom(entries, { memoryMb: 128, tmpMb: 1024 }, { memoryMb: 4096, tmpMb: 3072 })).toEqual(['old']);
    expect(planRoom([env('busy', 128, false, 1, 2048)], { memoryMb: 128, tmpMb: 2048 }, { memoryMb: 4096, tmpMb: 3072 })).toBeUndefined();
    // No budget for a resource: it never limits.
    expect(planRoom([env('busy', 128, false, 1, 10_240)], { memoryMb: 128, tmpMb: 10_240 }, { memoryMb: 4096 })).toEqual([]);
  });
});

describe('chargeOf', () => {
  const configured = { memoryMb: 128, tmpMb: 512 };

  it('charges a frozen environment what it was measured to take, rounded up, never more than configured', () => {
    expect(chargeOf(configured, { memoryMb: 9.04, tmpMb: 20.5 })).toEqual({ memoryMb: 10, tmpMb: 21 });
    expect(chargeOf(configured, { memoryMb: 400, tmpMb: 600 })).toEqual(configured);
  });

  it('charges the configured footprint for what could not be measured, and for an environment not frozen', () => {
    expect(chargeOf(configured, { memoryMb: 9 })).toEqual({ memoryMb: 9, tmpMb: 512 });
    expect(chargeOf(configured, { memoryMb: Number.NaN, tmpMb: 3 })).toEqual({ memoryMb: 128, tmpMb: 3 });
    expect(chargeOf(configured, undefined)).toEqual(configured);
  });
});
