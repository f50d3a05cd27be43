import { isUtf8 } from 'node:buffer';
import type { CodeStore } from '../control-plane/code/code-store.js';
import { getEnvironmentKey, getVersionOf, type FunctionVersionRecord } from '../control-plane/function-model.js';
import type { FunctionService } from '../control-plane/function-service.js';
import type { SandboxResult } from '../sandbox/sandbox.js';
import type { SandboxPool } from '../sandbox/sandbox-pool.js';
import type { ConcurrencyLimiter } from './concurrency/concurrency-limiter.js';
import { withDeadline } from '../shared/deadline.js';
import { LambdaError, SERVICE_ERROR_MESSAGE, conflict, invalidParameter, validationError } from '../shared/errors.js';
import { ENVIRONMENT_LIMITS, planEnvironment, type PlanContext } from './environment-plan.js';
import { renderOutcome, type InvokeResponse } from './invocation-result.js';

export interface InvokeRequest {
  requestId: string;
  functionName: string;
  qualifier?: string;
  invocationType?: string;
  logType?: string;
  /** Base64 JSON from `X-Amz-Client-Context`. */
  clientContext?: string;
  traceId?: string;
  payload: Buffer;
}

export type PlanDefaults = Omit<PlanContext, 'codeDir' | 'image'>;

const INVOCATION_TYPES = ['Event', 'RequestResponse', 'DryRun'];
const MAX_CLIENT_CONTEXT_BYTES = 3583;
const EMPTY_EVENT = Buffer.from('{}');
/** Past a cold start's init (10 s) and the function's timeout: room for the platform's own work. */
const DEADLINE_MARGIN_MS = 2_000;

/**
 * The longest an invocation may take before the caller gets a 500 ServiceException: what AWS allows (init
 * up to 10 s, then the function's timeout) plus a margin, so an engine that stops answering (a pause,
 * unpause or create that never returns) fails the invoke instead of hanging it.
 */
export function getInvokeDeadlineMs(timeoutSeconds: number): number {
  return ENVIRONMENT_LIMITS.initTimeoutMs + timeoutSeconds * 1000 + DEADLINE_MARGIN_MS;
}

function checkPayload(payload: Buffer): Buffer {
  if (payload.length === 0) return EMPTY_EVENT;
  if (!isUtf8(payload)) {
    throw new LambdaError(
      'InvalidRequestContentException',
      'Could not parse request body into json: Could not parse payload into json: Invalid UTF-8 start byte',
    );
  }
  try {
    JSON.parse(payload.toString('utf8'));
  } catch (error) {
    throw new LambdaError(
      'InvalidRequestContentException',
      `Could not parse request body into json: Could not parse payload into json: ${(error as Error).message}`,
    );
  }
  return payload;
}

function decodeClientContext(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length > MAX_CLIENT_CONTEXT_BYTES) {
    throw invalidParameter(`Client context must be at most ${MAX_CLIENT_CONTEXT_BYTES} bytes (base64 encoded).`);
  }
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  try {
    const parsed: unknown = JSON.parse(decoded);
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
  } catch {
    throw invalidParameter('Client context must be a valid Base64-encoded JSON object.');
  }
  return decoded;
}

/** Synchronous invocation: resolve the function, check the request, run it in a sandbox, shape the answer. */
export class InvokeService {
  constructor(
    private readonly functions: FunctionService,
    private readonly code: CodeStore,
    private readonly pool: SandboxPool,
    private readonly concurrency: ConcurrencyLimiter,
    private readonly defaults: PlanDefaults,
    private readonly imageFor: (runtime: string) => string,
    /** A uniform draw in [0, 1) per invocation, for weighted aliases. */
    private readonly draw: () => number = Math.random,
  ) {}

  async invoke(request: InvokeRequest): Promise<InvokeResponse> {
    const invocationType = request.invocationType ?? 'RequestResponse';
    if (!INVOCATION_TYPES.includes(invocationType)) {
      throw validationError(
        `1 validation error detected: Value '${invocationType}' at 'invocationType' failed to satisfy constraint: ` +
          'Member must satisfy enum value set: [Event, RequestResponse, DryRun]',
      );
    }
    const logType = request.logType ?? 'None';
    if (logType !== 'None' && logType !== 'Tail') {
      throw validationError(
        `1 validation error detected: Value '${logType}' at 'logType' failed to satisfy constraint: ` +
          'Member must satisfy enum value set: [None, Tail]',
      );
    }
    // An alias with weights picks its version per invocation.
    const { record, qualifier } = await this.functions.resolve(request.functionName, request.qualifier, {
      unqualifiedAs: '$LATEST',
      draw: this.draw(),
    });
    this.checkInvocable(record);
    if (invocationType === 'DryRun') return { statusCode: 204, payload: Buffer.alloc(0) };
    if (invocationType === 'Event') {
      throw invalidParameter(
        'lambdock does not accept asynchronous (Event) invocations yet: nothing was queued. Use RequestResponse.',
      );
    }
    const payload = checkPayload(request.payload);
    const clientContext = decodeClientContext(request.clientContext);
    // Held until the invocation is over (the pool says when), which can be after its answer.
    const lease = await this.concurrency.acquire(record.name);
    try {
      // The tree is unpacked in the background: an invoke during an UpdateFunctionCode waits for it.
      await this.code.unpack(record.code);
    } catch (error) {
      lease.release();
      throw error;
    }
    const running: Promise<SandboxResult> = this.pool.run(
      getEnvironmentKey(record),
      (id) => planEnvironment(record, this.planContext(record), id),
      {
        requestId: request.requestId,
        payload,
        invokedFunctionArn: this.functions.arnOf(record.name, qualifier),
        tail: logType === 'Tail',
        ...(clientContext === undefined ? {} : { clientContext }),
        ...(request.traceId === undefined ? {} : { traceId: request.traceId }),
      },
      () => lease.release(),
    );
    const deadlineMs = getInvokeDeadlineMs(record.timeout);
    const result = await withDeadline(running, deadlineMs, () =>
      new LambdaError('ServiceException', SERVICE_ERROR_MESSAGE, {
        retryable: true,
        cause: new Error(`The invocation ${request.requestId} did not end within ${deadlineMs} ms`),
      }),
    );
    const rendered = renderOutcome(request.requestId, result.outcome, record.timeout);
    return {
      statusCode: 200,
      executedVersion: getVersionOf(record),
      payload: rendered.payload,
      ...(rendered.functionError === undefined ? {} : { functionError: rendered.functionError }),
      ...(result.logTail === undefined ? {} : { logResult: result.logTail }),
    };
  }

  private checkInvocable(record: FunctionVersionRecord): void {
    if (record.state === 'Active') return;
    if (record.state === 'Pending') {
      throw conflict(
        'The operation cannot be performed at this time. The function is currently in the following state: Pending',
      );
    }
    throw new LambdaError(
      'ResourceConflictException',
      `The function could not be invoked because it is in state ${record.state}: ${record.stateReason ?? ''}`.trim(),
    );
  }

  private planContext(record: FunctionVersionRecord): PlanContext {
    return { ...this.defaults, codeDir: this.code.getTreePath(record.code.sha256Hex), image: this.imageFor(record.runtime) };
  }
}
