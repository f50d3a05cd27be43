import { describe, expect, it } from 'vitest';
import { MAX_ADAPTIVE_GRACE_MS, nextTypicalGap, pauseGraceFor } from './pause-grace.js';

describe('pause grace', () => {
  it('is the configured one for an environment not invoked steadily', () => {
    expect(pauseGraceFor(100, undefined)).toBe(100);
    expect(nextTypicalGap(200, MAX_ADAPTIVE_GRACE_MS + 1)).toBeUndefined();
  });

  it('bridges the gaps of a steady stream (twice the typical gap), within the cap, never below the configured one', () => {
    let typical: number | undefined;
    for (let i = 0; i < 20; i += 1) typical = nextTypicalGap(typical, 300);
    expect(typical).toBeCloseTo(300);
    expect(pauseGraceFor(100, typical)).toBeCloseTo(600);
    expect(pauseGraceFor(100, 10)).toBe(100);
    expect(pauseGraceFor(100, 900)).toBe(MAX_ADAPTIVE_GRACE_MS);
    expect(pauseGraceFor(5_000, 900)).toBe(5_000);
  });

  it('moves with the stream: a slower one raises the typical gap step by step', () => {
    expect(nextTypicalGap(100, 600)).toBeCloseTo(200);
  });
});
