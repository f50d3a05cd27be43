import type { Redis } from 'ioredis';
import type { LayerPolicyStore } from '../layers/layer-policy-store.js';
import type { ReplacePolicyResult } from '../policies/function-policy-store.js';
import type { PolicyRecord } from '../policies/policy-model.js';
import { defineLuaCommand } from './lua-scripts.js';
import { call } from './redis-call.js';
import { redisKeys } from './redis-keys.js';

type Commands = Redis & {
  replacePolicy(
    mustExistKey: string,
    holderKey: string,
    policiesKey: string,
    field: string,
    member: string,
    expectedRevision: string,
    json: string,
  ): Promise<ReplacePolicyResult>;
};

/**
 * Layer version policies: `<prefix>:layer-policies:<layer>`, a hash of version number → policy JSON.
 * DeleteLayerVersion removes a version's entry with it (removeLayerVersion-3.lua).
 */
export class RedisLayerPolicyStore implements LayerPolicyStore {
  private readonly redis: Commands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    defineLuaCommand(redis, 'replacePolicy-3.lua');
    this.redis = redis as Commands;
  }

  async loadPolicy(layerName: string, version: number): Promise<PolicyRecord | undefined> {
    const json = await call(this.redis.hget(redisKeys.layerPolicies(this.prefix, layerName), String(version)));
    return json === null ? undefined : (JSON.parse(json) as PolicyRecord);
  }

  async replacePolicy(layerName: string, version: number, policy: PolicyRecord | undefined, expectedRevisionId: string | undefined): Promise<ReplacePolicyResult> {
    const versionsKey = redisKeys.layerVersions(this.prefix, layerName);
    return call(
      this.redis.replacePolicy(
        versionsKey,
        versionsKey,
        redisKeys.layerPolicies(this.prefix, layerName),
        String(version),
        String(version),
        expectedRevisionId ?? '',
        policy === undefined ? '' : JSON.stringify(policy),
      ),
    );
  }
}
