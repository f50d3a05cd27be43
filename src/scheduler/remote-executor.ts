import { Pool } from 'undici';
import { getEnvironmentKey } from '../control-plane/function-model.js';
import type { Execution, Executor } from '../invocation/execution.js';
import type { InvokeResponse } from '../invocation/invocation-result.js';
import { getInvokeDeadlineMs } from '../invocation/local-executor.js';
import { LambdaError, SERVICE_ERROR_MESSAGE, serviceError } from '../shared/errors.js';
import { ERROR_HEADER, EXECUTIONS_PATH, FULL_HEADER, TOKEN_HEADER, decodeError, decodeResponse, encodeExecution } from './execution-wire.js';
import { rankWorkers } from './placement.js';
import type { WorkerInfo, WorkerRegistry } from './worker-registry.js';

/** How long the list of live workers is reused before it is read again. */
const WORKERS_CACHE_MS = 1_000;

export interface RemoteExecutorOptions {
  /** Where workers fetch code they do not have (this api's code download URL base). */
  codeUrl: string;
}

const isRefused = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && ['ECONNREFUSED', 'EHOSTUNREACH', 'ENOTFOUND'].includes((error as { code?: string }).code ?? '');

/**
 * Runs executions on workers: on the function version's home worker (see rankWorkers), over a kept-alive
 * HTTP connection. A worker that refuses connections, or has no room, is skipped for the next one; a
 * worker that dies mid-invocation gives the caller a prompt ServiceException (its leases lapse on their own).
 */
export class RemoteExecutor implements Executor {
  private readonly pools = new Map<string, Pool>();
  private workers: { list: WorkerInfo[]; at: number } | undefined;

  constructor(
    private readonly registry: WorkerRegistry,
    private readonly token: string,
    private readonly options: RemoteExecutorOptions,
  ) {}

  async execute(execution: Execution): Promise<InvokeResponse> {
    const ranked = rankWorkers(getEnvironmentKey(execution.record), await this.liveWorkers());
    if (ranked.length === 0) {
      throw new LambdaError('ServiceException', SERVICE_ERROR_MESSAGE, { retryable: true, cause: new Error('no lambdock worker is running') });
    }
    const body = encodeExecution({ ...execution, codeUrl: this.options.codeUrl });
    const deadlineMs = getInvokeDeadlineMs(execution.record.timeout) + 1_000;
    let lastError: unknown;
    for (const worker of ranked) {
      try {
        const res = await this.poolOf(worker.url).request({
          method: 'POST',
          path: EXECUTIONS_PATH,
          headers: { [TOKEN_HEADER]: this.token, 'content-type': 'application/octet-stream' },
          body,
          headersTimeout: deadlineMs,
          bodyTimeout: deadlineMs,
        });
        const payload = Buffer.from(await res.body.arrayBuffer());
        const refusal = res.headers[ERROR_HEADER];
        if (typeof refusal === 'string' && res.headers[FULL_HEADER] !== undefined) {
          // This worker has no room: the next one may (the last one's refusal stands if none has).
          lastError = decodeError(refusal);
          continue;
        }
        if (typeof refusal === 'string') throw decodeError(refusal);
        if (res.statusCode !== 200) throw serviceError(new Error(`worker ${worker.id} answered ${res.statusCode}`));
        return decodeResponse(res.headers, payload);
      } catch (error) {
        if (error instanceof LambdaError) throw error;
        // Not reached at all: safe to try the next worker. Anything else may have run: answer now.
        if (!isRefused(error)) throw serviceError(error);
        lastError = error;
        this.workers = undefined;
      }
    }
    throw lastError instanceof LambdaError ? lastError : serviceError(lastError);
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
  }

  private async liveWorkers(): Promise<WorkerInfo[]> {
    const now = Date.now();
    if (this.workers !== undefined && now - this.workers.at < WORKERS_CACHE_MS) return this.workers.list;
    const list = await this.registry.listLive();
    this.workers = { list, at: now };
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
