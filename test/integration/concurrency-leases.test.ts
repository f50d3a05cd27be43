import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisReservedConcurrencyStore } from '../../src/control-plane/store/redis-reserved-concurrency-store.js';
import { redisKeys } from '../../src/control-plane/store/redis-keys.js';
import { RedisConcurrencyLeases, type LeaseOptions } from '../../src/invocation/concurrency/redis-concurrency-leases.js';
import { LambdaError } from '../../src/shared/errors.js';

// Concurrency leases on a real Redis, taken by several limiters with connections of their own: as
// several lambdock processes (api or worker) on one Redis would.
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const clients: Redis[] = [];
const limiters: RedisConcurrencyLeases[] = [];
let prefix: string;
let admin: Redis;

const connect = (): Redis => {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  clients.push(redis);
  return redis;
};
const limiter = (options: Partial<LeaseOptions> = {}): RedisConcurrencyLeases => {
  const leases = new RedisConcurrencyLeases(connect(), prefix, { accountLimit: 1000, ...options });
  limiters.push(leases);
  return leases;
};
/** A function record for the reservation script to find. */
const createFunction = (name: string) => admin.set(redisKeys.function(prefix, name), '{}');
const reserve = async (name: string, value: number, accountLimit = 1000, minimum = 100) => {
  await createFunction(name);
  return new RedisReservedConcurrencyStore(admin, prefix).reserve(name, value, accountLimit, minimum);
};
const reasonOf = async (promise: Promise<unknown>): Promise<unknown> => {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(LambdaError);
  expect((error as LambdaError).code).toBe('TooManyRequestsException');
  expect((error as LambdaError).status).toBe(429);
  return (error as LambdaError).extra.Reason;
};

beforeAll(() => {
  admin = connect();
});
afterEach(async () => {
  for (const l of limiters.splice(0)) l.close();
  const keys = await admin.keys(`${prefix}:*`);
  if (keys.length > 0) await admin.del(...keys);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit()));
});

describe('concurrency leases in Redis', () => {
  it('never lets two limiters together run more than a reservation, under a hammer of acquires', async () => {
    prefix = `${inject('testRunPrefix')}-leases-${randomUUID().slice(0, 8)}`;
    expect(await reserve('fn', 5)).toBe('reserved');
    const [a, b] = [limiter(), limiter()];
    let running = 0;
    let peak = 0;
    let served = 0;
    let throttled = 0;
    const attempt = async (from: RedisConcurrencyLeases) => {
      for (let i = 0; i < 20; i += 1) {
        try {
          const lease = await from.acquire('fn');
          running += 1;
          peak = Math.max(peak, running);
          served += 1;
          await sleep(Math.random() * 5);
          running -= 1;
          lease.release();
          await sleep(1);
        } catch (error) {
          expect((error as LambdaError).extra.Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
          throttled += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: 40 }, (_, i) => attempt(i % 2 === 0 ? a : b)));
    expect(peak).toBeLessThanOrEqual(5);
    expect(peak).toBe(5);
    expect(served).toBeGreaterThan(0);
    expect(throttled).toBeGreaterThan(0);
    await sleep(50);
    expect(await admin.zcard(redisKeys.functionLeases(prefix, 'fn'))).toBe(0);
  });

  it('takes unreserved invocations from what reservations leave of the account limit', async () => {
    prefix = `${inject('testRunPrefix')}-leases-${randomUUID().slice(0, 8)}`;
    expect(await reserve('big', 3, 5, 0)).toBe('reserved');
    const l = limiter({ accountLimit: 5 });
    const first = await l.acquire('other');
    await l.acquire('another');
    // 5 − 3 reserved = 2 unreserved slots, both taken.
    expect(await reasonOf(l.acquire('third'))).toBe('ConcurrentInvocationLimitExceeded');
    // The reserved function still has its own 3.
    for (let i = 0; i < 3; i += 1) await l.acquire('big');
    expect(await reasonOf(l.acquire('big'))).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    first.release();
    await sleep(20);
    await l.acquire('third');
  });

  it('throttles every invocation of a function that reserved 0', async () => {
    prefix = `${inject('testRunPrefix')}-leases-${randomUUID().slice(0, 8)}`;
    await reserve('off', 0);
    expect(await reasonOf(limiter().acquire('off'))).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
  });

  it('frees the slots of a limiter that stopped renewing (a killed process) once its leases expire', async () => {
    prefix = `${inject('testRunPrefix')}-leases-${randomUUID().slice(0, 8)}`;
    await reserve('fn', 2);
    const dying = limiter({ ttlMs: 600, renewEveryMs: 100 });
    await dying.acquire('fn');
    await dying.acquire('fn');
    const survivor = limiter({ ttlMs: 600, renewEveryMs: 100 });
    // Renewed: still held well past the TTL.
    await sleep(1000);
    expect(await reasonOf(survivor.acquire('fn'))).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    dying.close();
    await sleep(800);
    await survivor.acquire('fn');
    await survivor.acquire('fn');
  });

  it('keeps the account\'s unreserved floor when reserving', async () => {
    prefix = `${inject('testRunPrefix')}-leases-${randomUUID().slice(0, 8)}`;
    expect(await reserve('a', 400)).toBe('reserved');
    expect(await reserve('b', 500)).toBe('reserved');
    expect(await reserve('c', 1)).toBe('below-minimum');
    // Changing a's own reservation counts its new value, not old plus new.
    expect(await reserve('a', 399)).toBe('reserved');
    expect(await reserve('c', 1)).toBe('reserved');
    expect(await new RedisReservedConcurrencyStore(admin, prefix).loadTotalReserved()).toBe(900);
  });
});
