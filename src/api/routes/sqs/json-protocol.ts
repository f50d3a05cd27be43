import type { QueueError, QueueErrorCode } from '../../../queues/queue-error.js';

/** AWS's JSON 1.0 protocol for SQS (`X-Amz-Target: AmazonSQS.<Action>`). */
export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';
const TARGET_PREFIX = 'AmazonSQS.';

/** The action a JSON request targets, or undefined when it is not an SQS JSON request. */
export function getJsonAction(target: string | undefined): string | undefined {
  return target?.startsWith(TARGET_PREFIX) === true ? target.slice(TARGET_PREFIX.length) : undefined;
}

const decodeAttributeValues = (attributes: unknown): void => {
  if (typeof attributes !== 'object' || attributes === null) return;
  for (const value of Object.values(attributes as Record<string, { BinaryValue?: unknown }>)) {
    if (typeof value === 'object' && value !== null && typeof value.BinaryValue === 'string') {
      (value as { BinaryValue: unknown }).BinaryValue = Buffer.from(value.BinaryValue, 'base64');
    }
  }
};

/** Members whose type the operations rely on: a string or a number of another type is refused up front. */
const STRING_MEMBERS = ['QueueUrl', 'QueueName', 'QueueNamePrefix', 'NextToken', 'MessageBody', 'ReceiptHandle', 'Id', 'QueueOwnerAWSAccountId', 'MessageGroupId', 'MessageDeduplicationId', 'ReceiveRequestAttemptId'];
const NUMBER_MEMBERS = ['DelaySeconds', 'MaxNumberOfMessages', 'VisibilityTimeout', 'WaitTimeSeconds', 'MaxResults'];

function checkMemberTypes(holder: Record<string, unknown>): void {
  for (const name of STRING_MEMBERS) {
    if (holder[name] !== undefined && typeof holder[name] !== 'string') throw new SyntaxError(`${name} must be a string`);
  }
  for (const name of NUMBER_MEMBERS) {
    if (holder[name] !== undefined && typeof holder[name] !== 'number') throw new SyntaxError(`${name} must be a number`);
  }
}

/** The input of a JSON body: binary attribute values (base64 on the wire) become bytes. */
export function parseJsonInput(body: Buffer | undefined): Record<string, unknown> {
  const text = body === undefined ? '' : body.toString('utf8');
  const input = (text.trim() === '' ? {} : JSON.parse(text)) as unknown;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new SyntaxError('the body is not a JSON object');
  const record = input as Record<string, unknown>;
  if (record.Entries !== undefined && !Array.isArray(record.Entries)) throw new SyntaxError('Entries must be a list');
  const entries = Array.isArray(record.Entries) ? (record.Entries as Array<Record<string, unknown>>) : [];
  for (const holder of [record, ...entries]) {
    if (typeof holder !== 'object' || holder === null) throw new SyntaxError('Entries must be a list of objects');
    checkMemberTypes(holder);
    decodeAttributeValues(holder.MessageAttributes);
    decodeAttributeValues(holder.MessageSystemAttributes);
  }
  return record;
}

/** An output as JSON: bytes as base64. */
export function renderJsonOutput(output: object): string {
  return JSON.stringify(output, function (this: Record<string, unknown>, key, value: unknown) {
    const original = this[key];
    return original instanceof Uint8Array ? Buffer.from(original).toString('base64') : value;
  });
}

/**
 * The errors AWS's front end answers, outside the SQS model: `__type` is the front end's own shape (the
 * name Lambda and the other JSON services give the same refusal), the SDKs read the code from the header.
 */
const CORAL_TYPES: Partial<Record<QueueErrorCode, string>> = {
  InvalidAction: 'UnknownOperationException',
  AccessDenied: 'AccessDeniedException',
  IncompleteSignature: 'IncompleteSignatureException',
  InvalidClientTokenId: 'UnrecognizedClientException',
  SignatureDoesNotMatch: 'InvalidSignatureException',
};

/** An error as the JSON protocol carries it (the query code in `x-amzn-query-error`, which the SDKs read). */
export function renderJsonError(error: QueueError): { status: number; headers: Record<string, string>; body: string } {
  const coral = CORAL_TYPES[error.code];
  const type = coral === undefined ? `com.amazonaws.sqs#${error.code}` : `com.amazon.coral.service#${coral}`;
  return {
    status: error.status,
    headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-query-error': `${error.queryCode};${error.fault}` },
    body: JSON.stringify({ __type: type, message: error.message }),
  };
}
