import type { Redis } from 'ioredis';
import { serviceError } from '../../shared/errors.js';
import type { FunctionRecord } from '../function-model.js';
import type { FunctionPage, FunctionStore, ReplaceResult } from '../function-store.js';
import { redisKeys } from './redis-keys.js';

/**
 * insertFunction-3: KEYS[1] function key, KEYS[2] name index (sorted set, lexicographic), KEYS[3] tags hash;
 * ARGV[1] record JSON, ARGV[2] name, ARGV[3..] tag key, value, key, value… Returns 1 when stored, 0 when
 * the name is taken.
 */
const INSERT_FUNCTION = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('ZADD', KEYS[2], 0, ARGV[2])
  redis.call('DEL', KEYS[3])
  if #ARGV > 2 then redis.call('HSET', KEYS[3], unpack(ARGV, 3)) end
  return 1
end
return 0`;

/**
 * replaceFunction-1: KEYS[1] function key; ARGV[1] expected RevisionId, ARGV[2] new record JSON.
 * Returns 1 replaced, 0 missing, -1 revision mismatch.
 */
const REPLACE_FUNCTION = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if cjson.decode(current)['revisionId'] ~= ARGV[1] then return -1 end
redis.call('SET', KEYS[1], ARGV[2])
return 1`;

/** removeFunction-3: KEYS[1] function key, KEYS[2] name index, KEYS[3] tags hash; ARGV[1] name. Returns 1 when removed. */
const REMOVE_FUNCTION = `
local removed = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
return removed`;

type Commands = Redis & {
  insertFunction(fnKey: string, indexKey: string, tagsKey: string, json: string, name: string, ...tags: string[]): Promise<number>;
  replaceFunction(fnKey: string, expectedRevision: string, json: string): Promise<number>;
  removeFunction(fnKey: string, indexKey: string, tagsKey: string, name: string): Promise<number>;
};

/**
 * A Redis command's answer; a Redis that failed or did not answer within the client's `commandTimeout`
 * becomes the ServiceException (500) AWS answers when its backend fails.
 */
async function call<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch (error) {
    throw serviceError(error);
  }
}

export class RedisFunctionStore implements FunctionStore {
  private readonly redis: Commands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('insertFunction', { numberOfKeys: 3, lua: INSERT_FUNCTION });
    redis.defineCommand('replaceFunction', { numberOfKeys: 1, lua: REPLACE_FUNCTION });
    redis.defineCommand('removeFunction', { numberOfKeys: 3, lua: REMOVE_FUNCTION });
    this.redis = redis as Commands;
  }

  private key(name: string): string {
    return redisKeys.function(this.prefix, name);
  }

  private get indexKey(): string {
    return redisKeys.functionIndex(this.prefix);
  }

  async insert(record: FunctionRecord, tags: Record<string, string> = {}): Promise<boolean> {
    const inserted = await call(
      this.redis.insertFunction(
        this.key(record.name),
        this.indexKey,
        redisKeys.functionTags(this.prefix, record.name),
        JSON.stringify(record),
        record.name,
        ...Object.entries(tags).flat(),
      ),
    );
    return inserted === 1;
  }

  async load(name: string): Promise<FunctionRecord | undefined> {
    const json = await call(this.redis.get(this.key(name)));
    return json === null ? undefined : (JSON.parse(json) as FunctionRecord);
  }

  async replace(record: FunctionRecord, expectedRevisionId: string): Promise<ReplaceResult> {
    const result = await call(this.redis.replaceFunction(this.key(record.name), expectedRevisionId, JSON.stringify(record)));
    return result === 1 ? 'replaced' : result === 0 ? 'missing' : 'revision-mismatch';
  }

  async remove(name: string): Promise<boolean> {
    return (await call(this.redis.removeFunction(this.key(name), this.indexKey, redisKeys.functionTags(this.prefix, name), name))) === 1;
  }

  async list(marker: string | undefined, maxItems: number): Promise<FunctionPage> {
    const start = marker === undefined || marker === '' ? '-' : `(${marker}`;
    const names = await call(this.redis.zrangebylex(this.indexKey, start, '+', 'LIMIT', 0, maxItems + 1));
    const page = names.slice(0, maxItems);
    const jsons = page.length === 0 ? [] : await call(this.redis.mget(page.map((n) => this.key(n))));
    const records = jsons.filter((j): j is string => j !== null).map((j) => JSON.parse(j) as FunctionRecord);
    const last = page[page.length - 1];
    return names.length > maxItems && last !== undefined ? { records, nextMarker: last } : { records };
  }
}
