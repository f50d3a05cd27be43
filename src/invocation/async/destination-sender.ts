import { randomUUID } from 'node:crypto';
import type { Logger } from '../../observability/logger.js';
import { LambdaError } from '../../shared/errors.js';
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

/** Codes of a queue's refusals that sending again cannot change. */
const QUEUE_REFUSALS = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'InvalidParameterValue', 'InvalidMessageContents']);

/** The target said no for good (it does not exist, the message is too large): AWS drops such a delivery. */
function isRefusal(error: unknown): boolean {
  if (error instanceof LambdaError) return error.status < 500;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && QUEUE_REFUSALS.has(code);
}

/**
 * Delivers invocation records and dead letters: to a lambdock queue, or to a function as a new asynchronous
 * invocation. A target that refuses for good is logged and dropped (AWS drops it and counts a
 * DestinationDeliveryFailures / DeadLetterErrors metric); anything else is thrown, to be tried again.
 */
export class DestinationSender implements DeliverySender {
  constructor(private readonly deps: DestinationSenderDeps) {}

  async deliver(delivery: Delivery, event: AsyncEvent): Promise<void> {
    const log = { requestId: event.requestId, functionName: event.functionName, purpose: delivery.purpose, targetArn: delivery.targetArn };
    try {
      if (delivery.kind === 'queue') {
        await this.deps.sendToQueue(delivery.targetArn, {
          body: delivery.body,
          ...(delivery.attributes === undefined ? {} : { attributes: delivery.attributes }),
        });
      } else {
        await this.deps.invokeAsync({ requestId: randomUUID(), functionName: delivery.targetArn, payload: Buffer.from(delivery.payload, 'utf8') });
      }
      this.deps.logger.debug(log, 'Delivered an asynchronous invocation record');
    } catch (error) {
      if (!isRefusal(error)) throw error;
      this.deps.logger.warn({ ...log, err: error }, 'Could not deliver an asynchronous invocation record: its target refused it, and it is dropped');
    }
  }
}
