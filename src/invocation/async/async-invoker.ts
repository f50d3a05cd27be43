import type { FunctionVersionRecord } from '../../control-plane/function-model.js';
import { LambdaError, serviceError, tooLarge } from '../../shared/errors.js';
import type { EventQueue } from './event-queue.js';

/** AWS's limit for an asynchronous invocation's payload (1 MB since October 2025). */
export const EVENT_PAYLOAD_LIMIT = 1_048_576;
/** The deprecated InvokeAsync's limit ("The payload limit is 256KB. For larger payloads, for up to 1MB, use Invoke."). */
export const INVOKE_ASYNC_PAYLOAD_LIMIT = 262_144;

export interface EventRequest {
  requestId: string;
  functionName: string;
  qualifier?: string;
  payload: Buffer;
  traceId?: string;
}

/** Refuses a payload past AWS's asynchronous limit, in AWS's words. */
export function checkEventSize(payload: Buffer, limit = EVENT_PAYLOAD_LIMIT): void {
  if (payload.length > limit) {
    throw tooLarge(`${payload.length} byte payload is too large for the Event invocation type (limit ${limit} bytes)`);
  }
}

/**
 * Stores an asynchronous invocation (InvokeService resolves and checks it first, for callers and for
 * Lambda destinations alike): the event is stored in the queue before the caller is answered. A queue that cannot store it is a 500 (never
 * a 202 for an event that was not stored). Which version runs is decided when it runs: queued events for
 * `$LATEST` run the code `$LATEST` has then, as on AWS.
 */
export class AsyncInvoker {
  constructor(
    private readonly queue: EventQueue,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Stores an event whose function the API resolved and checked. */
  async submit(record: FunctionVersionRecord, qualifier: string | undefined, request: EventRequest): Promise<void> {
    try {
      await this.queue.enqueue({
        requestId: request.requestId,
        functionName: record.name,
        ...(qualifier === undefined ? {} : { qualifier }),
        payload: request.payload.toString('utf8'),
        ...(request.traceId === undefined ? {} : { traceId: request.traceId }),
        acceptedAt: this.clock(),
        attempts: 0,
        deferrals: 0,
        stage: { kind: 'queued' },
      });
    } catch (error) {
      throw error instanceof LambdaError && error.status >= 500 ? error : serviceError(error);
    }
  }
}
