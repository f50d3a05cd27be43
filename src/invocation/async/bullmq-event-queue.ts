import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { settlesWithin } from '../../shared/deadline.js';
import type { AsyncEvent } from './async-event.js';
import type { EventHandler, EventQueue } from './event-queue.js';

export interface BullmqEventQueueOptions {
  /** The connection events are added on: bounded commands (a Redis that does not answer fails the add). */
  producer: Redis;
  /** BullMQ's blocking connection for taking events (`maxRetriesPerRequest: null`). */
  consumer: Redis;
  /** The installation's Redis prefix: the queue lives under `<prefix>:bull`. */
  prefix: string;
  /** Events this process runs at once. */
  concurrency: number;
  /** How long a taken event stays this process's without a renewal: past it (a crash), another takes it up. */
  lockMs: number;
  onError: (error: unknown) => void;
}

const QUEUE_NAME = 'async-events';
/** How long a closing queue waits for Redis (past the drain). */
const CLOSE_MS = 2_000;
/** lambdock's own failures to take an event a step (not the function's, which the handler settles) are tried again… */
const STEP_ATTEMPTS = 1_000;
/** …with doubling waits up to a minute. */
const stepBackoff = (attemptsMade: number): number => Math.min(1_000 * 2 ** Math.max(0, attemptsMade - 1), 60_000);
/** Past AWS's longest maximum event age, a step that still fails is given up (kept in the failed set, logged). */
const GIVE_UP_AFTER_MS = 21_600_000;

/**
 * The asynchronous invocations' queue, one BullMQ queue per installation (`async-events`). An event's job
 * id is its request id (one job per accepted event); its data is the whole AsyncEvent, stored again after
 * every step. A retry moves the job back to the delayed set; an api process that dies mid-event leaves the
 * job locked until `lockMs` passes, when a live one's stalled check takes it up again (at least once).
 */
export class BullmqEventQueue implements EventQueue {
  private readonly queue: Queue;
  private worker: Worker | undefined;

  constructor(private readonly options: BullmqEventQueueOptions) {
    this.queue = new Queue(QUEUE_NAME, {
      connection: options.producer,
      prefix: `${options.prefix}:bull`,
      streams: { events: { maxLen: 1_000 } },
    });
    this.queue.on('error', options.onError);
  }

  async enqueue(event: AsyncEvent): Promise<void> {
    await this.queue.add('event', event, {
      jobId: event.requestId,
      removeOnComplete: true,
      // A job that lambdock itself failed to move on a thousand times stays in Redis to be looked at.
      removeOnFail: false,
      attempts: STEP_ATTEMPTS,
      backoff: { type: 'lambdock' },
    });
  }

  /** Starts taking events (an api process, or a whole lambdock). */
  async consume(handler: EventHandler): Promise<void> {
    const process = async (job: Job<AsyncEvent>, token?: string): Promise<void> => {
      let requeue;
      try {
        requeue = await handler.handle(job.data, (event) => job.updateData(event));
      } catch (error) {
        // The handler settles every outcome of the function's; what throws is lambdock's own (Redis, a bug).
        if (Date.now() - job.data.acceptedAt < GIVE_UP_AFTER_MS) throw error;
        throw new UnrecoverableError(`gave up an asynchronous invocation past its maximum age: ${(error as Error).message}`);
      }
      if (requeue === undefined) return;
      await job.updateData(requeue.event);
      await job.moveToDelayed(requeue.retryAt, token);
      throw new DelayedError();
    };
    this.worker = new Worker<AsyncEvent>(QUEUE_NAME, process, {
      connection: this.options.consumer,
      prefix: `${this.options.prefix}:bull`,
      concurrency: this.options.concurrency,
      lockDuration: this.options.lockMs,
      stalledInterval: Math.max(500, Math.floor(this.options.lockMs / 2)),
      // A job whose process died is always taken up again, however often that happens.
      maxStalledCount: Number.MAX_SAFE_INTEGER,
      settings: { backoffStrategy: stepBackoff },
    });
    this.worker.on('error', this.options.onError);
    // Every failed step is logged (it is tried again, unless it was given up).
    this.worker.on('failed', (_job, error) => this.options.onError(error));
    await this.worker.waitUntilReady();
  }

  /** Events waiting, delayed (retries) or running: for health and the bench. */
  async fetchCounts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('wait', 'delayed', 'active', 'failed');
  }

  /**
   * Stops taking events. Those running get `drainMs` to finish; any still running then are let go (their
   * locks are no longer renewed), and taken up again (by another api process, or this one's next start)
   * once their lock lapses. A Redis that is gone does not hold this up.
   */
  async stopConsuming(drainMs: number): Promise<void> {
    const worker = this.worker;
    if (worker === undefined) return;
    await settlesWithin(worker.pause(), drainMs);
    await settlesWithin(worker.close(true), CLOSE_MS);
  }

  /** Stops accepting events (after the API has stopped taking requests). */
  async close(): Promise<void> {
    await settlesWithin(this.queue.close(), CLOSE_MS);
  }


}
