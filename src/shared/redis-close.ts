import type { Redis } from 'ioredis';
import { settlesWithin } from './deadline.js';

/**
 * Closes a connection: QUIT when Redis answers, else (or when QUIT gets no answer within `ms`) a plain
 * disconnect. A connection without a command timeout (BullMQ's) would otherwise wait for a Redis that is
 * gone forever.
 */
export async function closeRedis(redis: Redis, ms = 1_000): Promise<void> {
  if (redis.status === 'ready' && (await settlesWithin(redis.quit(), ms))) return;
  redis.disconnect();
}
