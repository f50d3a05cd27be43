import type { Redis } from 'ioredis';
import type { FunctionRecord, VersionRecord } from '../function-model.js';
import type { ReplaceResult } from '../function-store.js';
import type { PublishResult, RemoveVersionResult, VersionStore } from '../versions/version-store.js';
import { defineLuaCommand } from './lua-scripts.js';
import { call } from './redis-call.js';
import { codeHolders, redisKeys } from './redis-keys.js';

type Commands = Redis & {
  publishVersion(fnKey: string, versionsKey: string, lastKey: string, holdersKey: string, expectedRevision: string, expectedLast: string, version: string, json: string, holder: string, latestJson: string, holdersPrefix: string): Promise<number>;
  settleVersion(versionsKey: string, holdersKey: string, version: string, expectedRevision: string, json: string): Promise<number>;
  removeVersion(fnKey: string, versionsKey: string, aliasesKey: string, version: string, holdersPrefix: string, holder: string): Promise<string[]>;
};

const byNumber = (a: VersionRecord, b: VersionRecord): number => Number(a.version) - Number(b.version);

/** Published versions: a hash per function (number → record), beside `$LATEST` (see RedisFunctionStore). */
export class RedisVersionStore implements VersionStore {
  private readonly redis: Commands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    defineLuaCommand(redis, 'publishVersion-4.lua');
    defineLuaCommand(redis, 'settleVersion-2.lua');
    defineLuaCommand(redis, 'removeVersion-3.lua');
    this.redis = redis as Commands;
  }

  async loadLastVersionNumber(name: string): Promise<number> {
    return Number((await call(this.redis.get(redisKeys.lastVersion(this.prefix, name)))) ?? '0');
  }

  async loadVersion(name: string, version: string): Promise<VersionRecord | undefined> {
    const json = await call(this.redis.hget(redisKeys.functionVersions(this.prefix, name), version));
    return json === null ? undefined : (JSON.parse(json) as VersionRecord);
  }

  async listVersions(name: string): Promise<VersionRecord[]> {
    const jsons = await call(this.redis.hvals(redisKeys.functionVersions(this.prefix, name)));
    return jsons.map((json) => JSON.parse(json) as VersionRecord).sort(byNumber);
  }

  async publish(record: VersionRecord, latest: FunctionRecord, expectedLatestRevisionId: string): Promise<PublishResult> {
    const result = await call(
      this.redis.publishVersion(
        redisKeys.function(this.prefix, record.name),
        redisKeys.functionVersions(this.prefix, record.name),
        redisKeys.lastVersion(this.prefix, record.name),
        redisKeys.codeHolders(this.prefix, record.code.sha256Hex),
        expectedLatestRevisionId,
        String(Number(record.version) - 1),
        record.version,
        JSON.stringify(record),
        codeHolders.version(record.name, record.version),
        JSON.stringify(latest),
        redisKeys.codeHoldersPrefix(this.prefix),
      ),
    );
    return result === 1 ? 'published' : result === 0 ? 'missing' : result === -1 ? 'revision-mismatch' : 'number-taken';
  }

  async settleVersion(record: VersionRecord, expectedRevisionId: string): Promise<ReplaceResult> {
    const result = await call(
      this.redis.settleVersion(
        redisKeys.functionVersions(this.prefix, record.name),
        redisKeys.codeHolders(this.prefix, record.code.sha256Hex),
        record.version,
        expectedRevisionId,
        JSON.stringify(record),
      ),
    );
    return result === 1 ? 'replaced' : result === 0 ? 'missing' : 'revision-mismatch';
  }

  async removeVersion(name: string, version: string): Promise<RemoveVersionResult> {
    const [kind, ...rest] = await call(
      this.redis.removeVersion(
        redisKeys.function(this.prefix, name),
        redisKeys.functionVersions(this.prefix, name),
        redisKeys.functionAliases(this.prefix, name),
        version,
        redisKeys.codeHoldersPrefix(this.prefix),
        codeHolders.version(name, version),
      ),
    );
    if (kind === 'removed') return { kind, record: JSON.parse(rest[0] ?? '{}') as VersionRecord };
    if (kind === 'in-use') return { kind, aliases: rest };
    return { kind: kind === 'no-function' ? 'no-function' : 'no-version' };
  }
}
