import type { AsyncSettingsSource } from '../../control-plane/event-invoke-config/async-settings.js';
import { LATEST, getVersionOf, type FunctionVersionRecord } from '../../control-plane/function-model.js';
import type { FunctionService } from '../../control-plane/function-service.js';
import type { Logger } from '../../observability/logger.js';
import { LambdaError } from '../../shared/errors.js';
import type { Executor } from '../execution.js';
import type { AsyncEvent, Delivery } from './async-event.js';
import type { EventHandler, Requeue } from './event-queue.js';
import { buildDeliveries } from './invocation-record.js';
import { decideAfterTry, decideBeforeTry, type RetryTimings, type TryResult } from './retry-policy.js';

/** Sends a settled event's records where they go. */
export interface DeliverySender {
  /** Resolves once delivered, or once the target proved not to exist (logged, as AWS drops it); rejects to be tried again. */
  deliver(delivery: Delivery, event: AsyncEvent): Promise<void>;
}

export interface AsyncDispatcherDeps {
  functions: Pick<FunctionService, 'resolve' | 'arnOf'>;
  settings: AsyncSettingsSource;
  /** A function's reserved concurrency (undefined: none reserved). */
  loadReserved: (functionName: string) => Promise<number | undefined>;
  executor: Executor;
  deliveries: DeliverySender;
  timings: RetryTimings;
  logger: Logger;
  clock?: () => number;
  /** A uniform draw in [0, 1) per try, for weighted aliases. */
  draw?: () => number;
}

/** The version record's dead-letter queue, when it has one. */
const deadLetterOf = (record: FunctionVersionRecord): string | undefined =>
  record.deadLetterTargetArn === undefined || record.deadLetterTargetArn === '' ? undefined : record.deadLetterTargetArn;

/**
 * Runs queued events: resolves the function as it is now, tries the event through the same executor (and
 * so the same environments and concurrency limits) as synchronous invocations, decides with the retry
 * policy, and settles it by sending its records to the destinations of its config and its dead-letter queue.
 */
export class AsyncDispatcher implements EventHandler {
  private readonly clock: () => number;
  private readonly draw: () => number;

  constructor(private readonly deps: AsyncDispatcherDeps) {
    this.clock = deps.clock ?? Date.now;
    this.draw = deps.draw ?? Math.random;
  }

  async handle(event: AsyncEvent, save: (event: AsyncEvent) => Promise<void>): Promise<Requeue | undefined> {
    // Settled before a crash: its records are sent (again, at least once), it is not run again.
    if (event.stage.kind === 'settling') return this.deliverAll(event, event.stage.deliveries, save);
    const log = { requestId: event.requestId, functionName: event.functionName };
    let record: FunctionVersionRecord;
    try {
      ({ record } = await this.deps.functions.resolve(event.functionName, event.qualifier, { draw: this.draw() }));
    } catch (error) {
      if (!(error instanceof LambdaError) || error.code !== 'ResourceNotFoundException') throw error;
      // As on AWS, a deleted function's queued events go with it (its destinations were its own).
      this.deps.logger.warn(log, 'Dropped an asynchronous invocation: its function (or its qualifier) was deleted');
      return undefined;
    }
    const settings = await this.deps.settings.fetchAsyncSettings(event.functionName, event.qualifier ?? LATEST);
    const decision =
      decideBeforeTry(event, settings, this.clock()) ??
      decideAfterTry(event, await this.tryOnce(event, record), settings, this.clock(), this.deps.timings);
    if (decision.kind === 'retry') return { retryAt: decision.at, event: decision.event };
    const settled = decision.event;
    const executed = settled.lastAnswer?.executedVersion ?? event.qualifier ?? LATEST;
    const deliveries = buildDeliveries(
      settled,
      decision.condition,
      { ...pick(settings), ...(deadLetterOf(record) === undefined ? {} : { deadLetter: deadLetterOf(record) as string }) },
      this.deps.functions.arnOf(event.functionName, executed),
      new Date(this.clock()),
    );
    const level = decision.condition === 'Success' ? 'debug' : 'info';
    this.deps.logger[level]({ ...log, condition: decision.condition, attempts: settled.attempts, deliveries: deliveries.length }, 'Settled an asynchronous invocation');
    if (deliveries.length === 0) return undefined;
    const settling: AsyncEvent = { ...settled, stage: { kind: 'settling', deliveries } };
    await save(settling);
    return this.deliverAll(settling, deliveries, save);
  }

  /** One try: the function's answer (a response or a function error), or why it did not reach the function. */
  private async tryOnce(event: AsyncEvent, record: FunctionVersionRecord): Promise<TryResult> {
    if ((await this.deps.loadReserved(event.functionName)) === 0) return { kind: 'zero-reserved' };
    if (record.state !== 'Active') {
      return { kind: 'deferred', status: 409, message: `The function is in state ${record.state}` };
    }
    try {
      const response = await this.deps.executor.execute({
        requestId: event.requestId,
        record,
        invokedFunctionArn: this.deps.functions.arnOf(event.functionName, event.qualifier),
        payload: Buffer.from(event.payload, 'utf8'),
        tail: false,
        ...(event.traceId === undefined ? {} : { traceId: event.traceId }),
      });
      return {
        kind: 'answered',
        answer: {
          executedVersion: getVersionOf(record),
          ...(response.functionError === undefined ? {} : { functionError: response.functionError }),
          payload: response.payload.toString('utf8'),
        },
      };
    } catch (error) {
      const status = error instanceof LambdaError ? error.status : 500;
      const message = error instanceof LambdaError ? error.message : 'lambdock could not run the function';
      if (status >= 500) this.deps.logger.warn({ err: error, requestId: event.requestId }, 'An asynchronous invocation could not be run: it will be tried again');
      return { kind: 'deferred', status, message };
    }
  }

  /**
   * Sends every delivery; when some fail, the event is stored with only those still to send, and the step
   * fails (to be tried again): what was delivered is not sent again, what was not is never skipped.
   */
  private async deliverAll(event: AsyncEvent, deliveries: Delivery[], save: (event: AsyncEvent) => Promise<void>): Promise<undefined> {
    const results = await Promise.allSettled(deliveries.map((delivery) => this.deps.deliveries.deliver(delivery, event)));
    const pending = deliveries.filter((_, i) => results[i]?.status === 'rejected');
    if (pending.length === 0) return undefined;
    if (pending.length < deliveries.length) await save({ ...event, stage: { kind: 'settling', deliveries: pending } });
    throw (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
  }

}

const pick = (settings: { onSuccess?: string; onFailure?: string }): { onSuccess?: string; onFailure?: string } => ({
  ...(settings.onSuccess === undefined ? {} : { onSuccess: settings.onSuccess }),
  ...(settings.onFailure === undefined ? {} : { onFailure: settings.onFailure }),
});
