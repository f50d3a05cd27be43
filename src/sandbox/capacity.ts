import { LambdaError } from '../shared/errors.js';

/** What an environment takes of a worker: its MemorySize and its /tmp disk (EphemeralStorage), in MB. */
export interface Footprint {
  memoryMb: number;
  tmpMb: number;
}

/** What a worker's environments may take together; a resource without a budget is unbounded. */
export interface Budget {
  memoryMb?: number;
  tmpMb?: number;
}

/** One environment as the capacity check sees it. */
export interface CapacityEntry extends Footprint {
  id: string;
  /** Idle (no invocation running or waiting for it): it may be evicted to make room. */
  idle: boolean;
  lastUsedAt: number;
}

/**
 * What an environment is charged against its worker's budget: its configured footprint, or, while it is
 * frozen, what it was measured to take as it froze (a frozen process allocates nothing; a thaw charges
 * the configured footprint again before it runs). A figure that could not be measured is charged as
 * configured, and a measurement never charges more than that.
 */
export function chargeOf(configured: Footprint, frozen: Partial<Footprint> | undefined): Footprint {
  if (frozen === undefined) return configured;
  const measured = (value: number | undefined, limit: number) => (value === undefined || !Number.isFinite(value) ? limit : Math.min(limit, Math.ceil(value)));
  return { memoryMb: measured(frozen.memoryMb, configured.memoryMb), tmpMb: measured(frozen.tmpMb, configured.tmpMb) };
}

const fits = (used: Footprint, add: Footprint, budget: Budget): boolean =>
  (budget.memoryMb === undefined || used.memoryMb + add.memoryMb <= budget.memoryMb) &&
  (budget.tmpMb === undefined || used.tmpMb + add.tmpMb <= budget.tmpMb);

/**
 * The idle environments to evict, least recently used first, so that a new one of `need` fits within
 * `budget` (memory and /tmp disk alike); undefined when even evicting every idle one would not make room.
 */
export function planRoom(entries: readonly CapacityEntry[], need: Footprint, budget: Budget): string[] | undefined {
  const used = entries.reduce((sum, entry) => ({ memoryMb: sum.memoryMb + entry.memoryMb, tmpMb: sum.tmpMb + entry.tmpMb }), { memoryMb: 0, tmpMb: 0 });
  if (fits(used, need, budget)) return [];
  const evicted: string[] = [];
  for (const entry of [...entries].filter((e) => e.idle).sort((a, b) => a.lastUsedAt - b.lastUsedAt)) {
    evicted.push(entry.id);
    used.memoryMb -= entry.memoryMb;
    used.tmpMb -= entry.tmpMb;
    if (fits(used, need, budget)) return evicted;
  }
  return undefined;
}

/**
 * This worker has no room for another environment: everything it runs is busy. A caller of another
 * worker may still find room there (an api tries the next one); to the caller it is AWS's throttle.
 */
export class HostFullError extends LambdaError {
  constructor(need: Footprint, budget: Budget) {
    super('TooManyRequestsException', 'Rate Exceeded.', {
      retryable: true,
      extra: { Reason: 'ConcurrentInvocationLimitExceeded' },
      cause: new Error(
        `no room for an environment of ${need.memoryMb} MB memory and ${need.tmpMb} MB /tmp within this worker's budget ` +
          `(${budget.memoryMb ?? 'unbounded'} MB memory, ${budget.tmpMb ?? 'unbounded'} MB /tmp): every environment is busy`,
      ),
    });
  }
}

/**
 * An invocation waited in line as long as it may for an environment of its function (every one busy,
 * and no room or time to start another): AWS's throttle, rather than an answer that never comes.
 */
export class QueueTimeoutError extends LambdaError {
  constructor(waitedMs: number) {
    super('TooManyRequestsException', 'Rate Exceeded.', {
      retryable: true,
      extra: { Reason: 'ConcurrentInvocationLimitExceeded' },
      cause: new Error(`no execution environment became free for this invocation within ${waitedMs} ms`),
    });
  }
}
