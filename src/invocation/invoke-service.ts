import { isUtf8 } from 'node:buffer';
import type { FunctionVersionRecord } from '../control-plane/function-model.js';
import type { FunctionService } from '../control-plane/function-service.js';
import { LambdaError, conflict, invalidParameter, validationError } from '../shared/errors.js';
import type { Executor } from './execution.js';
import type { InvokeResponse } from './invocation-result.js';

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
const EMPTY_EVENT = Buffer.from('{}');
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

/** Synchronous invocation: check the request, resolve the function and its version, hand it to the executor. */
export class InvokeService {
  constructor(
    private readonly functions: FunctionService,
    private readonly executor: Executor,
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
    return this.executor.execute({
      requestId: request.requestId,
      record,
      invokedFunctionArn: this.functions.arnOf(record.name, qualifier),
      payload,
      tail: logType === 'Tail',
      ...(clientContext === undefined ? {} : { clientContext }),
      ...(request.traceId === undefined ? {} : { traceId: request.traceId }),
    });
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
}
