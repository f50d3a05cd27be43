import { describe, expect, it } from 'vitest';
import { routeAlias } from './alias-routing.js';

describe('routeAlias', () => {
  const canary = { functionVersion: '1', additionalVersionWeights: { '2': 0.3 } };

  it('sends a draw below the weight to the additional version, others to the alias version', () => {
    expect(routeAlias(canary, 0)).toBe('2');
    expect(routeAlias(canary, 0.2999)).toBe('2');
    expect(routeAlias(canary, 0.3)).toBe('1');
    expect(routeAlias(canary, 0.9999)).toBe('1');
  });

  it('routes to the alias version alone without weights', () => {
    expect(routeAlias({ functionVersion: '$LATEST' }, 0)).toBe('$LATEST');
    expect(routeAlias({ functionVersion: '3', additionalVersionWeights: {} }, 0.5)).toBe('3');
  });

  it('never routes to a weight of 0 and always to a weight of 1', () => {
    for (const draw of [0, 0.5, 0.999999]) {
      expect(routeAlias({ functionVersion: '1', additionalVersionWeights: { '2': 0 } }, draw)).toBe('1');
      expect(routeAlias({ functionVersion: '1', additionalVersionWeights: { '2': 1 } }, draw)).toBe('2');
    }
  });

  it('gives the additional version its share of evenly spread draws', () => {
    const draws = Array.from({ length: 1000 }, (_, i) => i / 1000);
    const toTwo = draws.filter((d) => routeAlias(canary, d) === '2').length;
    expect(toTwo).toBe(300);
  });
});
