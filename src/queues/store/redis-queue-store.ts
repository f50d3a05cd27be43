import type { Redis } from 'ioredis';
import { defineLuaScript, luaDirectory } from '../../shared/lua-scripts.js';
import { internalFailure } from '../queue-error.js';
import type { QueueCounts, QueueRecord, QueueStore, ReceiveRequest, ReceivedMessage, StoredMessage } from '../queue-store.js';
import { queueKeys } from './redis-queue-keys.js';

const LUA_DIR = luaDirectory('queues', 'store', 'lua');

type Commands = Redis & {
  createQueue(index: string, queue: string, name: string, created: number, generation: string, ...pairs: string[]): Promise<Array<string | number>>;
  updateAttributes(queue: string, modified: number, ...pairs: string[]): Promise<number>;
  removeQueue(...keysAndName: string[]): Promise<number>;
  purgeQueue(...keys: string[]): Promise<number>;
  sendMessages(...keysAndArgs: Array<string | number>): Promise<number>;
  receiveMessages(...keysAndArgs: Array<string | number>): Promise<string[] | null>;
  removeMessages(...keysAndArgs: string[]): Promise<number[] | number>;
  changeVisibility(...keysAndArgs: Array<string | number>): Promise<number[] | number>;
  countMessages(...keysAndArgs: Array<string | number>): Promise<number[] | null>;
};

const ATTRIBUTE_FIELD = 'a:';

/** A Redis that failed becomes SQS's InternalFailure (500). */
async function call<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch (error) {
    throw internalFailure(error);
  }
}

function toRecord(name: string, flat: ReadonlyArray<string | number>): QueueRecord {
  const record: QueueRecord = { name, attributes: {}, createdSeconds: 0, modifiedSeconds: 0, generation: '' };
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = String(flat[i]);
    const value = String(flat[i + 1]);
    if (field.startsWith(ATTRIBUTE_FIELD)) record.attributes[field.slice(ATTRIBUTE_FIELD.length)] = value;
    else if (field === 'created') record.createdSeconds = Number(value);
    else if (field === 'modified') record.modifiedSeconds = Number(value);
    else if (field === 'generation') record.generation = value;
  }
  return record;
}

const attributePairs = (attributes: Record<string, string>): string[] =>
  Object.entries(attributes).flatMap(([name, value]) => [`${ATTRIBUTE_FIELD}${name}`, value]);

/** "count:firstReceive:token" */
function toReceived(json: string, state: string): ReceivedMessage {
  const [count, first, ...token] = state.split(':');
  return { message: JSON.parse(json) as StoredMessage, receiveCount: Number(count), firstReceiveMs: Number(first), token: token.join(':') };
}

/** The queues on Redis (see queue-store.ts for the layout, and lua/ for the scripts). */
export class RedisQueueStore implements QueueStore {
  private readonly redis: Commands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    for (const file of [
      'createQueue-2.lua',
      'updateAttributes-1.lua',
      'removeQueue-7.lua',
      'purgeQueue-6.lua',
      'sendMessages-5.lua',
      'receiveMessages-6.lua',
      'removeMessages-6.lua',
      'changeVisibility-4.lua',
      'countMessages-6.lua',
    ]) {
      defineLuaScript(redis, LUA_DIR, file);
    }
    this.redis = redis as Commands;
  }

  /** The queue's hash and its five message structures, in the scripts' order. */
  private messageKeys(name: string): string[] {
    const p = this.prefix;
    return [queueKeys.queue(p, name), queueKeys.messages(p, name), queueKeys.state(p, name), queueKeys.visible(p, name), queueKeys.inflight(p, name), queueKeys.sent(p, name)];
  }

  async createQueue(record: QueueRecord): Promise<{ created: boolean; queue: QueueRecord }> {
    const [created, ...flat] = await call(
      this.redis.createQueue(
        queueKeys.index(this.prefix),
        queueKeys.queue(this.prefix, record.name),
        record.name,
        record.createdSeconds,
        record.generation,
        ...attributePairs(record.attributes),
      ),
    );
    return { created: created === 1, queue: toRecord(record.name, flat) };
  }

  async fetchQueue(name: string): Promise<QueueRecord | undefined> {
    const hash = await call(this.redis.hgetall(queueKeys.queue(this.prefix, name)));
    return Object.keys(hash).length === 0 ? undefined : toRecord(name, Object.entries(hash).flat());
  }

  async listQueues(prefix: string, after: string | undefined, limit: number): Promise<string[]> {
    const from = after === undefined ? (prefix === '' ? '-' : `[${prefix}`) : `(${after}`;
    // Names are [A-Za-z0-9_-]: every name with the prefix sorts below prefix + U+00FF.
    const to = prefix === '' ? '+' : `[${prefix}\u00ff`;
    const names = await call(this.redis.zrangebylex(queueKeys.index(this.prefix), from, to, 'LIMIT', 0, limit));
    return names.filter((name) => name.startsWith(prefix));
  }

  async updateAttributes(name: string, attributes: Record<string, string>, modifiedSeconds: number): Promise<boolean> {
    return (await call(this.redis.updateAttributes(queueKeys.queue(this.prefix, name), modifiedSeconds, ...attributePairs(attributes)))) === 1;
  }

  async removeQueue(name: string): Promise<boolean> {
    return (await call(this.redis.removeQueue(queueKeys.index(this.prefix), ...this.messageKeys(name), name))) === 1;
  }

  async purgeQueue(name: string): Promise<boolean> {
    return (await call(this.redis.purgeQueue(...this.messageKeys(name)))) === 1;
  }

  async sendMessages(name: string, messages: Array<{ message: StoredMessage; visibleAtMs: number }>): Promise<boolean> {
    const [queue, stored, state, visible, , sent] = this.messageKeys(name) as [string, string, string, string, string, string];
    const args = messages.flatMap(({ message, visibleAtMs }) => [message.id, JSON.stringify(message), visibleAtMs, message.sentMs]);
    return (await call(this.redis.sendMessages(queue, stored, state, visible, sent, queueKeys.wakeups(this.prefix), name, ...args))) === 1;
  }

  async receiveMessages(name: string, request: ReceiveRequest): Promise<{ received: ReceivedMessage[]; nextVisibleAtMs?: number } | undefined> {
    const reply = await call(
      this.redis.receiveMessages(...this.messageKeys(name), request.nowMs, request.max, request.visibilityMs, request.retentionMs, ...request.tokens.slice(0, request.max)),
    );
    if (reply === null) return undefined;
    const [nextUp, ...pairs] = reply;
    const received: ReceivedMessage[] = [];
    for (let i = 0; i + 1 < pairs.length; i += 2) received.push(toReceived(pairs[i] as string, pairs[i + 1] as string));
    return nextUp === undefined || nextUp === '' ? { received } : { received, nextVisibleAtMs: Number(nextUp) };
  }

  async removeMessages(name: string, generation: string, entries: Array<{ id: string; token: string }>): Promise<boolean[] | undefined> {
    const reply = await call(this.redis.removeMessages(...this.messageKeys(name), generation, ...entries.flatMap((e) => [e.id, e.token])));
    return typeof reply === 'number' ? undefined : reply.map((r) => r === 1);
  }

  async changeVisibility(
    name: string,
    generation: string,
    nowMs: number,
    entries: Array<{ id: string; token: string; visibleAtMs: number }>,
  ): Promise<boolean[] | undefined> {
    const [queue, , state, visible, inflight] = this.messageKeys(name) as [string, string, string, string, string];
    const reply = await call(
      this.redis.changeVisibility(
        queue,
        state,
        visible,
        inflight,
        generation,
        nowMs,
        queueKeys.wakeups(this.prefix),
        name,
        ...entries.flatMap((e) => [e.id, e.token, e.visibleAtMs]),
      ),
    );
    return typeof reply === 'number' ? undefined : reply.map((r) => r === 1);
  }

  async countMessages(name: string, nowMs: number, retentionMs: number): Promise<QueueCounts | undefined> {
    const reply = await call(this.redis.countMessages(...this.messageKeys(name), nowMs, retentionMs));
    if (reply === null) return undefined;
    const [visible = 0, notVisible = 0, delayed = 0] = reply;
    return { visible, notVisible, delayed };
  }
}
