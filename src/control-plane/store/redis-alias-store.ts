import type { Redis } from 'ioredis';
import { getRoutedVersions, type AliasRecord } from '../aliases/alias-model.js';
import type { AliasStore, PutAliasResult } from '../aliases/alias-store.js';
import { LATEST } from '../function-model.js';
import { defineLuaCommand } from './lua-scripts.js';
import { serviceError } from '../../shared/errors.js';
import { call } from './redis-call.js';
import { redisKeys } from './redis-keys.js';

type Commands = Redis & {
  putAlias(fnKey: string, versionsKey: string, aliasesKey: string, alias: string, json: string, expectedRevision: string, ...versions: string[]): Promise<string[]>;
};

/** Aliases: a hash per function (name → record). */
export class RedisAliasStore implements AliasStore {
  private readonly redis: Commands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    defineLuaCommand(redis, 'putAlias-3.lua');
    this.redis = redis as Commands;
  }

  async loadAlias(functionName: string, aliasName: string): Promise<AliasRecord | undefined> {
    const json = await call(this.redis.hget(redisKeys.functionAliases(this.prefix, functionName), aliasName));
    return json === null ? undefined : (JSON.parse(json) as AliasRecord);
  }

  async listAliases(functionName: string): Promise<AliasRecord[]> {
    const jsons = await call(this.redis.hvals(redisKeys.functionAliases(this.prefix, functionName)));
    return jsons.map((json) => JSON.parse(json) as AliasRecord).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async putAlias(functionName: string, alias: AliasRecord, expectedRevisionId?: string): Promise<PutAliasResult> {
    const [kind, detail] = await call(
      this.redis.putAlias(
        redisKeys.function(this.prefix, functionName),
        redisKeys.functionVersions(this.prefix, functionName),
        redisKeys.functionAliases(this.prefix, functionName),
        alias.name,
        JSON.stringify(alias),
        expectedRevisionId ?? '',
        ...getRoutedVersions(alias).filter((v) => v !== LATEST),
      ),
    );
    if (kind === 'no-version') return { kind, version: detail ?? '' };
    return { kind: kind as Exclude<PutAliasResult['kind'], 'no-version'> } as PutAliasResult;
  }

  async removeAlias(functionName: string, aliasName: string): Promise<'removed' | 'no-function' | 'no-alias'> {
    const results = await call(
      this.redis
        .multi()
        .exists(redisKeys.function(this.prefix, functionName))
        .hdel(redisKeys.functionAliases(this.prefix, functionName), aliasName)
        .exec(),
    );
    const [exists, removed] = (results ?? []).map(([error, value]) => {
      if (error !== null) throw serviceError(error);
      return value;
    });
    if (exists === 0) return 'no-function';
    return removed === 1 ? 'removed' : 'no-alias';
  }
}
