import { Pool } from 'undici';
import type { Execution, Executor } from '../invocation/execution.js';
import type { InvokeResponse } from '../invocation/invocation-result.js';
import { getInvokeDeadlineMs } from '../invocation/local-executor.js';
import { LambdaError, serviceError } from '../shared/errors.js';
import { ERROR_HEADER, EXECUTIONS_PATH, FULL_HEADER, TOKEN_HEADER, decodeError, decodeResponse, encodeExecution } from './execution-wire.js';
import { Placer, type PlacerDeps } from './placer.js';
import type { WorkerInfo } from './worker-registry.js';

export interface RemoteExecutorOptions {
  /** Where workers fetch code they do not have (this api's code download URL base). */
  codeUrl: string;
  /** How long a worker lets an invocation wait for an environment (LAMBDOCK_QUEUE_WAIT_MS, the same everywhere). */
  queueWaitMs: number;
}

export interface RemoteExecutorDeps extends PlacerDeps {
  token: string;
}

const isRefused = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && ['ECONNREFUSED', 'EHOSTUNREACH', 'ENOTFOUND'].includes((error as { code?: string }).code ?? '');

/** A worker's answer: its outcome, or a refusal because it has no room (another worker may have). */
type Attempt = { kind: 'answered'; response: InvokeResponse } | { kind: 'full'; refusal: LambdaError } | { kind: 'unreachable'; error: unknown };

/**
 * Runs executions on workers, where the Placer says (the claimed warm worker, else the one with the most
 * free memory), over kept-alive HTTP connections, the lease the Placer took travelling with it. A worker with neither
 * a free environment nor room refuses at once and the next is tried; when all refuse, the invocation
 * waits where most environments of its function are. A worker that dies mid-invocation gives the caller
 * a prompt ServiceException (its leases lapse on their own).
 */
export class RemoteExecutor implements Executor {
  private readonly pools = new Map<string, Pool>();
  private readonly placer: Placer;

  constructor(
    private readonly deps: RemoteExecutorDeps,
    private readonly options: RemoteExecutorOptions,
  ) {
    this.placer = new Placer(deps);
  }

  async execute(execution: Execution): Promise<InvokeResponse> {
    const { record } = execution;
    const { leaseId, order, waitOn } = await this.placer.place(record);
    const deadlineMs = this.options.queueWaitMs + getInvokeDeadlineMs(record.timeout) + 1_000;
    const encode = (waitForRoom: boolean) => encodeExecution({ ...execution, waitForRoom, leaseId, codeUrl: this.options.codeUrl });
    // One body for every worker tried (the payload is copied into it once); another for the wait in line.
    const refusable = encode(false);
    const send = (worker: WorkerInfo, body: Buffer) => this.attempt(worker, body, deadlineMs);
    let last: Attempt | undefined;
    try {
      for (const worker of order) {
        last = await send(worker, refusable);
        if (last.kind === 'answered') return last.response;
      }
      // Every worker is full: wait in line where environments of this function will free up.
      if (waitOn !== undefined && last?.kind === 'full') {
        last = await send(waitOn, encode(true));
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
      this.placer.forgetWorkers();
      return { kind: 'unreachable', error };
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
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
