import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QueueWakeups } from './queue-wakeups.js';

describe('QueueWakeups', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('ends a wait at a wake-up of its queue, not of another', async () => {
    const wakeups = new QueueWakeups(() => Date.now());
    const watch = wakeups.watch('a');
    let ended = false;
    const waiting = watch.wait(Date.now() + 10_000).then(() => (ended = true));
    wakeups.notify('b');
    await vi.advanceTimersByTimeAsync(1);
    expect(ended).toBe(false);
    wakeups.notify('a');
    await waiting;
    expect(ended).toBe(true);
    watch.close();
    expect(wakeups.size).toBe(0);
  });

  it('keeps a wake-up that came before the wait', async () => {
    const wakeups = new QueueWakeups(() => Date.now());
    const watch = wakeups.watch('a');
    wakeups.notify('a');
    const started = Date.now();
    await watch.wait(Date.now() + 10_000);
    expect(Date.now() - started).toBe(0);
    watch.close();
  });

  it('ends a wait at its time, or when aborted', async () => {
    const wakeups = new QueueWakeups(() => Date.now());
    const watch = wakeups.watch('a');
    const started = Date.now();
    const timed = watch.wait(Date.now() + 2_000);
    await vi.advanceTimersByTimeAsync(2_000);
    await timed;
    expect(Date.now() - started).toBe(2_000);
    const abort = new AbortController();
    const aborted = watch.wait(Date.now() + 10_000, abort.signal);
    abort.abort();
    await aborted;
    expect(Date.now() - started).toBe(2_000);
    watch.close();
  });
});
