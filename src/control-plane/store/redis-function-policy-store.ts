import type { Redis } from 'ioredis';
import { LATEST } from '../function-model.js';
import type { FunctionPolicyStore, ReplacePolicyResult } from '../policies/function-policy-store.js';
import type { PolicyRecord } from '../policies/policy-model.js';
import { isPublishedVersion } from '../versions/version-listing.js';
import { defineLuaCommand } from './lua-scripts.js';
import { call } from './redis-call.js';
import { redisKeys } from './redis-keys.js';

type Commands = Redis & {
  replacePolicy(
    fnKey: string,
    holderKey: string,
    policiesKey: string,
    qualifier: string,
    member: string,
    expectedRevision: string,
    json: string,
  ): Promise<ReplacePolicyResult>;
};

/** Resource-based policies: `<prefix>:function-policies:<fn>`, a hash of qualifier → policy JSON. */
export class RedisFunctionPolicyStore implements FunctionPolicyStore {
  private readonly redis: Commands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    defineLuaCommand(redis, 'replacePolicy-3.lua');
    this.redis = redis as Commands;
  }

  async loadPolicy(functionName: string, qualifier: string): Promise<PolicyRecord | undefined> {
    const json = await call(this.redis.hget(redisKeys.functionPolicies(this.prefix, functionName), qualifier));
    return json === null ? undefined : (JSON.parse(json) as PolicyRecord);
  }

  async replacePolicy(
    functionName: string,
    qualifier: string,
    policy: PolicyRecord | undefined,
    expectedRevisionId: string | undefined,
  ): Promise<ReplacePolicyResult> {
    const fnKey = redisKeys.function(this.prefix, functionName);
    const holderKey =
      qualifier === LATEST
        ? fnKey
        : isPublishedVersion(qualifier)
          ? redisKeys.functionVersions(this.prefix, functionName)
          : redisKeys.functionAliases(this.prefix, functionName);
    return call(
      this.redis.replacePolicy(
        fnKey,
        holderKey,
        redisKeys.functionPolicies(this.prefix, functionName),
        qualifier,
        qualifier === LATEST ? '' : qualifier,
        expectedRevisionId ?? '',
        policy === undefined ? '' : JSON.stringify(policy),
      ),
    );
  }

  async removePolicy(functionName: string, qualifier: string): Promise<void> {
    await call(this.redis.hdel(redisKeys.functionPolicies(this.prefix, functionName), qualifier));
  }

  async removeAll(functionName: string): Promise<void> {
    await call(this.redis.del(redisKeys.functionPolicies(this.prefix, functionName)));
  }
}
