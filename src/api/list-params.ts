import type { Violations } from '../shared/violations.js';

/** A list operation's `?MaxItems=` (MaxListItems: 1–10000), its violations added; undefined when not given. */
export function parseMaxItems(raw: string | undefined, violations: Violations): number | undefined {
  if (raw === undefined) return undefined;
  const maxItems = Number(raw);
  if (maxItems < 1) violations.add('maxItems', maxItems, 'Member must have value greater than or equal to 1');
  if (maxItems > 10000) violations.add('maxItems', maxItems, 'Member must have value less than or equal to 10000');
  return maxItems;
}
