import { describe, expect, it } from 'vitest';
import { countInvocation, getLineageHash, isLoopStopped } from './recursion-guard.js';
import { formatTraceHeader, getTraceField, parseTraceHeader } from './trace-header.js';

describe('recursion guard', () => {
  const a = getLineageHash('arn:aws:lambda:us-east-1:000000000000:function:a');
  const b = getLineageHash('arn:aws:lambda:us-east-1:000000000000:function:b');

  it('counts a function once per invocation in the Lineage field, beside the other functions of the chain', () => {
    const first = countInvocation(parseTraceHeader('Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0'), a);
    expect(first.recursions).toBe(0);
    expect(getTraceField(first.trace, 'Lineage')).toBe(`${a}:0`);
    const viaB = countInvocation(first.trace, b);
    const backToA = countInvocation(viaB.trace, a);
    expect(backToA.recursions).toBe(1);
    expect(formatTraceHeader(backToA.trace)).toBe(`Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0;Lineage=${b}:0|${a}:1`);
  });

  it('lets a function be invoked 16 times recursively and stops the 17th', () => {
    let step = countInvocation([], a);
    const stopped: boolean[] = [];
    for (let call = 1; call <= 17; call += 1) {
      step = countInvocation(step.trace, a);
      stopped.push(isLoopStopped(step));
    }
    expect(stopped.indexOf(true)).toBe(16);
    expect(stopped.slice(0, 16).every((s) => !s)).toBe(true);
  });

  it('ignores malformed Lineage entries', () => {
    expect(countInvocation(parseTraceHeader('Root=x;Lineage=zz:1|a:b'), a)).toMatchObject({ recursions: 0, trace: [['Root', 'x'], ['Lineage', `${a}:0`]] });
  });
});
