import { QueueError, invalidParameter } from './queue-error.js';

/** What a standard queue has until it is set otherwise (AWS's defaults). */
export const QUEUE_DEFAULTS: Readonly<Record<string, string>> = {
  VisibilityTimeout: '30',
  DelaySeconds: '0',
  MaximumMessageSize: '1048576',
  MessageRetentionPeriod: '345600',
  ReceiveMessageWaitTimeSeconds: '0',
  SqsManagedSseEnabled: 'true',
};

/** The settable numeric attributes and their ranges (inclusive). */
const NUMERIC_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  VisibilityTimeout: [0, 43_200],
  DelaySeconds: [0, 900],
  MaximumMessageSize: [1_024, 1_048_576],
  MessageRetentionPeriod: [60, 1_209_600],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  KmsDataKeyReusePeriodSeconds: [60, 86_400],
};

/** Settable and kept as given; lambdock does not act on them (no redrive, no encryption, no policy checks). */
const KEPT_AS_GIVEN = new Set(['Policy', 'RedrivePolicy', 'RedriveAllowPolicy', 'KmsMasterKeyId', 'SqsManagedSseEnabled']);

/** Computed on each read, never set. */
export const COMPUTED_ATTRIBUTES = [
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
] as const;

/** Every name GetQueueAttributes knows (a FIFO queue's among them: a standard queue has none of them). */
const READABLE = new Set<string>([
  'All',
  ...COMPUTED_ATTRIBUTES,
  ...Object.keys(NUMERIC_RANGES),
  ...KEPT_AS_GIVEN,
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
]);

export const FIFO_NOT_SUPPORTED =
  'lambdock does not support FIFO queues yet (a name ending in .fifo, or FifoQueue set to true): use a standard queue.';

const unknownAttribute = (name: string): QueueError => new QueueError('InvalidAttributeName', `Unknown Attribute ${name}.`);

/** Checks the attributes a CreateQueue or SetQueueAttributes sets; returns them as they are kept. */
export function checkSettableAttributes(attributes: Readonly<Record<string, string>>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'FifoQueue') {
      if (value.toLowerCase() === 'true') throw invalidParameter(FIFO_NOT_SUPPORTED);
      throw unknownAttribute(name);
    }
    if (name === 'DeduplicationScope' || name === 'FifoThroughputLimit') {
      throw new QueueError('InvalidAttributeName', `You can specify the ${name} only when FifoQueue is set to true.`);
    }
    const range = NUMERIC_RANGES[name];
    if (range !== undefined) {
      const number = /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
      if (!(number >= range[0] && number <= range[1])) {
        throw new QueueError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
      }
      kept[name] = String(number);
    } else if (KEPT_AS_GIVEN.has(name)) {
      kept[name] = value;
    } else {
      throw unknownAttribute(name);
    }
  }
  return kept;
}

/** The names a GetQueueAttributes asks for, `All` expanded; an unknown one is refused. */
export function getRequestedAttributes(names: readonly string[] | undefined, set: Readonly<Record<string, string>>): string[] {
  for (const name of names ?? []) if (!READABLE.has(name)) throw unknownAttribute(name);
  if (names?.includes('All')) return [...COMPUTED_ATTRIBUTES, ...new Set([...Object.keys(QUEUE_DEFAULTS), ...Object.keys(set)])];
  return [...new Set(names ?? [])];
}

/** An attribute's value as the queue has it (set, or the default), as a number. */
export function getNumericAttribute(set: Readonly<Record<string, string>>, name: keyof typeof NUMERIC_RANGES & string): number {
  return Number(set[name] ?? QUEUE_DEFAULTS[name] ?? 0);
}

/** The first attribute a CreateQueue gives that differs from the existing queue's, if any. */
export function findDifferentAttribute(existing: Readonly<Record<string, string>>, given: Readonly<Record<string, string>>): string | undefined {
  return Object.keys(given).find((name) => (existing[name] ?? QUEUE_DEFAULTS[name]) !== given[name]);
}
