import type { Redis } from 'ioredis';
import { defineLuaScript, luaDirectory } from '../../shared/lua-scripts.js';
import { serviceFailure } from '../iam-error.js';
import type { ManagedPolicyRecord, RoleRecord } from '../iam-model.js';
import type { IamStore } from '../iam-store.js';
import { iamKeys } from './redis-iam-keys.js';

const LUA_DIR = luaDirectory('iam', 'store', 'lua');

type Commands = Redis & {
  createRole(index: string, role: string, name: string, json: string): Promise<number>;
  removeRole(index: string, role: string, inline: string, attached: string, name: string): Promise<'deleted' | 'missing' | 'has-inline' | 'has-attached'>;
  putRolePolicy(role: string, inline: string, policyName: string, document: string): Promise<number>;
  removeRolePolicy(role: string, inline: string, policyName: string): Promise<'deleted' | 'missing-role' | 'missing-policy'>;
  attachRolePolicy(role: string, attached: string, attachments: string, policy: string, arn: string, name: string, check: string): Promise<'attached' | 'missing-role' | 'missing-policy'>;
  detachRolePolicy(role: string, attached: string, attachments: string, arn: string, name: string): Promise<'detached' | 'missing-role' | 'not-attached'>;
  removePolicy(policy: string, attachments: string): Promise<'deleted' | 'missing' | 'attached'>;
};

/** A Redis that failed becomes IAM's ServiceFailure (500). */
async function call<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch (error) {
    throw serviceFailure(error);
  }
}

const key = (name: string): string => name.toLowerCase();

/** Roles and customer-managed policies on Redis (layout in redis-iam-keys.ts, scripts in lua/). */
export class RedisIamStore implements IamStore {
  private readonly redis: Commands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    for (const file of ['createRole-2.lua', 'removeRole-4.lua', 'putRolePolicy-2.lua', 'removeRolePolicy-2.lua', 'attachRolePolicy-4.lua', 'detachRolePolicy-3.lua', 'removePolicy-2.lua']) {
      defineLuaScript(redis, LUA_DIR, file);
    }
    this.redis = redis as Commands;
  }

  async createRole(record: RoleRecord): Promise<boolean> {
    const name = key(record.roleName);
    return (await call(this.redis.createRole(iamKeys.roles(this.prefix), iamKeys.role(this.prefix, name), name, JSON.stringify(record)))) === 1;
  }

  async fetchRole(name: string): Promise<RoleRecord | undefined> {
    const json = await call(this.redis.get(iamKeys.role(this.prefix, key(name))));
    return json === null ? undefined : (JSON.parse(json) as RoleRecord);
  }

  async listRoles(after: string | undefined, limit: number): Promise<RoleRecord[]> {
    const from = after === undefined ? '-' : `(${key(after)}`;
    const names = await call(this.redis.zrangebylex(iamKeys.roles(this.prefix), from, '+', 'LIMIT', 0, limit));
    if (names.length === 0) return [];
    const records = await call(this.redis.mget(...names.map((n) => iamKeys.role(this.prefix, n))));
    return records.filter((json): json is string => json !== null).map((json) => JSON.parse(json) as RoleRecord);
  }

  removeRole(name: string): Promise<'deleted' | 'missing' | 'has-inline' | 'has-attached'> {
    const n = key(name);
    const p = this.prefix;
    return call(this.redis.removeRole(iamKeys.roles(p), iamKeys.role(p, n), iamKeys.inline(p, n), iamKeys.attached(p, n), n));
  }

  async putRolePolicy(roleName: string, policyName: string, document: string): Promise<boolean> {
    const n = key(roleName);
    return (await call(this.redis.putRolePolicy(iamKeys.role(this.prefix, n), iamKeys.inline(this.prefix, n), policyName, document))) === 1;
  }

  async fetchRolePolicies(roleName: string): Promise<Map<string, string> | undefined> {
    const n = key(roleName);
    const [exists, policies] = await call(Promise.all([this.redis.exists(iamKeys.role(this.prefix, n)), this.redis.hgetall(iamKeys.inline(this.prefix, n))]));
    return exists === 0 ? undefined : new Map(Object.entries(policies));
  }

  removeRolePolicy(roleName: string, policyName: string): Promise<'deleted' | 'missing-role' | 'missing-policy'> {
    const n = key(roleName);
    return call(this.redis.removeRolePolicy(iamKeys.role(this.prefix, n), iamKeys.inline(this.prefix, n), policyName));
  }

  attachRolePolicy(roleName: string, policyArn: string, customerPolicyName: string | undefined): Promise<'attached' | 'missing-role' | 'missing-policy'> {
    const n = key(roleName);
    const p = this.prefix;
    return call(
      this.redis.attachRolePolicy(
        iamKeys.role(p, n),
        iamKeys.attached(p, n),
        iamKeys.attachments(p, policyArn),
        iamKeys.policy(p, key(customerPolicyName ?? '')),
        policyArn,
        n,
        customerPolicyName === undefined ? '0' : '1',
      ),
    );
  }

  detachRolePolicy(roleName: string, policyArn: string): Promise<'detached' | 'missing-role' | 'not-attached'> {
    const n = key(roleName);
    const p = this.prefix;
    return call(this.redis.detachRolePolicy(iamKeys.role(p, n), iamKeys.attached(p, n), iamKeys.attachments(p, policyArn), policyArn, n));
  }

  async fetchAttachedPolicies(roleName: string): Promise<string[] | undefined> {
    const n = key(roleName);
    const [exists, arns] = await call(Promise.all([this.redis.exists(iamKeys.role(this.prefix, n)), this.redis.zrange(iamKeys.attached(this.prefix, n), 0, -1)]));
    return exists === 0 ? undefined : arns;
  }

  async createPolicy(record: ManagedPolicyRecord): Promise<boolean> {
    return (await call(this.redis.set(iamKeys.policy(this.prefix, key(record.policyName)), JSON.stringify(record), 'NX'))) === 'OK';
  }

  async fetchPolicy(name: string): Promise<ManagedPolicyRecord | undefined> {
    const json = await call(this.redis.get(iamKeys.policy(this.prefix, key(name))));
    return json === null ? undefined : (JSON.parse(json) as ManagedPolicyRecord);
  }

  countAttachments(policyArn: string): Promise<number> {
    return call(this.redis.scard(iamKeys.attachments(this.prefix, policyArn)));
  }

  removePolicy(name: string, policyArn: string): Promise<'deleted' | 'missing' | 'attached'> {
    return call(this.redis.removePolicy(iamKeys.policy(this.prefix, key(name)), iamKeys.attachments(this.prefix, policyArn)));
  }
}
