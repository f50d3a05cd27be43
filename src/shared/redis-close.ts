import type { Redis } from 'ioredis';

/** Resolves `true` when `work` settles within `ms`, `false` when it does not (it is left to settle). */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Closes a connection: QUIT when Redis answers, else (or when QUIT gets no answer within `ms`) a plain
 * disconnect. A connection without a command timeout (BullMQ's) would otherwise wait for a Redis that is
 * gone forever.
 */
export async function closeRedis(redis: Redis, ms = 1_000): Promise<void> {
  if (redis.status === 'ready' && (await settlesWithin(redis.quit(), ms))) return;
  redis.disconnect();
}
