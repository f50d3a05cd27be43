import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { defineLuaCommand } from '../../control-plane/store/lua-scripts.js';
import { call } from '../../control-plane/store/redis-call.js';
import { redisKeys } from '../../control-plane/store/redis-keys.js';
import { LambdaError } from '../../shared/errors.js';
import type { ConcurrencyLease, ConcurrencyLimiter } from './concurrency-limiter.js';

type Commands = Redis & {
  acquireLease(reservedKey: string, fnLeases: string, unreservedLeases: string, name: string, id: string, now: number, expiresAt: number, limit: number): Promise<string>;
  releaseLease(fnLeases: string, unreservedLeases: string, id: string): Promise<number>;
};

export interface LeaseOptions {
  accountLimit: number;
  /** How long a lease lives unless renewed (default 10 s): a process killed mid-invocation frees its slots within it. */
  ttlMs?: number;
  /** How often held leases are renewed (default a third of the TTL). */
  renewEveryMs?: number;
  onRenewError?: (error: unknown) => void;
  now?: () => number;
}

const THROTTLE_REASONS = {
  function: 'ReservedFunctionConcurrentInvocationLimitExceeded',
  account: 'ConcurrentInvocationLimitExceeded',
} as const;

/**
 * Concurrency counted in Redis, so every lambdock process on it shares one account limit and one
 * reservation per function. Each invocation holds a lease (a member of sorted sets scored by its expiry),
 * taken by one Lua script and renewed while held; a holder that dies stops renewing and its leases lapse.
 */
export class RedisConcurrencyLeases implements ConcurrencyLimiter {
  private readonly redis: Commands;
  private readonly held = new Map<string, string>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly options: LeaseOptions,
  ) {
    defineLuaCommand(redis, 'acquireLease-3.lua');
    defineLuaCommand(redis, 'releaseLease-2.lua');
    this.redis = redis as Commands;
    this.ttlMs = options.ttlMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => void this.renew(), options.renewEveryMs ?? Math.floor(this.ttlMs / 3));
    this.timer.unref();
  }

  async acquire(functionName: string): Promise<ConcurrencyLease> {
    const id = randomUUID();
    const now = this.now();
    const where = await call(
      this.redis.acquireLease(
        redisKeys.reservedConcurrency(this.prefix),
        redisKeys.functionLeases(this.prefix, functionName),
        redisKeys.unreservedLeases(this.prefix),
        functionName,
        id,
        now,
        now + this.ttlMs,
        this.options.accountLimit,
      ),
    );
    if (where === 'function' || where === 'account') {
      throw new LambdaError('TooManyRequestsException', 'Rate Exceeded.', { retryable: true, extra: { Reason: THROTTLE_REASONS[where] } });
    }
    return this.adopt(functionName, id);
  }

  adopt(functionName: string, id: string): ConcurrencyLease {
    this.held.set(id, functionName);
    let done = false;
    return {
      id,
      release: () => {
        if (done) return;
        done = true;
        this.held.delete(id);
        // A script, not MULTI: ioredis builds a transaction object per MULTI (copying every script the
        // client defines onto it), which cost more of this process's CPU than the rest of the release.
        this.redis
          .releaseLease(redisKeys.functionLeases(this.prefix, functionName), redisKeys.unreservedLeases(this.prefix), id)
          .catch((error: unknown) => this.options.onRenewError?.(error));
      },
      handOver: () => {
        done = true;
        this.held.delete(id);
        return id;
      },
    };
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** Pushes every held lease's expiry forward (only leases still present: a lapsed one stays gone). */
  private async renew(): Promise<void> {
    if (this.held.size === 0) return;
    const expiresAt = this.now() + this.ttlMs;
    const pipeline = this.redis.pipeline();
    for (const [id, functionName] of this.held) {
      pipeline.zadd(redisKeys.functionLeases(this.prefix, functionName), 'XX', expiresAt, id);
      pipeline.zadd(redisKeys.unreservedLeases(this.prefix), 'XX', expiresAt, id);
    }
    await pipeline.exec().catch((error: unknown) => this.options.onRenewError?.(error));
  }
}
