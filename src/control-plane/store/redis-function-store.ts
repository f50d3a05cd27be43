import type { Redis } from 'ioredis';
import type { FunctionRecord } from '../function-model.js';
import type { CodeReferences } from '../code/code-store.js';
import type { FunctionPage, FunctionStore, ReplaceResult } from '../function-store.js';

/*
 * Code references: `<prefix>:code-holders:<sha256Hex>` is the set of what holds that code, changed in the
 * same script as the record that holds it. `$LATEST` of a function is the holder `function:<name>`;
 * published versions will be holders of their own (`version:<name>:<n>`). The code store removes code
 * whose set is empty.
 */

/**
 * insertFunction-3: KEYS[1] function key, KEYS[2] name index (sorted set, lexicographic), KEYS[3] holders
 * of the record's code; ARGV[1] record JSON, ARGV[2] name, ARGV[3] holder id. Returns 1 when stored, 0
 * when the name is taken.
 */
const INSERT_FUNCTION = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('ZADD', KEYS[2], 0, ARGV[2])
  redis.call('SADD', KEYS[3], ARGV[3])
  return 1
end
return 0`;

/**
 * replaceFunction-1: KEYS[1] function key; ARGV[1] expected RevisionId, ARGV[2] new record JSON,
 * ARGV[3] code-holders key prefix, ARGV[4] holder id. Moves the holder when the code changes.
 * Returns 1 replaced, 0 missing, -1 revision mismatch.
 */
const REPLACE_FUNCTION = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local old = cjson.decode(current)
if old['revisionId'] ~= ARGV[1] then return -1 end
local oldSha = old['code']['sha256Hex']
local newSha = cjson.decode(ARGV[2])['code']['sha256Hex']
redis.call('SET', KEYS[1], ARGV[2])
if oldSha ~= newSha then
  redis.call('SREM', ARGV[3] .. oldSha, ARGV[4])
  redis.call('SADD', ARGV[3] .. newSha, ARGV[4])
end
return 1`;

/**
 * removeFunction-2: KEYS[1] function key, KEYS[2] name index; ARGV[1] name, ARGV[2] code-holders key
 * prefix, ARGV[3] holder id. Returns the removed record's JSON, or false when there was none.
 */
const REMOVE_FUNCTION = `
local current = redis.call('GET', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if not current then return false end
redis.call('DEL', KEYS[1])
redis.call('SREM', ARGV[2] .. cjson.decode(current)['code']['sha256Hex'], ARGV[3])
return current`;

type Commands = Redis & {
  insertFunction(fnKey: string, indexKey: string, holdersKey: string, json: string, name: string, holder: string): Promise<number>;
  replaceFunction(fnKey: string, expectedRevision: string, json: string, holdersPrefix: string, holder: string): Promise<number>;
  removeFunction(fnKey: string, indexKey: string, name: string, holdersPrefix: string, holder: string): Promise<string | null>;
};

const holderOf = (name: string): string => `function:${name}`;

export class RedisFunctionStore implements FunctionStore, CodeReferences {
  private readonly redis: Commands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('insertFunction', { numberOfKeys: 3, lua: INSERT_FUNCTION });
    redis.defineCommand('replaceFunction', { numberOfKeys: 1, lua: REPLACE_FUNCTION });
    redis.defineCommand('removeFunction', { numberOfKeys: 2, lua: REMOVE_FUNCTION });
    this.redis = redis as Commands;
  }

  private key(name: string): string {
    return `${this.prefix}:function:${name}`;
  }

  private get indexKey(): string {
    return `${this.prefix}:functions`;
  }

  private get holdersPrefix(): string {
    return `${this.prefix}:code-holders:`;
  }

  async insert(record: FunctionRecord): Promise<boolean> {
    const holders = `${this.holdersPrefix}${record.code.sha256Hex}`;
    const json = JSON.stringify(record);
    return (await this.redis.insertFunction(this.key(record.name), this.indexKey, holders, json, record.name, holderOf(record.name))) === 1;
  }

  async countCodeReferences(sha256Hex: string): Promise<number> {
    return this.redis.scard(`${this.holdersPrefix}${sha256Hex}`);
  }

  /** Adds every record's hold on its code (idempotent): for data written before holders were counted. */
  async restoreCodeReferences(): Promise<void> {
    let marker: string | undefined;
    do {
      const page = await this.list(marker, 1000);
      const pipeline = this.redis.pipeline();
      for (const record of page.records) pipeline.sadd(`${this.holdersPrefix}${record.code.sha256Hex}`, holderOf(record.name));
      await pipeline.exec();
      marker = page.nextMarker;
    } while (marker !== undefined);
  }

  async load(name: string): Promise<FunctionRecord | undefined> {
    const json = await this.redis.get(this.key(name));
    return json === null ? undefined : (JSON.parse(json) as FunctionRecord);
  }

  async replace(record: FunctionRecord, expectedRevisionId: string): Promise<ReplaceResult> {
    const json = JSON.stringify(record);
    const result = await this.redis.replaceFunction(this.key(record.name), expectedRevisionId, json, this.holdersPrefix, holderOf(record.name));
    return result === 1 ? 'replaced' : result === 0 ? 'missing' : 'revision-mismatch';
  }

  async remove(name: string): Promise<FunctionRecord | undefined> {
    const json = await this.redis.removeFunction(this.key(name), this.indexKey, name, this.holdersPrefix, holderOf(name));
    return json === null ? undefined : (JSON.parse(json) as FunctionRecord);
  }

  async list(marker: string | undefined, maxItems: number): Promise<FunctionPage> {
    const start = marker === undefined || marker === '' ? '-' : `(${marker}`;
    const names = await this.redis.zrangebylex(this.indexKey, start, '+', 'LIMIT', 0, maxItems + 1);
    const page = names.slice(0, maxItems);
    const jsons = page.length === 0 ? [] : await this.redis.mget(page.map((n) => this.key(n)));
    const records = jsons.filter((j): j is string => j !== null).map((j) => JSON.parse(j) as FunctionRecord);
    const last = page[page.length - 1];
    return names.length > maxItems && last !== undefined ? { records, nextMarker: last } : { records };
  }
}
