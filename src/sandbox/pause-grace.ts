/** The longest an environment invoked steadily stays thawed past the configured grace. */
export const MAX_ADAPTIVE_GRACE_MS = 1_000;

/**
 * The typical gap between an environment's invocations, updated with the latest one (an exponentially
 * weighted mean); a gap longer than MAX_ADAPTIVE_GRACE_MS means it is not invoked steadily (undefined).
 */
export function nextTypicalGap(typicalMs: number | undefined, gapMs: number): number | undefined {
  if (gapMs > MAX_ADAPTIVE_GRACE_MS) return undefined;
  return typicalMs === undefined ? gapMs : 0.8 * typicalMs + 0.2 * gapMs;
}

/**
 * How long an idle environment stays thawed before it is frozen: the configured grace, or, while it is
 * invoked steadily, twice its typical gap (at most MAX_ADAPTIVE_GRACE_MS), so that one serving a steady
 * stream is not frozen and thawed between every two invocations (each costs an engine call, on the
 * invocation's path for the thaw).
 */
export function pauseGraceFor(configuredMs: number, typicalGapMs: number | undefined): number {
  if (typicalGapMs === undefined) return configuredMs;
  return Math.max(configuredMs, Math.min(MAX_ADAPTIVE_GRACE_MS, 2 * typicalGapMs));
}
