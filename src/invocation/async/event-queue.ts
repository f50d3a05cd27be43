import type { AsyncEvent } from './async-event.js';

/** Where accepted events wait to be run: durable (an accepted event survives the process that took it). */
export interface EventQueue {
  /** Resolves once the event is stored; rejects (and the caller answers 5xx) when it could not be. */
  enqueue(event: AsyncEvent): Promise<void>;
}

/** The next step of an event that is not settled yet: run it again at `retryAt`, stored as `event`. */
export interface Requeue {
  retryAt: number;
  event: AsyncEvent;
}

/** Takes one event from the queue one step further. */
export interface EventHandler {
  /**
   * Runs (or settles) the event. `save` stores a step's result before its effects (so a crash repeats
   * the effects, never skips them). Returns when to run it again, or nothing once it is settled.
   */
  handle(event: AsyncEvent, save: (event: AsyncEvent) => Promise<void>): Promise<Requeue | undefined>;
}
