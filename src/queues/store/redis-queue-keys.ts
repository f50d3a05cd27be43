/** The Redis keys of the queues, all under `<prefix>:sqs:`. */
export const queueKeys = {
  /** Sorted set of queue names (scores 0: ordered by name, for prefixes and pages). */
  index: (prefix: string): string => `${prefix}:sqs:queues`,
  /** Hash: `created`, `modified` (s), `generation`, and `a:<Name>` for each attribute set. */
  queue: (prefix: string, name: string): string => `${prefix}:sqs:queue:${name}`,
  messages: (prefix: string, name: string): string => `${prefix}:sqs:queue:${name}:messages`,
  state: (prefix: string, name: string): string => `${prefix}:sqs:queue:${name}:state`,
  visible: (prefix: string, name: string): string => `${prefix}:sqs:queue:${name}:visible`,
  inflight: (prefix: string, name: string): string => `${prefix}:sqs:queue:${name}:inflight`,
  sent: (prefix: string, name: string): string => `${prefix}:sqs:queue:${name}:sent`,
  /** Pub/sub channel: a queue's name is published on it when messages become receivable at once. */
  wakeups: (prefix: string): string => `${prefix}:sqs:wakeups`,
};
