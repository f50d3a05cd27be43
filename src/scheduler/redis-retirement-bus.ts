import type { Redis } from 'ioredis';
import type { Retirement, RetirementBus } from './retirement-bus.js';

/**
 * Retirements over Redis pub/sub (`<prefix>:retirements`): at most once, to the workers connected now. A
 * worker that misses one (it was restarting) has no environments of before its start anyway.
 */
export class RedisRetirementBus implements RetirementBus {
  private subscriber: Redis | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  private get channel(): string {
    return `${this.prefix}:retirements`;
  }

  publish(retirement: Retirement): void {
    this.redis.publish(this.channel, JSON.stringify(retirement)).catch(this.onError);
  }

  async subscribe(handler: (retirement: Retirement) => void): Promise<void> {
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('error', this.onError);
    subscriber.on('message', (_channel: string, message: string) => {
      try {
        handler(JSON.parse(message) as Retirement);
      } catch (error) {
        this.onError(error);
      }
    });
    await subscriber.subscribe(this.channel);
  }

  async close(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }
}
