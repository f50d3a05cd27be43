/**
 * The queues' storage. The service never touches Redis: this interface owns every command, and each change
 * that must be atomic (send, receive, delete, change visibility) is one Lua script.
 *
 * Design, and where FIFO and a Lambda event-source poller go later:
 * - A queue is a record (its set attributes, timestamps and a `generation`, new at each creation, so the
 *   receipt handles of a deleted queue never match a new queue of the same name) and five structures:
 *   `messages` (id → the message as sent, immutable), `state` (id → receive count, first receive, the
 *   current receipt token), `visible` (id → when it is next receivable, ms: send time plus delay, or the
 *   end of its visibility timeout), `inflight` (id → the end of its visibility timeout, for the counts),
 *   and `sent` (id → send time, for retention: what is older than the retention period is removed
 *   before each receive and count).
 * - FIFO queues would add, per message group, a list of ids in send order and a `groups-ready` sorted set;
 *   a receive would take from the head of groups that have no message in flight (a `groups-inflight` set)
 *   and a deduplication hash with a 5-minute TTL per id. `receiveMessages` keeps its signature; a FIFO
 *   queue's record says which script runs.
 * - A poller (queue as Lambda event source) is just another receiver: it calls `receiveMessages` with its
 *   batch size and long-polls through the same wake-ups the API's long polls use, then deletes what the
 *   function handled. Redrive (RedrivePolicy's maxReceiveCount) would move a message whose receive count
 *   passes the limit into the dead-letter queue's structures inside the receive script.
 */

export interface QueueRecord {
  name: string;
  /** The attributes set (defaults are not stored). */
  attributes: Record<string, string>;
  createdSeconds: number;
  modifiedSeconds: number;
  generation: string;
}

/** A message attribute as stored: binary values in base64. */
export interface StoredAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

/** A message as it was sent (never changes). */
export interface StoredMessage {
  id: string;
  body: string;
  md5Body: string;
  attributes?: Record<string, StoredAttribute>;
  sentMs: number;
  senderId: string;
  /** System attributes given at send (AWSTraceHeader), and MessageGroupId on a standard queue. */
  system?: Record<string, string>;
}

export interface ReceivedMessage {
  message: StoredMessage;
  receiveCount: number;
  firstReceiveMs: number;
  /** This receive's token: its receipt handle carries it, only the latest one deletes. */
  token: string;
}

export interface QueueCounts {
  visible: number;
  notVisible: number;
  delayed: number;
}

export interface ReceiveRequest {
  nowMs: number;
  max: number;
  visibilityMs: number;
  retentionMs: number;
  /** One new receipt token per message that may be received. */
  tokens: string[];
}

export interface QueueStore {
  /** Creates the queue, or returns the one that exists with that name. */
  createQueue(record: QueueRecord): Promise<{ created: boolean; queue: QueueRecord }>;
  fetchQueue(name: string): Promise<QueueRecord | undefined>;
  /** Names in order, starting after `after`, that begin with `prefix`. */
  listQueues(prefix: string, after: string | undefined, limit: number): Promise<string[]>;
  /** Merges attributes into the queue's; false when the queue is missing. */
  updateAttributes(name: string, attributes: Record<string, string>, modifiedSeconds: number): Promise<boolean>;
  removeQueue(name: string): Promise<boolean>;
  /** Adds messages, each receivable from its time (ms), and wakes receivers; false when the queue is missing. */
  sendMessages(name: string, messages: Array<{ message: StoredMessage; visibleAtMs: number }>): Promise<boolean>;
  /** Takes up to `max` receivable messages; undefined when the queue is missing. `nextVisibleAtMs`: when the next one may be. */
  receiveMessages(name: string, request: ReceiveRequest): Promise<{ received: ReceivedMessage[]; nextVisibleAtMs?: number } | undefined>;
  /** Deletes messages whose latest token is given (other tokens are ignored); undefined when the queue (generation) is missing. */
  removeMessages(name: string, generation: string, entries: Array<{ id: string; token: string }>): Promise<boolean[] | undefined>;
  /** Sets when in-flight messages become visible; false for one that is not in flight under that token. */
  changeVisibility(
    name: string,
    generation: string,
    nowMs: number,
    entries: Array<{ id: string; token: string; visibleAtMs: number }>,
  ): Promise<boolean[] | undefined>;
  purgeQueue(name: string): Promise<boolean>;
  countMessages(name: string, nowMs: number, retentionMs: number): Promise<QueueCounts | undefined>;
}
