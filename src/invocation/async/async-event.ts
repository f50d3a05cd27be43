/**
 * One asynchronous (Event) invocation as lambdock keeps it from its 202 until it is settled: what the
 * caller gave, what happened so far, and where it is in its lifecycle. It is stored whole (as a queue job's
 * data) after every step, so a process that dies mid-step leaves it where another one picks it up.
 */
export interface AsyncEvent {
  /** The 202's `x-amzn-RequestId`: the function sees it on every attempt, and the records name it. */
  requestId: string;
  /** The function's name (unqualified). */
  functionName: string;
  /** The qualifier as the caller named it (a version, an alias, `$LATEST`); none for unqualified. */
  qualifier?: string;
  /** The event, as the caller sent it (checked to be JSON when accepted). */
  payload: string;
  traceId?: string;
  /** When lambdock accepted it (ms since the epoch): its age counts from here. */
  acceptedAt: number;
  /** How many times the function ran it (AWS's `approximateInvokeCount`). */
  attempts: number;
  /** Tries that did not reach the function (throttled, lambdock failed): the exponent of their backoff. */
  deferrals: number;
  /** The function's answer to its last attempt, for the records. */
  lastAnswer?: AttemptAnswer;
  /** The last reason a try did not reach the function, for a dead letter when its age runs out. */
  lastDeferral?: { status: number; message: string };
  stage: EventStage;
}

/** Queued: to be run (again). Settling: its outcome is decided, its records are on their way. */
export type EventStage = { kind: 'queued' } | { kind: 'settling'; deliveries: Delivery[] };

/** What the function answered (a function error is an answer: AWS's status 200 with `FunctionError`). */
export interface AttemptAnswer {
  executedVersion: string;
  functionError?: 'Unhandled';
  payload: string;
}

/** A message to send when an event is settled: an invocation record or a dead letter. */
export type Delivery =
  | { kind: 'queue'; purpose: Purpose; targetArn: string; body: string; attributes?: Record<string, { DataType: string; StringValue: string }>; trimmed?: string }
  | { kind: 'function'; purpose: Purpose; targetArn: string; payload: string; trimmed?: string };
// `trimmed`: an invocation record without its request and response payloads, sent when the whole record
// is refused (too large), as AWS drops the payloads of a record its destination cannot take.

/** Why a delivery is made (for its log line). */
export type Purpose = 'on-success' | 'on-failure' | 'dead-letter';

export type Condition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded' | 'ZeroReservedConcurrency';
