import { describe, expect, it } from 'vitest';
import { planRoom } from './capacity.js';

const env = (id: string, memoryMb: number, idle: boolean, lastUsedAt: number) => ({ id, memoryMb, idle, lastUsedAt });

describe('planRoom', () => {
  it('evicts nothing while the new environment fits', () => {
    expect(planRoom([env('a', 128, true, 1), env('b', 128, false, 2)], 128, 384)).toEqual([]);
  });

  it('evicts idle environments, least recently used first, until it fits', () => {
    const entries = [env('new', 128, true, 30), env('old', 128, true, 10), env('busy', 128, false, 5), env('mid', 256, true, 20)];
    expect(planRoom(entries, 128, 640)).toEqual(['old']);
    expect(planRoom(entries, 384, 640)).toEqual(['old', 'mid']);
  });

  it('answers undefined when busy environments alone leave no room', () => {
    expect(planRoom([env('a', 128, false, 1), env('b', 128, false, 2), env('c', 128, true, 3)], 256, 384)).toBeUndefined();
    expect(planRoom([], 512, 384)).toBeUndefined();
  });
});
