/** One receiver's watch on a queue: `wait` ends at a wake-up (one since the last wait counts), the time, or an abort. */
export interface QueueWatch {
  wait(untilMs: number, signal?: AbortSignal): Promise<void>;
  close(): void;
}

/**
 * Wakes the long polls of this process when messages may be receivable on their queue: the Redis
 * subscriber calls `notify` for each name published by a send (any process's), so a long poll reads
 * Redis once per wake-up or timer, never in a loop.
 */
export class QueueWakeups {
  private readonly listeners = new Map<string, Set<() => void>>();

  constructor(private readonly now: () => number = Date.now) {}

  notify(queueName: string): void {
    for (const listener of this.listeners.get(queueName) ?? []) listener();
  }

  /** How many watches there are (for tests). */
  get size(): number {
    let total = 0;
    for (const set of this.listeners.values()) total += set.size;
    return total;
  }

  /** Starts watching at once: a wake-up between this and the next `wait` is not lost. */
  watch(queueName: string): QueueWatch {
    let woken = false;
    let finish: (() => void) | undefined;
    const listener = (): void => {
      woken = true;
      finish?.();
    };
    const set = this.listeners.get(queueName) ?? new Set();
    set.add(listener);
    this.listeners.set(queueName, set);
    return {
      wait: (untilMs, signal) =>
        new Promise<void>((resolve) => {
          if (woken || signal?.aborted === true) {
            woken = false;
            resolve();
            return;
          }
          const done = (): void => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            finish = undefined;
            woken = false;
            resolve();
          };
          const timer = setTimeout(done, Math.max(0, untilMs - this.now()));
          signal?.addEventListener('abort', done, { once: true });
          finish = done;
        }),
      close: () => {
        finish?.();
        set.delete(listener);
        if (set.size === 0 && this.listeners.get(queueName) === set) this.listeners.delete(queueName);
      },
    };
  }
}
