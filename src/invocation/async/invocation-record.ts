import type { AsyncEvent, Condition, Delivery } from './async-event.js';

/** Where a settled event's records go: its config's destinations and its version's dead-letter queue. */
export interface SettleTargets {
  onSuccess?: string;
  onFailure?: string;
  deadLetter?: string;
}

/** AWS keeps the first 1 KB of the error message in a dead letter. */
const DEAD_LETTER_MESSAGE_BYTES = 1024;

const isJson = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/** A payload as JSON in a record: as sent when it is JSON (AWS embeds it, not a string of it), else a string. */
const embed = (text: string): string => (text === '' ? 'null' : isJson(text) ? text : JSON.stringify(text));

/**
 * AWS's invocation record, compact and in AWS's key order: `version`, `timestamp`, `requestContext`,
 * `requestPayload`, then `responseContext` and `responsePayload` when the function ran.
 */
export function buildInvocationRecord(event: AsyncEvent, condition: Condition, functionArn: string, now: Date, options: { payloads?: boolean } = {}): string {
  const payloads = options.payloads ?? true;
  const requestContext = { requestId: event.requestId, functionArn, condition, approximateInvokeCount: event.attempts };
  const start = `{"version":"1.0","timestamp":${JSON.stringify(now.toISOString())},"requestContext":${JSON.stringify(requestContext)}`;
  const head = payloads ? `${start},"requestPayload":${embed(event.payload)}` : start;
  // The last answer: the success's, or the last failure's (a run that ended in EventAgeExceeded has one too).
  const answer = event.lastAnswer;
  if (answer === undefined || condition === 'ZeroReservedConcurrency') return `${head}}`;
  const responseContext = {
    statusCode: 200,
    executedVersion: answer.executedVersion,
    ...(answer.functionError === undefined ? {} : { functionError: answer.functionError }),
  };
  const tail = payloads ? `,"responsePayload":${embed(answer.payload)}` : '';
  return `${head},"responseContext":${JSON.stringify(responseContext)}${tail}}`;
}

/** The first `bytes` of a UTF-8 string, not cutting a character in two. */
function truncateUtf8(text: string, bytes: number): string {
  const buffer = Buffer.from(text, 'utf8');
  if (buffer.length <= bytes) return text;
  let end = bytes;
  // Back off continuation bytes (10xxxxxx) so the cut falls between characters.
  while (end > 0 && ((buffer[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return buffer.subarray(0, end).toString('utf8');
}

/** What went wrong, for a dead letter: the function's `errorMessage`, or why lambdock could not run it. */
function describeFailure(event: AsyncEvent, condition: Condition): { code: string; message: string } {
  if (event.lastAnswer?.functionError !== undefined) {
    let message = event.lastAnswer.payload;
    try {
      const parsed = JSON.parse(message) as { errorMessage?: unknown };
      if (typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
    } catch {
      // Not JSON: the answer itself.
    }
    // AWS gives the invoke's status: 200 (a function error is an answer).
    return { code: '200', message };
  }
  if (condition === 'ZeroReservedConcurrency') return { code: '429', message: 'The function has a reserved concurrency of 0.' };
  if (event.lastDeferral !== undefined) return { code: String(event.lastDeferral.status), message: event.lastDeferral.message };
  return { code: '500', message: 'The event expired before lambdock could run it.' };
}

/** A dead letter: the event as it was sent, with AWS's three attributes. */
export function buildDeadLetter(event: AsyncEvent, condition: Condition, targetArn: string): Delivery {
  const failure = describeFailure(event, condition);
  return {
    kind: 'queue',
    purpose: 'dead-letter',
    targetArn,
    body: event.payload,
    attributes: {
      RequestID: { DataType: 'String', StringValue: event.requestId },
      ErrorCode: { DataType: 'Number', StringValue: failure.code },
      ErrorMessage: { DataType: 'String', StringValue: truncateUtf8(failure.message, DEAD_LETTER_MESSAGE_BYTES) },
    },
  };
}

const isFunctionArn = (arn: string): boolean => arn.split(':')[2] === 'lambda';

/** The messages a settled event sends: its record to the success or failure destination, and a dead letter on failure. */
export function buildDeliveries(event: AsyncEvent, condition: Condition, targets: SettleTargets, functionArn: string, now: Date): Delivery[] {
  const deliveries: Delivery[] = [];
  const destination = condition === 'Success' ? targets.onSuccess : targets.onFailure;
  if (destination !== undefined) {
    const record = buildInvocationRecord(event, condition, functionArn, now);
    const trimmed = buildInvocationRecord(event, condition, functionArn, now, { payloads: false });
    const purpose = condition === 'Success' ? 'on-success' : 'on-failure';
    deliveries.push(
      isFunctionArn(destination)
        ? { kind: 'function', purpose, targetArn: destination, payload: record, trimmed }
        : { kind: 'queue', purpose, targetArn: destination, body: record, trimmed },
    );
  }
  if (condition !== 'Success' && targets.deadLetter !== undefined) deliveries.push(buildDeadLetter(event, condition, targets.deadLetter));
  return deliveries;
}
