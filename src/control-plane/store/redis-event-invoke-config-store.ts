import type { Redis } from 'ioredis';
import type { EventInvokeConfigRecord, EventInvokeConfigStore } from '../event-invoke-config/event-invoke-config-store.js';
import { call } from './redis-call.js';

/** EventInvokeConfigs: `<prefix>:event-invoke-config:<fn>`, a hash of qualifier → config JSON. */
export class RedisEventInvokeConfigStore implements EventInvokeConfigStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private configs(fn: string): string {
    return `${this.prefix}:event-invoke-config:${fn}`;
  }

  async putConfig(functionName: string, config: EventInvokeConfigRecord): Promise<void> {
    await call(this.redis.hset(this.configs(functionName), config.qualifier, JSON.stringify(config)));
  }

  async loadConfig(functionName: string, qualifier: string): Promise<EventInvokeConfigRecord | undefined> {
    const json = await call(this.redis.hget(this.configs(functionName), qualifier));
    return json === null ? undefined : (JSON.parse(json) as EventInvokeConfigRecord);
  }

  async listConfigs(functionName: string): Promise<EventInvokeConfigRecord[]> {
    const jsons = await call(this.redis.hvals(this.configs(functionName)));
    return jsons.map((json) => JSON.parse(json) as EventInvokeConfigRecord);
  }

  async removeConfig(functionName: string, qualifier: string): Promise<boolean> {
    return (await call(this.redis.hdel(this.configs(functionName), qualifier))) === 1;
  }

  async removeAll(functionName: string): Promise<void> {
    await call(this.redis.del(this.configs(functionName)));
  }
}
