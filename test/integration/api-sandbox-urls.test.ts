import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { API_LIVENESS_MS, RedisApiSandboxUrls } from '../../src/scheduler/redis-api-sandbox-urls.js';
import { removeRedisKeys } from '../helpers/role-settings.js';

// Where api processes publish their endpoints for sandboxes, on a real Redis, with a clock of the test's.
const prefix = `${inject('testRunPrefix')}-api-sandbox-urls-${randomUUID().slice(0, 8)}`;
let redis: Redis;
let now = 1_000_000;

beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  await removeRedisKeys(redis, prefix);
  await redis.quit();
});

describe('RedisApiSandboxUrls', () => {
  it('lists the apis that renewed their URL lately, drops those that withdrew, and removes long-gone ones', async () => {
    const urls = new RedisApiSandboxUrls(redis, prefix, () => now);
    await urls.announce('http://api-a:9002');
    await urls.announce('http://api-b:9002');
    await urls.announce('http://api-c:9002');
    expect((await urls.listLive()).sort()).toEqual(['http://api-a:9002', 'http://api-b:9002', 'http://api-c:9002']);
    await urls.withdraw('http://api-c:9002');
    now += API_LIVENESS_MS - 1;
    await urls.announce('http://api-a:9002');
    now += 2;
    // b has not renewed for longer than the liveness window: not live, but kept a while (it may be frozen).
    expect(await urls.listLive()).toEqual(['http://api-a:9002']);
    expect(await redis.hkeys(`${prefix}:api-sandbox-urls`)).toHaveLength(2);
    now += 6 * API_LIVENESS_MS;
    expect(await urls.listLive()).toEqual([]);
    expect(await redis.hkeys(`${prefix}:api-sandbox-urls`)).toEqual([]);
  });
});
