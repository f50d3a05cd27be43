import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PolicyStatement } from '../../src/control-plane/policies/policy-model.js';
import { RedisFunctionPolicyStore } from '../../src/control-plane/store/redis-function-policy-store.js';
import { redisKeys } from '../../src/control-plane/store/redis-keys.js';
import { removeRedisKeys } from '../helpers/role-settings.js';

// The compare-and-set of resource-based policies on a real Redis (replacePolicy-3.lua).
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `${inject('testRunPrefix')}-policies-${randomUUID().slice(0, 8)}`;
let redis: Redis;
let store: RedisFunctionPolicyStore;
const statement = (Sid: string): PolicyStatement => ({ Sid, Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunction', Resource: 'arn' });

beforeAll(async () => {
  redis = new Redis(url, { maxRetriesPerRequest: 1 });
  store = new RedisFunctionPolicyStore(redis, prefix);
  // A function with version 1 and the alias live, as the function stores keep them.
  await redis.set(redisKeys.function(prefix, 'fn'), '{}');
  await redis.hset(redisKeys.functionVersions(prefix, 'fn'), '1', '{}');
  await redis.hset(redisKeys.functionAliases(prefix, 'fn'), 'live', '{}');
});
afterAll(async () => {
  await removeRedisKeys(redis, prefix);
  await redis.quit();
});

describe('RedisFunctionPolicyStore', () => {
  it('writes a policy only over the RevisionId it read, and only for what exists', async () => {
    const first = { revisionId: 'r1', statements: [statement('a')] };
    expect(await store.replacePolicy('fn', '$LATEST', first, undefined)).toBe('stored');
    expect(await store.replacePolicy('fn', '$LATEST', { revisionId: 'r2', statements: [statement('b')] }, undefined)).toBe('moved');
    expect(await store.replacePolicy('fn', '$LATEST', { revisionId: 'r2', statements: [statement('b')] }, 'r0')).toBe('moved');
    expect(await store.loadPolicy('fn', '$LATEST')).toEqual(first);
    expect(await store.replacePolicy('fn', '$LATEST', { revisionId: 'r2', statements: [statement('a'), statement('b')] }, 'r1')).toBe('stored');
    expect((await store.loadPolicy('fn', '$LATEST'))?.revisionId).toBe('r2');

    expect(await store.replacePolicy('fn', '1', first, undefined)).toBe('stored');
    expect(await store.replacePolicy('fn', 'live', first, undefined)).toBe('stored');
    expect(await store.replacePolicy('fn', '2', first, undefined)).toBe('no-target');
    expect(await store.replacePolicy('fn', 'gone', first, undefined)).toBe('no-target');
    expect(await store.replacePolicy('other', '$LATEST', first, undefined)).toBe('no-target');
    expect(await store.loadPolicy('fn', '2')).toBeUndefined();

    expect(await store.replacePolicy('fn', 'live', undefined, 'r1')).toBe('stored');
    expect(await store.loadPolicy('fn', 'live')).toBeUndefined();
    await store.removePolicy('fn', '1');
    expect(await store.loadPolicy('fn', '1')).toBeUndefined();
    await store.removeAll('fn');
    expect(await store.loadPolicy('fn', '$LATEST')).toBeUndefined();
  });
});
