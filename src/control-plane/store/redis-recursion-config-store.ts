import type { Redis } from 'ioredis';
import type { RecursionConfigStore, RecursiveLoop } from '../recursion/recursion-config.js';
import { call } from './redis-call.js';
import { redisKeys } from './redis-keys.js';

/** Recursive loop detection settings: one hash (name → Allow | Terminate) for the account. */
export class RedisRecursionConfigStore implements RecursionConfigStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private get key(): string {
    return redisKeys.recursionConfig(this.prefix);
  }

  async loadRecursiveLoop(name: string): Promise<RecursiveLoop | undefined> {
    const value = await call(this.redis.hget(this.key, name));
    return value === 'Allow' || value === 'Terminate' ? value : undefined;
  }

  async saveRecursiveLoop(name: string, value: RecursiveLoop): Promise<void> {
    await call(this.redis.hset(this.key, name, value));
  }

  async removeRecursiveLoop(name: string): Promise<void> {
    await call(this.redis.hdel(this.key, name));
  }
}
