import { createHash } from 'node:crypto';
import type { WarmClaim } from './warm-registry.js';
import type { WorkerInfo } from './worker-registry.js';

/**
 * The workers an execution environment key should go to, best first: rendezvous (highest random weight)
 * hashing of the key over the live workers. Every api process ranks them the same way, so the invocations
 * of one function version meet on one "home" worker, and only the keys of a worker that leaves or joins
 * move (as OpenWhisk's home invokers). Placement breaks its ties with it; provisioned environments use it.
 */
export function rankWorkers(environmentKey: string, workers: readonly WorkerInfo[]): WorkerInfo[] {
  const weight = (worker: WorkerInfo) => createHash('sha256').update(worker.id).update('\n').update(environmentKey).digest().readUInt32BE(0);
  return [...workers]
    .map((worker) => ({ worker, weight: weight(worker) }))
    .sort((a, b) => b.weight - a.weight || (a.worker.id < b.worker.id ? -1 : 1))
    .map((entry) => entry.worker);
}

/** Memory a worker has free for new environments: its last report less what was sent its way since. */
export function freeMemoryMb(worker: WorkerInfo, placedSinceMb = 0): number {
  if (worker.capacity === undefined) return 0;
  return worker.capacity.memoryBudgetMb - worker.capacity.memoryUsedMb - placedSinceMb;
}

export interface PlacementOrder {
  /** The workers to try in turn, each refusing at once when it has neither a free environment nor room. */
  order: WorkerInfo[];
  /** When every one refused: the worker to wait on for an environment of the key to free up. */
  waitOn: WorkerInfo | undefined;
  /** Whether order[0] is a warm claim (else it cold-starts, and its free memory is taken into account). */
  warm: boolean;
}

/**
 * Where an invocation goes: the worker the warm registry claimed an idle environment on, else the one
 * with the most free memory (which cold-starts one), then the others by free memory; ties go to the
 * rendezvous order (`ranked` is the live workers in rankWorkers' order for the key). If all are full, it
 * waits where most environments of its key are (they free up).
 */
export function orderPlacement(ranked: readonly WorkerInfo[], claim: WarmClaim, placedSinceMb: ReadonlyMap<string, number>): PlacementOrder {
  const rank = new Map(ranked.map((worker, at) => [worker.id, at]));
  const byFree = [...ranked].sort(
    (a, b) => freeMemoryMb(b, placedSinceMb.get(b.id)) - freeMemoryMb(a, placedSinceMb.get(a.id)) || (rank.get(a.id) ?? 0) - (rank.get(b.id) ?? 0),
  );
  const warm = claim.warm === undefined ? undefined : ranked.find((worker) => worker.id === claim.warm);
  const order = warm === undefined ? byFree : [warm, ...byFree.filter((worker) => worker !== warm)];
  const most = claim.most === undefined ? undefined : ranked.find((worker) => worker.id === claim.most);
  return { order, waitOn: most ?? order[0], warm: warm !== undefined };
}

/**
 * How many of an environment key's `total` provisioned environments `workerId` holds: an even split over
 * the live workers, the rendezvous order taking the remainder, so every worker computes the same shares
 * and they add up to `total`. A worker not (yet) live holds none.
 */
export function provisionedShare(workerId: string, environmentKey: string, workers: readonly WorkerInfo[], total: number): number {
  const ranked = rankWorkers(environmentKey, workers);
  const at = ranked.findIndex((worker) => worker.id === workerId);
  if (at < 0) return 0;
  return Math.floor(total / ranked.length) + (at < total % ranked.length ? 1 : 0);
}
