import { describe, expect, it } from 'vitest';
import { allOf, atMost, figureRow, latencyRows, notMeasured, overBaselineAtMost, ratioAtLeast, ratioAtMost, renderTable } from './table.js';

describe('bench table rows', () => {
  it('compares each figure with the same figure of its baseline, with the ratio and whether the target was met', () => {
    const rows = latencyRows('warm', [1, 2, 3, 4], ['p50', 'p99'], {
      baseline: { name: 'floor', samples: [0.5, 1, 1.5, 2] },
      targets: { p50: overBaselineAtMost(0.5), p99: overBaselineAtMost(3) },
    });
    expect(rows.map((r) => [r.figure, r.value, r.baseline?.value, r.ratio, r.target?.met])).toEqual([
      ['p50', 2, 1, 2, false],
      ['p99', 4, 2, 2, true],
    ]);
  });

  it('checks ratio and absolute targets, all of them when combined', () => {
    expect(figureRow('c32', 'inv/s', 600, { baseline: { name: 'bare', value: 1000 }, target: ratioAtLeast(0.5) }).target?.met).toBe(true);
    expect(figureRow('c32', 'inv/s', 400, { baseline: { name: 'bare', value: 1000 }, target: ratioAtLeast(0.5) }).target?.met).toBe(false);
    const cold = allOf(atMost(30), ratioAtMost(0.1));
    expect(figureRow('stem', 'p50', 25, { baseline: { name: 'docker run', value: 300 }, target: cold }).target?.met).toBe(true);
    expect(figureRow('stem', 'p50', 25, { baseline: { name: 'docker run', value: 200 }, target: cold }).target?.met).toBe(false);
  });

  it('prints a row that was not measured instead of leaving it out', () => {
    const table = renderTable([notMeasured('cold start, stem cell', 'p50', 'not in this run', atMost(30)), figureRow('held', 'count', 1200)]);
    expect(table.split('\n')).toHaveLength(4);
    expect(table).toContain('| cold start, stem cell (not in this run) | p50 ms | not measured |  |  |  | ≤ 30 ms | — |');
    expect(table).toContain('| held | count | 1,200 |');
  });
});
