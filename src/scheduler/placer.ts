import { getEnvironmentKey, type FunctionVersionRecord } from '../control-plane/function-model.js';
import type { ConcurrencyLimiter } from '../invocation/concurrency/concurrency-limiter.js';
import { orderPlacement, rankWorkers, type PlacementOrder } from './placement.js';
import type { WarmClaim, WarmRegistry } from './warm-registry.js';
import type { WorkerInfo, WorkerRegistry } from './worker-registry.js';
import { LambdaError, SERVICE_ERROR_MESSAGE } from '../shared/errors.js';

/** How long the list of live workers (and their capacity reports) is reused before it is read again. */
const WORKERS_CACHE_MS = 1_000;
/** Environment keys whose worker order is kept (hashing every worker per invocation costs more than the rest). */
const RANKED_CACHE_SIZE = 10_000;

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
  /** The live workers as last read (one read in flight at a time, shared by every caller meanwhile). */
  private workers: { list: Promise<WorkerInfo[]>; at: number } | undefined;
  /** Memory sent each worker's way for cold starts since its capacity was last read. */
  private placedSinceMb = new Map<string, number>();
  private readonly ranked = new Map<string, string[]>();
  private rankedOf: WorkerInfo[] | undefined;
  private rankedIds = '';
  private byId = new Map<string, WorkerInfo>();

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
    const order = orderPlacement(this.rankedFor(key, workers), warmClaim, this.placedSinceMb);
    const first = order.order[0];
    if (!order.warm && first !== undefined) this.placedSinceMb.set(first.id, (this.placedSinceMb.get(first.id) ?? 0) + record.memorySize);
    return { ...order, leaseId: lease.value.handOver() };
  }

  /** The rendezvous order of the live workers for `key`, kept while the same workers are live. */
  private rankedFor(key: string, workers: WorkerInfo[]): WorkerInfo[] {
    if (this.rankedOf !== workers) {
      const ids = workers.map((w) => w.id).sort().join('\n');
      if (ids !== this.rankedIds) this.ranked.clear();
      this.rankedIds = ids;
      this.rankedOf = workers;
      this.byId = new Map(workers.map((w) => [w.id, w]));
    }
    let ids = this.ranked.get(key);
    if (ids === undefined) {
      ids = rankWorkers(key, workers).map((w) => w.id);
      if (this.ranked.size >= RANKED_CACHE_SIZE) this.ranked.clear();
      this.ranked.set(key, ids);
    }
    // The same order, with each worker's latest report.
    return ids.map((id) => this.byId.get(id) as WorkerInfo);
  }

  /** A worker could not be reached: read the live ones again next time. */
  forgetWorkers(): void {
    this.workers = undefined;
  }

  private liveWorkers(): Promise<WorkerInfo[]> {
    const now = Date.now();
    if (this.workers !== undefined && now - this.workers.at < WORKERS_CACHE_MS) return this.workers.list;
    const read = this.deps.registry.listLive().then((list) => {
      this.placedSinceMb = new Map();
      return list;
    });
    const entry = { list: read, at: now };
    this.workers = entry;
    // A failed read is not kept: the next caller reads again.
    read.catch(() => {
      if (this.workers === entry) this.workers = undefined;
    });
    return read;
  }
}
