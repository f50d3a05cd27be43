import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { defineLuaCommand } from '../control-plane/store/lua-scripts.js';
import { call } from '../control-plane/store/redis-call.js';
import { redisKeys } from '../control-plane/store/redis-keys.js';
import type { Occupancy, WarmClaim, WarmRegistry } from './warm-registry.js';

type Commands = Redis & { claimWarmWorker(warmKey: string, ...workerIds: string[]): Promise<[string, string]> };

/** A key nobody reports on for this long is dropped (past the idle keep-alive, its environments are gone). */
const WARM_KEY_TTL_MS = 30 * 60_000;

const digest = (key: string): string => createHash('sha256').update(key).digest('hex').slice(0, 32);

/**
 * The warm registry in Redis: a hash per environment key (see claimWarmWorker-1.lua). A worker writes its
 * counts off the invocation path: one pipeline at a time, each carrying every count that changed while
 * the previous one was in flight. A claim is the api's one read, sent alongside its lease in the same
 * round trip; a claimed count is off by one until the worker next writes it.
 */
export class RedisWarmRegistry implements WarmRegistry {
  private readonly redis: Commands;
  private readonly pending = new Map<string, Occupancy>();
  private readonly reported = new Set<string>();
  private flushing: Promise<void> | undefined;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    /** This worker's id (worker side); unused by api processes. */
    private readonly workerId: string,
    private readonly onError: (error: unknown) => void,
  ) {
    defineLuaCommand(redis, 'claimWarmWorker-1.lua');
    this.redis = redis as Commands;
  }

  private keyOf(key: string): string {
    return redisKeys.warmEnvironments(this.prefix, digest(key));
  }

  report(key: string, occupancy: Occupancy): void {
    this.pending.set(key, occupancy);
    this.flushing ??= this.flush().finally(() => {
      this.flushing = undefined;
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.size > 0) {
      const batch = [...this.pending];
      this.pending.clear();
      const pipeline = this.redis.pipeline();
      for (const [key, { idle, all }] of batch) {
        const hash = this.keyOf(key);
        if (all === 0) {
          pipeline.hdel(hash, this.workerId, `${this.workerId}:all`);
          this.reported.delete(hash);
        } else {
          pipeline.hset(hash, this.workerId, idle, `${this.workerId}:all`, all);
          pipeline.pexpire(hash, WARM_KEY_TTL_MS);
          this.reported.add(hash);
        }
      }
      await pipeline.exec().catch(this.onError);
    }
  }

  async claim(key: string, workerIds: readonly string[]): Promise<WarmClaim> {
    if (workerIds.length === 0) return {};
    const [warm, most] = await call(this.redis.claimWarmWorker(this.keyOf(key), ...workerIds));
    return { ...(warm === '' ? {} : { warm }), ...(most === '' ? {} : { most }) };
  }

  unclaim(key: string, workerId: string): void {
    this.redis.hincrby(this.keyOf(key), workerId, 1).catch(this.onError);
  }

  async withdraw(): Promise<void> {
    await this.flushing;
    const pipeline = this.redis.pipeline();
    for (const hash of this.reported) pipeline.hdel(hash, this.workerId, `${this.workerId}:all`);
    this.reported.clear();
    await pipeline.exec();
  }
}
