import type { Redis } from 'ioredis';
import type { LayerVersionRecord } from '../layers/layer-model.js';
import type { LayerStore, NewLayerVersion } from '../layers/layer-store.js';
import { defineLuaCommand } from './lua-scripts.js';
import { call } from './redis-call.js';
import { codeHolders, redisKeys } from './redis-keys.js';

/*
 * A layer's versions are one hash (`<prefix>:layer-versions:<name>`, number → JSON), its counter a string
 * that outlives them, and `<prefix>:layers` indexes the names with versions. Each version holds its code
 * (`layer:<name>:<n>` in `<prefix>:code-holders:<sha>`), so code shared by many layers and functions is
 * stored once and stays while any of them holds it. A version's policy (`<prefix>:layer-policies:<name>`,
 * RedisLayerPolicyStore) goes with it.
 */

type Commands = Redis & {
  publishLayerVersion(versionsKey: string, lastKey: string, indexKey: string, holdersKey: string, json: string, name: string, holderPrefix: string): Promise<number>;
  removeLayerVersion(versionsKey: string, indexKey: string, policiesKey: string, version: string, holdersPrefix: string, holder: string, name: string): Promise<string | null>;
};

type StoredVersion = Omit<LayerVersionRecord, 'version'>;

export class RedisLayerStore implements LayerStore {
  private readonly redis: Commands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    defineLuaCommand(redis, 'publishLayerVersion-4.lua');
    defineLuaCommand(redis, 'removeLayerVersion-3.lua');
    this.redis = redis as Commands;
  }

  private versionsKey(name: string): string {
    return redisKeys.layerVersions(this.prefix, name);
  }

  async publish(record: NewLayerVersion): Promise<LayerVersionRecord> {
    const version = await call(
      this.redis.publishLayerVersion(
        this.versionsKey(record.layerName),
        redisKeys.layerLastVersion(this.prefix, record.layerName),
        redisKeys.layerIndex(this.prefix),
        `${redisKeys.codeHoldersPrefix(this.prefix)}${record.code.sha256Hex}`,
        JSON.stringify(record),
        record.layerName,
        codeHolders.layerVersionsPrefix(record.layerName),
      ),
    );
    return { ...record, version };
  }

  async load(layerName: string, version: number): Promise<LayerVersionRecord | undefined> {
    const json = await call(this.redis.hget(this.versionsKey(layerName), String(version)));
    return json === null ? undefined : { ...(JSON.parse(json) as StoredVersion), version };
  }

  async listVersions(layerName: string): Promise<LayerVersionRecord[]> {
    const all = await call(this.redis.hgetall(this.versionsKey(layerName)));
    return Object.entries(all)
      .map(([n, json]) => ({ ...(JSON.parse(json) as StoredVersion), version: Number(n) }))
      .sort((a, b) => b.version - a.version);
  }

  async listNames(marker: string | undefined, count: number): Promise<string[]> {
    const start = marker === undefined || marker === '' ? '-' : `(${marker}`;
    return call(this.redis.zrangebylex(redisKeys.layerIndex(this.prefix), start, '+', 'LIMIT', 0, count));
  }

  async remove(layerName: string, version: number): Promise<LayerVersionRecord | undefined> {
    const json = await call(
      this.redis.removeLayerVersion(
        this.versionsKey(layerName),
        redisKeys.layerIndex(this.prefix),
        redisKeys.layerPolicies(this.prefix, layerName),
        String(version),
        redisKeys.codeHoldersPrefix(this.prefix),
        codeHolders.layerVersion(layerName, version),
        layerName,
      ),
    );
    return json === null ? undefined : { ...(JSON.parse(json) as StoredVersion), version };
  }

  /** Adds every layer version's hold on its code (idempotent): for data written before holders were counted. */
  async restoreCodeReferences(): Promise<void> {
    let marker: string | undefined;
    for (;;) {
      const names = await this.listNames(marker, 500);
      if (names.length === 0) return;
      const pipeline = this.redis.pipeline();
      for (const name of names) {
        for (const record of await this.listVersions(name)) {
          pipeline.sadd(`${redisKeys.codeHoldersPrefix(this.prefix)}${record.code.sha256Hex}`, codeHolders.layerVersion(name, record.version));
        }
      }
      await call(pipeline.exec());
      marker = names[names.length - 1];
    }
  }
}
