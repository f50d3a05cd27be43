import { Pool } from 'undici';
import { getEnvironmentKey } from '../control-plane/function-model.js';
import type { ConcurrencyLimiter } from '../invocation/concurrency/concurrency-limiter.js';
import type { Execution, Executor } from '../invocation/execution.js';
import type { InvokeResponse } from '../invocation/invocation-result.js';
import { getInvokeDeadlineMs } from '../invocation/local-executor.js';
import { LambdaError, SERVICE_ERROR_MESSAGE, serviceError } from '../shared/errors.js';
import { ERROR_HEADER, EXECUTIONS_PATH, FULL_HEADER, TOKEN_HEADER, decodeError, decodeResponse, encodeExecution } from './execution-wire.js';
import { orderPlacement } from './placement.js';
import type { WarmClaim, WarmRegistry } from './warm-registry.js';
import type { WorkerInfo, WorkerRegistry } from './worker-registry.js';

/** How long the list of live workers (and their capacity reports) is reused before it is read again. */
const WORKERS_CACHE_MS = 1_000;

export interface RemoteExecutorOptions {
  /** Where workers fetch code they do not have (this api's code download URL base). */
  codeUrl: string;
  /** How long a worker lets an invocation wait for an environment (LAMBDOCK_QUEUE_WAIT_MS, the same everywhere). */
  queueWaitMs: number;
}

export interface RemoteExecutorDeps {
  registry: WorkerRegistry;
  warm: WarmRegistry;
  /** The api takes each invocation's lease and hands it to the worker that runs it. */
  concurrency: ConcurrencyLimiter;
  token: string;
}

const isRefused = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && ['ECONNREFUSED', 'EHOSTUNREACH', 'ENOTFOUND'].includes((error as { code?: string }).code ?? '');

/** A worker's answer: its outcome, or a refusal because it has no room (another worker may have). */
type Attempt = { kind: 'answered'; response: InvokeResponse } | { kind: 'full'; refusal: LambdaError } | { kind: 'unreachable'; error: unknown };

/**
 * Runs executions on workers. One round trip to Redis takes the invocation's concurrency lease and claims
 * an idle environment in the warm registry; the execution then goes, over a kept-alive HTTP connection,
 * to the claimed worker, else to the one with the most free memory (a cold start). A worker with neither
 * a free environment nor room refuses at once and the next is tried; when all refuse, the invocation
 * waits where most environments of its function are. A worker that dies mid-invocation gives the caller
 * a prompt ServiceException (its leases lapse on their own).
 */
export class RemoteExecutor implements Executor {
  private readonly pools = new Map<string, Pool>();
  private workers: { list: WorkerInfo[]; at: number } | undefined;
  /** Memory sent each worker's way for cold starts since its capacity was last read. */
  private placedSinceMb = new Map<string, number>();

  constructor(
    private readonly deps: RemoteExecutorDeps,
    private readonly options: RemoteExecutorOptions,
  ) {}

  async execute(execution: Execution): Promise<InvokeResponse> {
    const workers = await this.liveWorkers();
    if (workers.length === 0) {
      throw new LambdaError('ServiceException', SERVICE_ERROR_MESSAGE, { retryable: true, cause: new Error('no lambdock worker is running') });
    }
    const { record } = execution;
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
    const leaseId = lease.value.handOver();
    const { order, waitOn, warm } = orderPlacement(key, workers, warmClaim, this.placedSinceMb);
    const first = order[0];
    if (!warm && first !== undefined) this.placedSinceMb.set(first.id, (this.placedSinceMb.get(first.id) ?? 0) + record.memorySize);

    const deadlineMs = this.options.queueWaitMs + getInvokeDeadlineMs(record.timeout) + 1_000;
    const send = (worker: WorkerInfo, waitForRoom: boolean) =>
      this.attempt(worker, encodeExecution({ ...execution, waitForRoom, leaseId, codeUrl: this.options.codeUrl }), deadlineMs);
    let last: Attempt | undefined;
    try {
      for (const worker of order) {
        last = await send(worker, false);
        if (last.kind === 'answered') return last.response;
      }
      // Every worker is full: wait in line where environments of this function will free up.
      if (waitOn !== undefined && last?.kind === 'full') {
        last = await send(waitOn, true);
        if (last.kind === 'answered') return last.response;
      }
    } catch (error) {
      // It may have run (or be running): the worker holds the lease until it is over, or it lapses.
      throw error instanceof LambdaError ? error : serviceError(error);
    }
    // Nobody took the invocation: its lease goes back.
    this.deps.concurrency.adopt(record.name, leaseId).release();
    if (last?.kind === 'full') throw last.refusal;
    throw serviceError(last?.kind === 'unreachable' ? last.error : new Error('no lambdock worker could be reached'));
  }

  /** One worker's answer; throws for a failure after which the invocation may have run. */
  private async attempt(worker: WorkerInfo, body: Buffer, deadlineMs: number): Promise<Attempt> {
    try {
      const res = await this.poolOf(worker.url).request({
        method: 'POST',
        path: EXECUTIONS_PATH,
        headers: { [TOKEN_HEADER]: this.deps.token, 'content-type': 'application/octet-stream' },
        body,
        headersTimeout: deadlineMs,
        bodyTimeout: deadlineMs,
      });
      const payload = Buffer.from(await res.body.arrayBuffer());
      const refusal = res.headers[ERROR_HEADER];
      if (typeof refusal === 'string' && res.headers[FULL_HEADER] !== undefined) return { kind: 'full', refusal: decodeError(refusal) };
      if (typeof refusal === 'string') throw decodeError(refusal);
      if (res.statusCode !== 200) throw serviceError(new Error(`worker ${worker.id} answered ${res.statusCode}`));
      return { kind: 'answered', response: decodeResponse(res.headers, payload) };
    } catch (error) {
      // Not reached at all: safe to try the next worker. Anything else may have run.
      if (!isRefused(error)) throw error;
      this.workers = undefined;
      return { kind: 'unreachable', error };
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
  }

  private async liveWorkers(): Promise<WorkerInfo[]> {
    const now = Date.now();
    if (this.workers !== undefined && now - this.workers.at < WORKERS_CACHE_MS) return this.workers.list;
    const list = await this.deps.registry.listLive();
    this.workers = { list, at: now };
    this.placedSinceMb = new Map();
    return list;
  }

  private poolOf(url: string): Pool {
    let pool = this.pools.get(url);
    if (pool === undefined) {
      pool = new Pool(url, { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });
      this.pools.set(url, pool);
    }
    return pool;
  }
}
