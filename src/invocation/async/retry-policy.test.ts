import { describe, expect, it } from 'vitest';
import type { AsyncEvent } from './async-event.js';
import { decideAfterTry, decideBeforeTry, type TryResult } from './retry-policy.js';

const T0 = 1_700_000_000_000;
const timings = { retryDelaysMs: [60_000, 120_000] as const, backoffMinMs: 1_000, backoffMaxMs: 300_000 };
const defaults = { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 };
const event = (extra: Partial<AsyncEvent> = {}): AsyncEvent => ({
  requestId: 'r-1',
  functionName: 'fn',
  payload: '{}',
  acceptedAt: T0,
  attempts: 0,
  deferrals: 0,
  stage: { kind: 'queued' },
  ...extra,
});
const failed: TryResult = { kind: 'answered', answer: { executedVersion: '$LATEST', functionError: 'Unhandled', payload: '{"errorMessage":"boom"}' } };
const succeeded: TryResult = { kind: 'answered', answer: { executedVersion: '$LATEST', payload: '1' } };
const throttled: TryResult = { kind: 'deferred', status: 429, message: 'Rate Exceeded.' };

describe('the retry policy of asynchronous invocations', () => {
  it('runs a failing event 1 + MaximumRetryAttempts times, about 1 then 2 minutes apart, then gives up as RetriesExhausted', () => {
    let e = event();
    let now = T0;
    const retries: number[] = [];
    for (;;) {
      const decision = decideAfterTry(e, failed, defaults, now, timings);
      if (decision.kind === 'settle') {
        expect(decision.condition).toBe('RetriesExhausted');
        expect(decision.event.attempts).toBe(3);
        expect(decision.event.lastAnswer?.functionError).toBe('Unhandled');
        break;
      }
      retries.push(decision.at - now);
      now = decision.at;
      e = decision.event;
    }
    expect(retries).toEqual([60_000, 120_000]);
  });

  it('settles a success with its answer and the attempts it took', () => {
    const decision = decideAfterTry(event({ attempts: 1 }), succeeded, defaults, T0, timings);
    expect(decision).toMatchObject({ kind: 'settle', condition: 'Success', event: { attempts: 2, lastAnswer: { payload: '1' } } });
  });

  it('honours MaximumRetryAttempts 0: one attempt', () => {
    const decision = decideAfterTry(event(), failed, { ...defaults, maximumRetryAttempts: 0 }, T0, timings);
    expect(decision).toMatchObject({ kind: 'settle', condition: 'RetriesExhausted', event: { attempts: 1 } });
  });

  it('gives up at once as EventAgeExceeded when the next retry would come after the maximum age (age 60: 1 attempt, 90: 2), as AWS does', () => {
    const age60 = decideAfterTry(event(), failed, { ...defaults, maximumEventAgeSeconds: 60 }, T0 + 500, timings);
    expect(age60).toMatchObject({ kind: 'settle', condition: 'EventAgeExceeded', event: { attempts: 1 } });
    const age90 = { ...defaults, maximumEventAgeSeconds: 90 };
    const first = decideAfterTry(event(), failed, age90, T0 + 500, timings);
    expect(first.kind).toBe('retry');
    const second = decideAfterTry(first.event, failed, age90, T0 + 61_000, timings);
    expect(second).toMatchObject({ kind: 'settle', condition: 'EventAgeExceeded', event: { attempts: 2 } });
  });

  it('retries a throttled event with doubling backoff up to the cap, without counting an attempt', () => {
    let e = event();
    const waits: number[] = [];
    for (let i = 0; i < 11; i += 1) {
      const decision = decideAfterTry(e, throttled, defaults, T0, timings);
      if (decision.kind !== 'retry') throw new Error('expected a retry');
      waits.push(decision.at - T0);
      e = decision.event;
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000]);
    expect(e.attempts).toBe(0);
    expect(e.lastDeferral).toEqual({ status: 429, message: 'Rate Exceeded.' });
  });

  it('retries a throttled event no later than its expiry, and settles it there as EventAgeExceeded', () => {
    const settings = { ...defaults, maximumEventAgeSeconds: 60 };
    const decision = decideAfterTry(event({ deferrals: 9 }), throttled, settings, T0 + 50_000, timings);
    expect(decision).toMatchObject({ kind: 'retry', at: T0 + 60_000 });
    expect(decideBeforeTry(decision.event, settings, T0 + 59_999)).toBeUndefined();
    expect(decideBeforeTry(decision.event, settings, T0 + 60_000)).toMatchObject({ kind: 'settle', condition: 'EventAgeExceeded' });
  });

  it('sends an event of a function with reserved concurrency 0 to failure untried', () => {
    expect(decideAfterTry(event(), { kind: 'zero-reserved' }, defaults, T0, timings)).toMatchObject({
      kind: 'settle',
      condition: 'ZeroReservedConcurrency',
      event: { attempts: 0 },
    });
  });
});
