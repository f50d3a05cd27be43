import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { call } from '../control-plane/store/redis-call.js';
import type { WorkerInfo, WorkerRegistry } from './worker-registry.js';

/** A worker whose heartbeat is older than this is gone (it beats every 2 s). */
export const WORKER_LIVENESS_MS = 10_000;

/** Workers in one hash (`<prefix>:workers`: id → JSON), with the token of their endpoints beside it. */
export class RedisWorkerRegistry implements WorkerRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  private get key(): string {
    return `${this.prefix}:workers`;
  }

  async announce(worker: Omit<WorkerInfo, 'heartbeatAt'>): Promise<void> {
    await call(this.redis.hset(this.key, worker.id, JSON.stringify({ ...worker, heartbeatAt: this.now() })));
  }

  async withdraw(id: string): Promise<void> {
    await call(this.redis.hdel(this.key, id));
  }

  async listLive(): Promise<WorkerInfo[]> {
    const entries = await call(this.redis.hvals(this.key));
    const since = this.now() - WORKER_LIVENESS_MS;
    return entries.map((json) => JSON.parse(json) as WorkerInfo).filter((w) => w.heartbeatAt >= since);
  }

  async fetchToken(): Promise<string> {
    const key = `${this.prefix}:worker-token`;
    await call(this.redis.set(key, randomBytes(24).toString('hex'), 'NX'));
    const token = await call(this.redis.get(key));
    if (token === null) throw new Error('the worker token vanished from Redis');
    return token;
  }
}
