import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { settlesWithin } from '../shared/deadline.js';
import type { Retirement, RetirementBus } from './retirement-bus.js';

export interface BullmqRetirementBusOptions {
  /** A connection of its own for BullMQ (`maxRetriesPerRequest: null`, no command timeout: workers block on it). */
  connection: Redis;
  /** The installation's Redis prefix: the queues live under `<prefix>:bull`. */
  prefix: string;
  /** Api side: the workers to tell (the live ones). */
  targets?: () => Promise<string[]>;
  onError: (error: unknown) => void;
}

const queueName = (workerId: string) => `worker-${workerId}`;
/** How long a closing bus waits for Redis. */
const CLOSE_MS = 2_000;

/**
 * Retirements as BullMQ jobs, one queue per worker (`worker-<id>`): an api adds a job to each live worker's
 * queue; each worker takes its own in order. A worker that loses Redis for a moment finds the jobs it
 * missed when it is back (pub/sub would have dropped them); one that restarts drops its queue's old jobs
 * first (it has no environments from before).
 */
export class BullmqRetirementBus implements RetirementBus {
  private readonly queues = new Map<string, Queue>();
  private worker: Worker | undefined;

  constructor(private readonly options: BullmqRetirementBusOptions) {}

  private queueOf(workerId: string): Queue {
    let queue = this.queues.get(workerId);
    if (queue === undefined) {
      queue = new Queue(queueName(workerId), {
        connection: this.options.connection,
        prefix: `${this.options.prefix}:bull`,
        streams: { events: { maxLen: 100 } },
        defaultJobOptions: { removeOnComplete: true, removeOnFail: 100 },
      });
      queue.on('error', this.options.onError);
      this.queues.set(workerId, queue);
    }
    return queue;
  }

  publish(retirement: Retirement): void {
    const targets = this.options.targets;
    if (targets === undefined) throw new Error('this retirement bus was made without targets: it cannot publish');
    void targets()
      .then((ids) => Promise.all(ids.map((id) => this.queueOf(id).add('retire', retirement))))
      .catch(this.options.onError);
  }

  /** Worker side: takes the jobs of `workerId`'s queue (its old ones dropped first). */
  async subscribe(workerId: string, handler: (retirement: Retirement) => void): Promise<void> {
    await this.queueOf(workerId).drain();
    this.worker = new Worker(
      queueName(workerId),
      async (job) => {
        handler(job.data as Retirement);
      },
      { connection: this.options.connection, prefix: `${this.options.prefix}:bull`, concurrency: 1 },
    );
    this.worker.on('error', this.options.onError);
    await this.worker.waitUntilReady();
  }

  async close(): Promise<void> {
    // Bounded: a Redis that is gone does not hold a shutdown up.
    if (this.worker !== undefined) await settlesWithin(this.worker.close(), CLOSE_MS);
    await settlesWithin(Promise.all([...this.queues.values()].map((queue) => queue.close())), CLOSE_MS);
    this.queues.clear();
  }
}
