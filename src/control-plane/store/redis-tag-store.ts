import type { Redis } from 'ioredis';
import type { TagStore, Tags } from '../function-tags.js';
import { defineLuaCommand } from './lua-scripts.js';
import { redisKeys } from './redis-keys.js';

type Commands = Redis & {
  addTags(fnKey: string, tagsKey: string, limit: number, ...pairs: string[]): Promise<number>;
  removeTags(fnKey: string, tagsKey: string, ...keys: string[]): Promise<number>;
};

export class RedisTagStore implements TagStore {
  private readonly redis: Commands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    defineLuaCommand(redis, 'addTags-2.lua');
    defineLuaCommand(redis, 'removeTags-2.lua');
    this.redis = redis as Commands;
  }

  async fetchTags(functionName: string): Promise<Tags | undefined> {
    const results = await this.redis
      .multi()
      .exists(redisKeys.function(this.prefix, functionName))
      .hgetall(redisKeys.functionTags(this.prefix, functionName))
      .exec();
    const [exists, tags] = (results ?? []).map(([error, value]) => {
      if (error !== null) throw error;
      return value;
    });
    return exists === 1 ? (tags as Tags) : undefined;
  }

  async addTags(functionName: string, tags: Tags, limit: number): Promise<'tagged' | 'missing' | 'limit-exceeded'> {
    const result = await this.redis.addTags(
      redisKeys.function(this.prefix, functionName),
      redisKeys.functionTags(this.prefix, functionName),
      limit,
      ...Object.entries(tags).flat(),
    );
    return result === 1 ? 'tagged' : result === 0 ? 'missing' : 'limit-exceeded';
  }

  async removeTags(functionName: string, keys: string[]): Promise<boolean> {
    const result = await this.redis.removeTags(
      redisKeys.function(this.prefix, functionName),
      redisKeys.functionTags(this.prefix, functionName),
      ...keys,
    );
    return result === 1;
  }
}
