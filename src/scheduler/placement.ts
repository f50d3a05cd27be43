import { createHash } from 'node:crypto';
import type { WorkerInfo } from './worker-registry.js';

/**
 * The workers an execution environment key should go to, best first: rendezvous (highest random weight)
 * hashing of the key over the live workers. Every api process ranks them the same way, so the invocations
 * of one function version meet on one "home" worker, where its environments are warm, and only the keys
 * of a worker that leaves or joins move (as OpenWhisk's home invokers). The next ones are where it spills.
 */
export function rankWorkers(environmentKey: string, workers: readonly WorkerInfo[]): WorkerInfo[] {
  const weight = (worker: WorkerInfo) => createHash('sha256').update(worker.id).update('\n').update(environmentKey).digest().readUInt32BE(0);
  return [...workers]
    .map((worker) => ({ worker, weight: weight(worker) }))
    .sort((a, b) => b.weight - a.weight || (a.worker.id < b.worker.id ? -1 : 1))
    .map((entry) => entry.worker);
}
