import { describe, expect, it } from 'vitest';
import { formatTraceHeader, getInvocationTrace, getTraceField, parseTraceHeader } from './trace-header.js';

describe('trace header', () => {
  it('starts a new, unsampled trace when the caller sent none (or a malformed one)', () => {
    for (const incoming of [undefined, 'Root=nonsense', '']) {
      const header = formatTraceHeader(getInvocationTrace(incoming, Date.UTC(2024, 0, 1)));
      expect(header).toMatch(/^Root=1-65920080-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
    }
  });

  it("keeps the caller's trace, gives it a new Parent, and carries other fields", () => {
    const incoming = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1';
    const trace = getInvocationTrace(incoming);
    expect(getTraceField(trace, 'Root')).toBe('1-5759e988-bd862e3fe1be46a994272793');
    expect(getTraceField(trace, 'Parent')).not.toBe('53995c3f42cd8ad8');
    expect(getTraceField(trace, 'Sampled')).toBe('1');
    expect(getTraceField(trace, 'lineage')).toBe('a87bd80c:1');
    expect(parseTraceHeader(formatTraceHeader(trace)).map(([key]) => key)).toEqual(['Root', 'Parent', 'Sampled', 'Lineage']);
  });

  it('draws a new root and parent every time, past many refills of its random pool', () => {
    const roots = new Set<string>();
    const parents = new Set<string>();
    // 20 random bytes per trace: 1,000 traces go through the 4 KB pool about five times.
    for (let i = 0; i < 1000; i += 1) {
      const trace = getInvocationTrace(undefined);
      roots.add(getTraceField(trace, 'Root') ?? '');
      parents.add(getTraceField(trace, 'Parent') ?? '');
    }
    expect(roots.size).toBe(1000);
    expect(parents.size).toBe(1000);
    expect([...parents].every((parent) => /^[0-9a-f]{16}$/.test(parent))).toBe(true);
  });
});
