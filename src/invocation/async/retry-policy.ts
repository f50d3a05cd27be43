import type { AsyncSettings } from '../../control-plane/event-invoke-config/async-settings.js';
import type { AsyncConfig } from '../../config/config.js';
import type { AsyncEvent, AttemptAnswer, Condition } from './async-event.js';

/** How one try of an event went. */
export type TryResult =
  /** The function ran it: a response or a function error (both are attempts). */
  | { kind: 'answered'; answer: AttemptAnswer }
  /** It did not reach the function: throttled (429), or lambdock failed to run it (5xx). Not an attempt. */
  | { kind: 'deferred'; status: number; message: string }
  /** The function's reserved concurrency is 0: AWS sends such events to failure at once, untried. */
  | { kind: 'zero-reserved' };

export type Decision =
  | { kind: 'retry'; at: number; event: AsyncEvent }
  | { kind: 'settle'; condition: Condition; event: AsyncEvent };

export type RetryTimings = Pick<AsyncConfig, 'retryDelaysMs' | 'backoffMinMs' | 'backoffMaxMs'>;

const expiryOf = (event: AsyncEvent, settings: AsyncSettings): number => event.acceptedAt + settings.maximumEventAgeSeconds * 1000;

/** Before a try: an event past its maximum age is not run again. */
export function decideBeforeTry(event: AsyncEvent, settings: AsyncSettings, now: number): Decision | undefined {
  return now >= expiryOf(event, settings) ? { kind: 'settle', condition: 'EventAgeExceeded', event } : undefined;
}

/**
 * After a try. A function error is retried up to MaximumRetryAttempts times, after AWS's growing waits; when
 * the next wait would end past the event's maximum age, it is given up at once (as AWS does: it does not
 * wait out the age). A throttle or lambdock's own failure is tried again with doubling backoff until the
 * age runs out, and does not count as an attempt.
 */
export function decideAfterTry(event: AsyncEvent, result: TryResult, settings: AsyncSettings, now: number, timings: RetryTimings): Decision {
  switch (result.kind) {
    case 'zero-reserved':
      return { kind: 'settle', condition: 'ZeroReservedConcurrency', event };
    case 'deferred': {
      const next = { ...event, deferrals: event.deferrals + 1, lastDeferral: { status: result.status, message: result.message } };
      const wait = Math.min(timings.backoffMinMs * 2 ** event.deferrals, timings.backoffMaxMs);
      return { kind: 'retry', at: Math.min(now + wait, expiryOf(event, settings)), event: next };
    }
    case 'answered': {
      const next = { ...event, attempts: event.attempts + 1, lastAnswer: result.answer };
      const attempts = next.attempts;
      if (result.answer.functionError === undefined) return { kind: 'settle', condition: 'Success', event: next };
      if (attempts > settings.maximumRetryAttempts) return { kind: 'settle', condition: 'RetriesExhausted', event: next };
      const at = now + (timings.retryDelaysMs[attempts - 1] ?? timings.retryDelaysMs[1]);
      if (at > expiryOf(event, settings)) return { kind: 'settle', condition: 'EventAgeExceeded', event: next };
      return { kind: 'retry', at, event: next };
    }
  }
}
