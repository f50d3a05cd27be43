import { QueueError, invalidParameter, invalidValue, missingParameter } from './queue-error.js';
import type { MessageAttributeValue } from './queue-sender.js';

/** The characters SQS accepts in a body or a string attribute. */
const VALID_CONTENT = /^[\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u;
const ATTRIBUTE_NAME = /^[\u00c0-\u017fa-zA-Z0-9_.-]+$/;
const RESERVED_NAME = /^(aws\.|amazon\.|\.)|\.$/i;
const ATTRIBUTE_TYPE = /^(String|Number|Binary)/;
const MAX_ATTRIBUTES = 10;
const BATCH_ENTRY_ID = /^[a-zA-Z0-9_-]{1,80}$/;
export const MAX_BATCH_ENTRIES = 10;
export const MAX_BATCH_BYTES = 1_048_576;

const byteLength = (value: string | Uint8Array): number => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length);

export function checkBody(body: string | undefined): string {
  if (body === undefined || body === '') throw missingParameter('MessageBody');
  if (!VALID_CONTENT.test(body)) {
    throw new QueueError(
      'InvalidMessageContents',
      'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    );
  }
  return body;
}

function checkAttribute(name: string, value: MessageAttributeValue): void {
  if (byteLength(name) >= 256) throw invalidParameter('Message (user) attribute names must be shorter than 256 Bytes');
  if (!ATTRIBUTE_NAME.test(name)) {
    throw invalidParameter('Message (user) attributes name can only contain upper and lower score characters, digits, periods, hyphens and underscores. ');
  }
  if (RESERVED_NAME.test(name)) {
    throw invalidParameter(
      "You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings are reserved for internal use. Additionally, they cannot start or end with '.'.",
    );
  }
  const type = value.DataType;
  if (type === undefined || type === '') throw invalidParameter('Missing required parameter DataType');
  if (!ATTRIBUTE_TYPE.test(type)) {
    throw invalidParameter(`Type for parameter MessageAttributes.Attribute_name.DataType must be prefixedwith "String", "Binary", or "Number", but was: ${type}`);
  }
  if (byteLength(type) >= 256) throw invalidParameter('Message (user) attribute types must be shorter than 256 Bytes');
  if (type.startsWith('Binary')) {
    if (value.BinaryValue === undefined || value.BinaryValue.length === 0) {
      throw invalidParameter(`Message (user) attribute '${name}' must contain a non-empty value of type 'Binary'.`);
    }
    return;
  }
  if (value.StringValue === undefined || value.StringValue === '') {
    throw invalidParameter(`Message (user) attribute '${name}' must contain a non-empty value of type 'String'.`);
  }
  if (!VALID_CONTENT.test(value.StringValue)) {
    throw invalidParameter('Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF');
  }
  if (type.startsWith('Number') && !Number.isFinite(Number(value.StringValue))) {
    throw invalidParameter(`Can't cast the value of message (user) attribute '${name}' to a number.`);
  }
}

/** Checks a message's attributes; returns their size in bytes (names, types and values, as AWS counts them). */
export function checkMessageAttributes(attributes: Record<string, MessageAttributeValue> | undefined): number {
  const entries = Object.entries(attributes ?? {});
  if (entries.length > MAX_ATTRIBUTES) {
    throw invalidParameter(`Number of message attributes [${entries.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`);
  }
  let size = 0;
  for (const [name, value] of entries) {
    checkAttribute(name, value);
    size += byteLength(name) + byteLength(value.DataType) + byteLength(value.BinaryValue ?? value.StringValue ?? '');
  }
  return size;
}

export function checkMessageSize(body: string, attributesSize: number, maximum: number): void {
  if (byteLength(body) + attributesSize > maximum) {
    throw invalidParameter(`One or more parameters are invalid. Reason: Message must be shorter than ${maximum} bytes.`);
  }
}

export function checkDelaySeconds(delay: number): void {
  if (!Number.isInteger(delay) || delay < 0 || delay > 900) throw invalidValue(delay, 'DelaySeconds', 'DelaySeconds must be >= 0 and <= 900.');
}

/** A whole-number parameter within a range ("Must be between 1 and 10, if provided."). */
export function checkRange(value: number, parameter: string, min: number, max: number, reason: string): void {
  if (!Number.isInteger(value) || value < min || value > max) throw invalidValue(value, parameter, reason);
}

/** A batch's entries: 1 to 10, ids valid and distinct. */
export function checkBatch(entries: ReadonlyArray<{ Id?: string }> | undefined, entryName: string): void {
  if (entries === undefined || entries.length === 0) {
    throw new QueueError('EmptyBatchRequest', `There should be at least one ${entryName} in the request.`);
  }
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw new QueueError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`);
  }
  const seen = new Set<string>();
  for (const { Id: id } of entries) {
    if (id === undefined || !BATCH_ENTRY_ID.test(id)) {
      throw new QueueError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (seen.has(id)) throw new QueueError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    seen.add(id);
  }
}

export function checkBatchSize(bytes: number): void {
  if (bytes > MAX_BATCH_BYTES) {
    throw new QueueError('BatchRequestTooLong', `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes. You have sent ${bytes} bytes.`);
  }
}

export const getMessageBytes = (body: string, attributesSize: number): number => byteLength(body) + attributesSize;

/**
 * The attributes a ReceiveMessage asks for (MessageAttributeNames): `All` or `.*` is every one,
 * `Prefix.*` those starting with Prefix, anything else the name itself.
 */
export function filterAttributes<T>(attributes: Record<string, T> | undefined, names: readonly string[] | undefined): Record<string, T> | undefined {
  if (attributes === undefined || names === undefined || names.length === 0) return undefined;
  const wanted = (name: string): boolean =>
    names.some((n) => n === 'All' || n === '.*' || (n.endsWith('.*') ? name.startsWith(n.slice(0, -2)) : n === name));
  const kept = Object.fromEntries(Object.entries(attributes).filter(([name]) => wanted(name)));
  return Object.keys(kept).length === 0 ? undefined : kept;
}

/** A receipt handle: which queue (and incarnation), which message, which receive. Opaque to callers. */
export interface Receipt {
  queueName: string;
  generation: string;
  messageId: string;
  token: string;
}

export const encodeReceipt = (r: Receipt): string =>
  Buffer.from([r.queueName, r.generation, r.messageId, r.token].join('\n'), 'utf8').toString('base64');

/** The receipt in a handle, or undefined when it is not one of this queue's handles. */
export function decodeReceipt(handle: string, queueName: string): Receipt | undefined {
  const parts = Buffer.from(handle, 'base64').toString('utf8').split('\n');
  if (parts.length !== 4) return undefined;
  const [name, generation, messageId, token] = parts as [string, string, string, string];
  return name === queueName && encodeReceipt({ queueName: name, generation, messageId, token }) === handle
    ? { queueName: name, generation, messageId, token }
    : undefined;
}
