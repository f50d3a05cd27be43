import { LambdaError } from '../shared/errors.js';

/** One environment as the capacity check sees it. */
export interface CapacityEntry {
  id: string;
  memoryMb: number;
  /** Idle (no invocation running or waiting for it): it may be evicted to make room. */
  idle: boolean;
  lastUsedAt: number;
}

/**
 * The idle environments to evict, least recently used first, so that a new one of `memoryMb` fits within
 * `budgetMb`; undefined when even evicting every idle one would not make room.
 */
export function planRoom(entries: readonly CapacityEntry[], memoryMb: number, budgetMb: number): string[] | undefined {
  let used = entries.reduce((sum, entry) => sum + entry.memoryMb, 0);
  if (used + memoryMb <= budgetMb) return [];
  const evicted: string[] = [];
  for (const entry of [...entries].filter((e) => e.idle).sort((a, b) => a.lastUsedAt - b.lastUsedAt)) {
    evicted.push(entry.id);
    used -= entry.memoryMb;
    if (used + memoryMb <= budgetMb) return evicted;
  }
  return undefined;
}

/**
 * This worker has no room for another environment: everything it runs is busy. A caller of another
 * worker may still find room there (an api tries the next one); to the caller it is AWS's throttle.
 */
export class HostFullError extends LambdaError {
  constructor(memoryMb: number, budgetMb: number) {
    super('TooManyRequestsException', 'Rate Exceeded.', {
      retryable: true,
      extra: { Reason: 'ConcurrentInvocationLimitExceeded' },
      cause: new Error(`no room for a ${memoryMb} MB environment within this worker's ${budgetMb} MB memory budget: every environment is busy`),
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
