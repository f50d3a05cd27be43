import type { Redis } from 'ioredis';
import type { ReserveResult, ReservedConcurrencyStore } from '../concurrency/reserved-concurrency-store.js';
import { defineLuaCommand } from './lua-scripts.js';
import { call } from './redis-call.js';
import { redisKeys } from './redis-keys.js';

type Commands = Redis & {
  putReservedConcurrency(fnKey: string, reservedKey: string, name: string, value: number, limit: number, minimum: number): Promise<number>;
};

/** Reserved concurrency: one hash (name → n) for the account, read by the lease scripts too. */
export class RedisReservedConcurrencyStore implements ReservedConcurrencyStore {
  private readonly redis: Commands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    defineLuaCommand(redis, 'putReservedConcurrency-2.lua');
    this.redis = redis as Commands;
  }

  private get key(): string {
    return redisKeys.reservedConcurrency(this.prefix);
  }

  async reserve(name: string, value: number, accountLimit: number, minUnreserved: number): Promise<ReserveResult> {
    const result = await call(
      this.redis.putReservedConcurrency(redisKeys.function(this.prefix, name), this.key, name, value, accountLimit, minUnreserved),
    );
    return result === 1 ? 'reserved' : result === 0 ? 'no-function' : 'below-minimum';
  }

  async loadReserved(name: string): Promise<number | undefined> {
    const value = await call(this.redis.hget(this.key, name));
    return value === null ? undefined : Number(value);
  }

  async unreserve(name: string): Promise<void> {
    await call(this.redis.hdel(this.key, name));
  }

  async loadTotalReserved(): Promise<number> {
    const values = await call(this.redis.hvals(this.key));
    return values.reduce((sum, value) => sum + Number(value), 0);
  }
}
