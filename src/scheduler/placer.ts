import { getEnvironmentKey, type FunctionVersionRecord } from '../control-plane/function-model.js';
import type { ConcurrencyLimiter } from '../invocation/concurrency/concurrency-limiter.js';
import { orderPlacement, type PlacementOrder } from './placement.js';
import type { WarmClaim, WarmRegistry } from './warm-registry.js';
import type { WorkerInfo, WorkerRegistry } from './worker-registry.js';
import { LambdaError, SERVICE_ERROR_MESSAGE } from '../shared/errors.js';

/** How long the list of live workers (and their capacity reports) is reused before it is read again. */
const WORKERS_CACHE_MS = 1_000;

export interface PlacerDeps {
  registry: WorkerRegistry;
  warm: WarmRegistry;
  /** The api takes each invocation's lease and hands it to the worker that runs it. */
  concurrency: ConcurrencyLimiter;
}

export interface Placement extends PlacementOrder {
  /** The invocation's concurrency lease, handed over: the worker that takes the invocation adopts it. */
  leaseId: string;
}

/**
 * The api's placement decision for one invocation: one round trip to Redis takes its concurrency lease
 * (a 429 past a limit) and claims an idle environment in the warm registry; then the order of workers to
 * try (see orderPlacement), from the live workers read at most once a second.
 */
export class Placer {
  private workers: { list: WorkerInfo[]; at: number } | undefined;
  /** Memory sent each worker's way for cold starts since its capacity was last read. */
  private placedSinceMb = new Map<string, number>();

  constructor(private readonly deps: PlacerDeps) {}

  async place(record: FunctionVersionRecord): Promise<Placement> {
    const workers = await this.liveWorkers();
    if (workers.length === 0) {
      throw new LambdaError('ServiceException', SERVICE_ERROR_MESSAGE, { retryable: true, cause: new Error('no lambdock worker is running') });
    }
    const key = getEnvironmentKey(record);
    // Both in one round trip: ioredis writes the second command without waiting for the first reply.
    const [lease, claim] = await Promise.allSettled([
      this.deps.concurrency.acquire(record.name),
      this.deps.warm.claim(key, workers.map((w) => w.id)),
    ]);
    const warmClaim: WarmClaim = claim.status === 'fulfilled' ? claim.value : {};
    if (lease.status === 'rejected') {
      if (warmClaim.warm !== undefined) this.deps.warm.unclaim(key, warmClaim.warm);
      throw lease.reason;
    }
    const order = orderPlacement(key, workers, warmClaim, this.placedSinceMb);
    const first = order.order[0];
    if (!order.warm && first !== undefined) this.placedSinceMb.set(first.id, (this.placedSinceMb.get(first.id) ?? 0) + record.memorySize);
    return { ...order, leaseId: lease.value.handOver() };
  }

  /** A worker could not be reached: read the live ones again next time. */
  forgetWorkers(): void {
    this.workers = undefined;
  }

  private async liveWorkers(): Promise<WorkerInfo[]> {
    const now = Date.now();
    if (this.workers !== undefined && now - this.workers.at < WORKERS_CACHE_MS) return this.workers.list;
    const list = await this.deps.registry.listLive();
    this.workers = { list, at: now };
    this.placedSinceMb = new Map();
    return list;
  }
}
