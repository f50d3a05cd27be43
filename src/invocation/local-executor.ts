import type { CodeStore } from '../control-plane/code/code-store.js';
import type { OptTrees } from '../control-plane/code/opt-trees.js';
import { getEnvironmentKey, getVersionOf, type FunctionVersionRecord } from '../control-plane/function-model.js';
import { HostFullError } from '../sandbox/capacity.js';
import type { SandboxResult } from '../sandbox/sandbox.js';
import type { SandboxPool } from '../sandbox/sandbox-pool.js';
import { withDeadline } from '../shared/deadline.js';
import { LambdaError, SERVICE_ERROR_MESSAGE } from '../shared/errors.js';
import type { ConcurrencyLimiter } from './concurrency/concurrency-limiter.js';
import { ENVIRONMENT_LIMITS, planEnvironment, type PlanContext } from './environment-plan.js';
import { fetchExternalExtensionNames } from './extension-launcher.js';
import { withStemCellFit } from './stem-cell-fit.js';
import type { Execution, Executor } from './execution.js';
import { renderOutcome, type InvokeResponse } from './invocation-result.js';

export type PlanDefaults = Omit<PlanContext, 'codeDir' | 'optDir' | 'image' | 'externalExtensions' | 'sandboxEndpoint'>;

/** Past a cold start's init (10 s) and the function's timeout: room for the platform's own work. */
const DEADLINE_MARGIN_MS = 2_000;

/**
 * The longest an invocation may take, once it has an environment, before the caller gets a 500
 * ServiceException: what AWS allows (init up to 10 s, then the function's timeout) plus a margin, so an
 * engine that stops answering (a pause, unpause or create that never returns) fails the invoke instead
 * of hanging it.
 */
export function getInvokeDeadlineMs(timeoutSeconds: number): number {
  return ENVIRONMENT_LIMITS.initTimeoutMs + timeoutSeconds * 1000 + DEADLINE_MARGIN_MS;
}

/** Runs executions in this process's sandbox pool, each holding a concurrency lease until it is over. */
export class LocalExecutor implements Executor {
  /** lambdock's endpoint for sandboxes, once it listens (environments planned before get no AWS_ENDPOINT_URL). */
  private sandboxEndpoint: string | undefined;

  constructor(
    private readonly code: CodeStore,
    private readonly opt: OptTrees,
    private readonly pool: SandboxPool,
    private readonly concurrency: ConcurrencyLimiter,
    private readonly defaults: PlanDefaults,
    private readonly imageFor: (runtime: string) => string,
    /** Hot reload: told of each environment plan whose code is a host folder (to retire it when the folder changes). */
    private readonly onHostFolder: (folder: string, record: FunctionVersionRecord) => void = () => undefined,
  ) {}

  /** Environments planned from now on reach lambdock at `url` (their AWS_ENDPOINT_URL). */
  useSandboxEndpoint(url: string): void {
    this.sandboxEndpoint = url;
  }

  async execute(execution: Execution): Promise<InvokeResponse> {
    const { record, requestId } = execution;
    // Held until the invocation is over (the pool says when), which can be after its answer.
    const lease = execution.leaseId === undefined ? await this.concurrency.acquire(record.name) : this.concurrency.adopt(record.name, execution.leaseId);
    let context: PlanContext;
    try {
      // The tree is unpacked in the background: an invoke during an UpdateFunctionCode waits for it.
      context = await this.preparePlanContext(record);
    } catch (error) {
      lease.release();
      throw error;
    }
    // The deadline runs from when the invocation has an environment: the wait in line is the pool's to bound.
    let placed!: () => void;
    const hasEnvironment = new Promise<void>((resolve) => (placed = resolve));
    const running: Promise<SandboxResult> = this.pool.run(
      getEnvironmentKey(record),
      (id) => withStemCellFit(planEnvironment(record, context, id), record, context),
      {
        requestId,
        payload: execution.payload,
        invokedFunctionArn: execution.invokedFunctionArn,
        tail: execution.tail,
        ...(execution.clientContext === undefined ? {} : { clientContext: execution.clientContext }),
        ...(execution.traceId === undefined ? {} : { traceId: execution.traceId }),
      },
      {
        // Refused for want of room, a lease the api handed over goes back to it (it tries another worker).
        onEnded: (refusal) => (refusal instanceof HostFullError && execution.leaseId !== undefined ? lease.handOver() : lease.release()),
        onPlaced: placed,
        waitForRoom: execution.waitForRoom !== false,
      },
    );
    const deadlineMs = getInvokeDeadlineMs(record.timeout);
    const result = await Promise.race([
      running,
      hasEnvironment.then(() =>
        withDeadline(running, deadlineMs, () =>
          new LambdaError('ServiceException', SERVICE_ERROR_MESSAGE, {
            retryable: true,
            cause: new Error(`The invocation ${requestId} did not end within ${deadlineMs} ms of getting an environment`),
          }),
        ),
      ),
    ]);
    const rendered = renderOutcome(requestId, result.outcome, record.timeout);
    return {
      statusCode: 200,
      executedVersion: getVersionOf(record),
      payload: rendered.payload,
      ...(rendered.functionError === undefined ? {} : { functionError: rendered.functionError }),
      ...(result.logTail === undefined ? {} : { logResult: result.logTail }),
    };
  }

  /**
   * Keeps `count` provisioned environments of this version (see SandboxPool.provision); answers how many
   * are initialised. The code is unpacked (and /opt built) first.
   */
  async provision(record: FunctionVersionRecord, count: number): Promise<{ key: string; ready: number }> {
    const context = await this.preparePlanContext(record);
    const key = getEnvironmentKey(record);
    return { key, ready: this.pool.provision(key, (id) => withStemCellFit(planEnvironment(record, context, id, true), record, context), count) };
  }

  /** Retires provisioned environments of keys not in `keep`. */
  keepProvisioned(keep: ReadonlySet<string>): void {
    this.pool.retireProvisionedExcept(keep);
  }

  /** Unpacks the function's code and builds its /opt from its layers (when not done already). */
  private async preparePlanContext(record: FunctionVersionRecord): Promise<PlanContext> {
    // An image function's code is its image (by id): nothing to unpack, no /var/task or /opt to mount.
    const defaults = { ...this.defaults, ...(this.sandboxEndpoint === undefined ? {} : { sandboxEndpoint: this.sandboxEndpoint }) };
    if (record.code.image !== undefined) return { ...defaults, image: record.code.image.id };
    await this.code.unpack(record.code);
    const optDir = await this.opt.ensure((record.layers ?? []).map((layer) => layer.code));
    // Hot reload: a host folder is mounted as it is, and watched for changes.
    const folder = record.code.hostFolder;
    if (folder !== undefined) this.onHostFolder(folder, record);
    return {
      ...defaults,
      codeDir: folder ?? this.code.getTreePath(record.code.sha256Hex),
      ...(optDir === undefined ? {} : { optDir }),
      // With layers, its external extensions are the executables they put in /opt/extensions (init waits
      // for each to register). Without, unknown: a process the runtime starts may register as either.
      ...(optDir === undefined ? {} : { externalExtensions: await fetchExternalExtensionNames(optDir) }),
      image: this.imageFor(record.runtime ?? ''),
    };
  }
}
