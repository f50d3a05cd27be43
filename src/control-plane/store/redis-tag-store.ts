import type { Redis } from 'ioredis';
import type { TagStore, Tags } from '../function-tags.js';
import { redisKeys } from './redis-keys.js';

/**
 * addTags-2: KEYS[1] function key, KEYS[2] tags hash; ARGV[1] limit, ARGV[2..] key, value, key, value…
 * Returns 1 tagged, 0 function missing, -1 the total would pass the limit.
 */
const ADD_TAGS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local total = redis.call('HLEN', KEYS[2])
for i = 2, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then total = total + 1 end
end
if total > tonumber(ARGV[1]) then return -1 end
if #ARGV > 1 then redis.call('HSET', KEYS[2], unpack(ARGV, 2)) end
return 1`;

/** removeTags-2: KEYS[1] function key, KEYS[2] tags hash; ARGV tag keys. Returns 1, or 0 when the function is missing. */
const REMOVE_TAGS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if #ARGV > 0 then redis.call('HDEL', KEYS[2], unpack(ARGV)) end
return 1`;

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
    redis.defineCommand('addTags', { numberOfKeys: 2, lua: ADD_TAGS });
    redis.defineCommand('removeTags', { numberOfKeys: 2, lua: REMOVE_TAGS });
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
