import type { Redis } from 'ioredis';
import { call } from '../control-plane/store/redis-call.js';

/** An api process whose heartbeat is older than this is gone (it beats every 2 s, as workers do). */
export const API_LIVENESS_MS = 10_000;

/** An entry this old is a crashed api's (a closing one withdraws its own): it is removed. */
const API_GONE_MS = 6 * API_LIVENESS_MS;

/**
 * Where the api processes' endpoints for sandboxes are (`<prefix>:api-sandbox-urls`: URL → its last
 * heartbeat, ms since the epoch): each api renews its own, workers forward their sandboxes' calls to a live one.
 */
export class RedisApiSandboxUrls {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  private get key(): string {
    return `${this.prefix}:api-sandbox-urls`;
  }

  /** Writes (or renews) an api's URL; called on every heartbeat. */
  async announce(url: string): Promise<void> {
    await call(this.redis.hset(this.key, url, String(this.now())));
  }

  async withdraw(url: string): Promise<void> {
    await call(this.redis.hdel(this.key, url));
  }

  /** The URLs whose heartbeat is recent; long-gone ones (a crashed api's) are removed on the way. */
  async listLive(): Promise<string[]> {
    const entries = Object.entries(await call(this.redis.hgetall(this.key)));
    const now = this.now();
    const gone = entries.filter(([, heartbeatAt]) => Number(heartbeatAt) < now - API_GONE_MS).map(([url]) => url);
    // An api that renews its entry between the read and this removal writes it again 2 s later.
    if (gone.length > 0) await call(this.redis.hdel(this.key, ...gone));
    return entries.filter(([, heartbeatAt]) => Number(heartbeatAt) >= now - API_LIVENESS_MS).map(([url]) => url);
  }
}
