import type { AliasRecord } from './alias-model.js';

/**
 * The version one invocation of an alias runs: the additional version when `draw` (uniform in [0, 1),
 * drawn per invocation) falls below its weight, else the alias's own version. A weight of 0 never routes
 * to it, a weight of 1 always does.
 */
export function routeAlias(alias: Pick<AliasRecord, 'functionVersion' | 'additionalVersionWeights'>, draw: number): string {
  let threshold = 0;
  for (const [version, weight] of Object.entries(alias.additionalVersionWeights ?? {})) {
    threshold += weight;
    if (draw < threshold) return version;
  }
  return alias.functionVersion;
}
