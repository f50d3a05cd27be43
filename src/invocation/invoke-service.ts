import type { FunctionService } from '../control-plane/function-service.js';
import { invalidParameter, validationError } from '../shared/errors.js';
import { checkEventSize, type AsyncInvoker } from './async/async-invoker.js';
import type { Executor } from './execution.js';
import type { InvokeResponse } from './invocation-result.js';
import { formatTraceHeader, getInvocationTrace } from './trace-header.js';
import { countInvocation, getLineageHash, isLoopStopped } from './recursion-guard.js';
import { LambdaError } from '../shared/errors.js';
import type { RecursiveLoop } from '../control-plane/recursion/recursion-config.js';
import { checkInvocable, checkPayload } from './invocation-checks.js';

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

const INVOCATION_TYPES = ['Event', 'RequestResponse', 'DryRun'];
const MAX_CLIENT_CONTEXT_BYTES = 3583;
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

/**
 * Invoke: check the request, resolve the function and its version, then hand a synchronous invocation to
 * the executor, or an asynchronous (Event) one to the event queue.
 */
export interface LoopStop {
  /** The function's setting (PutFunctionRecursionConfig): read only when a loop is found. */
  load(name: string): Promise<RecursiveLoop>;
  /** Told of every invocation stopped (a log line, a metric). */
  stopped(name: string, invocationType: string, requestId: string): void;
}

/** AWS's description of the exception (botocore's model): lambdock says it as the message. */
const RECURSION_MESSAGE =
  "Lambda has detected your function being invoked in a recursive loop with other AWS resources and stopped your function's invocation.";

export class InvokeService {
  constructor(
    private readonly functions: FunctionService,
    private readonly executor: Executor,
    private readonly events: AsyncInvoker,
    /** A uniform draw in [0, 1) per invocation, for weighted aliases. */
    private readonly draw: () => number = Math.random,
    /** Recursive loop detection; without, loops are not stopped. */
    private readonly loops?: LoopStop,
  ) {}

  async invoke(request: InvokeRequest): Promise<InvokeResponse> {
    const invocationType = request.invocationType ?? 'RequestResponse';
    if (invocationType === 'Event') checkEventSize(request.payload);
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
    checkInvocable(record);
    if (invocationType === 'DryRun') return { statusCode: 204, payload: Buffer.alloc(0) };
    const payload = checkPayload(request.payload);
    // Every invocation runs in a trace (`_X_AMZN_TRACE_ID`), the caller's or a new one, as on AWS, whose
    // Lineage counts the function's recursive invocations: the 17th is stopped (unless it allows loops).
    const step = countInvocation(getInvocationTrace(request.traceId), getLineageHash(this.functions.arnOf(record.name)));
    if (isLoopStopped(step) && this.loops !== undefined && (await this.loops.load(record.name)) === 'Terminate') {
      this.loops.stopped(record.name, invocationType, request.requestId);
      // An event is dropped (accepted, never run); a synchronous caller is told.
      if (invocationType === 'Event') return { statusCode: 202, payload: Buffer.alloc(0) };
      throw new LambdaError('RecursiveInvocationException', RECURSION_MESSAGE);
    }
    const traceId = formatTraceHeader(step.trace);
    if (invocationType === 'Event') {
      await this.events.submit(record, qualifier, { ...request, payload, traceId });
      return { statusCode: 202, payload: Buffer.alloc(0) };
    }
    const clientContext = decodeClientContext(request.clientContext);
    return this.executor.execute({
      requestId: request.requestId,
      record,
      invokedFunctionArn: this.functions.arnOf(record.name, qualifier),
      payload,
      tail: logType === 'Tail',
      ...(clientContext === undefined ? {} : { clientContext }),
      traceId,
    });
  }
}
