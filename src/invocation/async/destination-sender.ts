import { createHash } from 'node:crypto';
import type { Logger } from '../../observability/logger.js';
import type { AsyncEvent, Delivery } from './async-event.js';
import type { DeliverySender } from './async-dispatcher.js';
import type { EventRequest } from './async-invoker.js';

export interface DestinationSenderDeps {
  /** Sends a message to a lambdock queue by its ARN. */
  sendToQueue: (queueArn: string, message: { body: string; attributes?: Record<string, { DataType: string; StringValue: string }> }) => Promise<unknown>;
  /** Accepts an asynchronous invocation of a function (a Lambda destination is invoked asynchronously, as on AWS). */
  invokeAsync: (request: EventRequest) => Promise<void>;
  logger: Logger;
}

/**
 * The target said no for good: it does not exist, or the message is not acceptable (too large). AWS drops
 * such a delivery. A function that is not ready yet (409) or throttled (429), and anything of lambdock's
 * own (5xx, Redis), is worth trying again.
 */
function isRefusal(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 && status !== 409 && status !== 429;
}

/**
 * The request id of a record's asynchronous invocation of a Lambda destination: derived from the event's
 * and the purpose, so a record sent again (after a crash) is the same queued invocation, not a second one.
 */
export function getDestinationRequestId(requestId: string, purpose: string): string {
  const hex = createHash('sha256').update(`${requestId}/${purpose}`).digest('hex');
  // A version 4 layout (random-looking bits; the variant bits set), as every other request id is.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((Number.parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Delivers invocation records and dead letters: to a lambdock queue, or to a function as a new asynchronous
 * invocation. A record refused whole is sent again without its payloads; a target that refuses for good is
 * logged and dropped (AWS drops it and counts a DestinationDeliveryFailures / DeadLetterErrors metric);
 * anything else is thrown, to be tried again.
 */
export class DestinationSender implements DeliverySender {
  constructor(private readonly deps: DestinationSenderDeps) {}

  async deliver(delivery: Delivery, event: AsyncEvent): Promise<void> {
    const log = { requestId: event.requestId, functionName: event.functionName, purpose: delivery.purpose, targetArn: delivery.targetArn };
    try {
      try {
        await this.send(delivery, event, delivery.kind === 'queue' ? delivery.body : delivery.payload);
      } catch (error) {
        if (!isRefusal(error) || delivery.trimmed === undefined) throw error;
        this.deps.logger.warn({ ...log, err: error }, 'An asynchronous invocation record was refused whole: sending it without its payloads');
        await this.send(delivery, event, delivery.trimmed);
      }
      this.deps.logger.debug(log, 'Delivered an asynchronous invocation record');
    } catch (error) {
      if (!isRefusal(error)) throw error;
      this.deps.logger.warn({ ...log, err: error }, 'Could not deliver an asynchronous invocation record: its target refused it, and it is dropped');
    }
  }

  private async send(delivery: Delivery, event: AsyncEvent, content: string): Promise<void> {
    if (delivery.kind === 'queue') {
      await this.deps.sendToQueue(delivery.targetArn, { body: content, ...(delivery.attributes === undefined ? {} : { attributes: delivery.attributes }) });
      return;
    }
    await this.deps.invokeAsync({
      requestId: getDestinationRequestId(event.requestId, delivery.purpose),
      functionName: delivery.targetArn,
      payload: Buffer.from(content, 'utf8'),
      // The event's trace goes on: a loop through destinations is counted like any other.
      ...(event.traceId === undefined ? {} : { traceId: event.traceId }),
    });
  }
}
