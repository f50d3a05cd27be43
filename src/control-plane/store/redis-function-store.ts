import type { Redis } from 'ioredis';
import type { CodeReferences } from '../code/code-store.js';
import { getHeldCode, type FunctionRecord, type VersionRecord } from '../function-model.js';
import type { FunctionPage, FunctionStore, RemovedFunction, ReplaceResult } from '../function-store.js';
import { defineLuaCommand } from './lua-scripts.js';
import { call } from './redis-call.js';
import { codeHolders, redisKeys } from './redis-keys.js';

/*
 * Code references: `<prefix>:code-holders:<sha256Hex>` is the set of what holds that code, changed in the
 * same script as the record that holds it. `$LATEST` of a function is the holder `function:<name>`;
 * published versions are holders of their own (`version:<name>:<n>`, see RedisVersionStore). A record
 * holds its layers' code too (a function keeps working after its layer version is deleted, as on AWS).
 * The code store removes code whose set is empty.
 */

type Commands = Redis & {
  insertFunction(fnKey: string, indexKey: string, tagsKey: string, holdersKey: string, json: string, name: string, holder: string, holdersPrefix: string, ...tags: string[]): Promise<number>;
  replaceFunction(fnKey: string, expectedRevision: string, json: string, holdersPrefix: string, holder: string): Promise<number>;
  removeFunction(fnKey: string, indexKey: string, tagsKey: string, versionsKey: string, aliasesKey: string, lastKey: string, reservedKey: string, name: string, holdersPrefix: string, holder: string, versionHolderPrefix: string): Promise<string[] | null>;
};

const holderOf = codeHolders.latest;

export class RedisFunctionStore implements FunctionStore, CodeReferences {
  private readonly redis: Commands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    defineLuaCommand(redis, 'insertFunction-4.lua');
    defineLuaCommand(redis, 'replaceFunction-1.lua');
    defineLuaCommand(redis, 'removeFunction-7.lua');
    this.redis = redis as Commands;
  }

  private key(name: string): string {
    return redisKeys.function(this.prefix, name);
  }

  private get indexKey(): string {
    return redisKeys.functionIndex(this.prefix);
  }

  private get holdersPrefix(): string {
    return `${this.prefix}:code-holders:`;
  }

  async insert(record: FunctionRecord, tags: Record<string, string> = {}): Promise<boolean> {
    const inserted = await call(
      this.redis.insertFunction(
        this.key(record.name),
        this.indexKey,
        redisKeys.functionTags(this.prefix, record.name),
        `${this.holdersPrefix}${record.code.sha256Hex}`,
        JSON.stringify(record),
        record.name,
        holderOf(record.name),
        this.holdersPrefix,
        ...Object.entries(tags).flat(),
      ),
    );
    return inserted === 1;
  }

  async countCodeReferences(sha256Hex: string): Promise<number> {
    return call(this.redis.scard(`${this.holdersPrefix}${sha256Hex}`));
  }

  /** Adds every record's hold on its code (idempotent): for data written before holders were counted. */
  async restoreCodeReferences(): Promise<void> {
    let marker: string | undefined;
    do {
      const page = await this.list(marker, 1000);
      const versions = await call(
        Promise.all(page.records.map((r) => this.redis.hvals(redisKeys.functionVersions(this.prefix, r.name)))),
      );
      const pipeline = this.redis.pipeline();
      page.records.forEach((record, i) => {
        for (const sha of getHeldCode(record)) pipeline.sadd(`${this.holdersPrefix}${sha}`, holderOf(record.name));
        for (const json of versions[i] ?? []) {
          const version = JSON.parse(json) as VersionRecord;
          for (const sha of getHeldCode(version)) pipeline.sadd(`${this.holdersPrefix}${sha}`, codeHolders.version(record.name, version.version));
        }
      });
      await call(pipeline.exec());
      marker = page.nextMarker;
    } while (marker !== undefined);
  }

  async load(name: string): Promise<FunctionRecord | undefined> {
    const json = await call(this.redis.get(this.key(name)));
    return json === null ? undefined : (JSON.parse(json) as FunctionRecord);
  }

  async replace(record: FunctionRecord, expectedRevisionId: string): Promise<ReplaceResult> {
    const json = JSON.stringify(record);
    const result = await call(
      this.redis.replaceFunction(this.key(record.name), expectedRevisionId, json, this.holdersPrefix, holderOf(record.name)),
    );
    return result === 1 ? 'replaced' : result === 0 ? 'missing' : 'revision-mismatch';
  }

  async remove(name: string): Promise<RemovedFunction | undefined> {
    const removed = await call(
      this.redis.removeFunction(
        this.key(name),
        this.indexKey,
        redisKeys.functionTags(this.prefix, name),
        redisKeys.functionVersions(this.prefix, name),
        redisKeys.functionAliases(this.prefix, name),
        redisKeys.lastVersion(this.prefix, name),
        redisKeys.reservedConcurrency(this.prefix),
        name,
        this.holdersPrefix,
        holderOf(name),
        codeHolders.versionsPrefix(name),
      ),
    );
    if (removed === null || removed.length === 0) return undefined;
    const [json, ...versionCode] = removed as [string, ...string[]];
    const record = JSON.parse(json) as FunctionRecord;
    return { record, releasedCode: [...new Set([record.code.sha256Hex, ...versionCode])] };
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
