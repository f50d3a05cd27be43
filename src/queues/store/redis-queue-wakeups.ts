import type { Redis } from 'ioredis';
import { closeRedis } from '../../shared/redis-close.js';
import type { QueueWakeups } from '../queue-wakeups.js';
import { queueKeys } from './redis-queue-keys.js';

/** Feeds `wakeups` from the installation's wake-up channel, on a connection of its own (a subscriber's). */
export async function subscribeQueueWakeups(
  redis: Redis,
  prefix: string,
  wakeups: QueueWakeups,
  onError: (error: unknown) => void,
): Promise<{ close(): Promise<void> }> {
  const subscriber = redis.duplicate({ lazyConnect: true });
  subscriber.on('error', onError);
  const channel = queueKeys.wakeups(prefix);
  subscriber.on('message', (from: string, queueName: string) => {
    if (from === channel) wakeups.notify(queueName);
  });
  await subscriber.connect();
  await subscriber.subscribe(channel);
  return {
    close: async () => {
      await closeRedis(subscriber);
    },
  };
}
