import type { Redis } from 'ioredis';
import type {
  ProvisionedConcurrencyStore,
  ProvisionedConfig,
  ProvisionedStatus,
} from '../concurrency/provisioned-concurrency-store.js';
import { call } from './redis-call.js';

/**
 * Provisioned concurrency: `<prefix>:provisioned:<fn>` (qualifier → config), `<prefix>:provisioned-status:<fn>`
 * (`<qualifier>/<worker>` → that worker's report on its share), and `<prefix>:provisioned-functions` (the functions with any).
 */
export class RedisProvisionedConcurrencyStore implements ProvisionedConcurrencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private configs(fn: string): string {
    return `${this.prefix}:provisioned:${fn}`;
  }

  private statuses(fn: string): string {
    return `${this.prefix}:provisioned-status:${fn}`;
  }

  private get index(): string {
    return `${this.prefix}:provisioned-functions`;
  }

  async putConfig(functionName: string, config: ProvisionedConfig): Promise<void> {
    await call(this.redis.multi().hset(this.configs(functionName), config.qualifier, JSON.stringify(config)).sadd(this.index, functionName).exec());
  }

  async loadConfig(functionName: string, qualifier: string): Promise<ProvisionedConfig | undefined> {
    const json = await call(this.redis.hget(this.configs(functionName), qualifier));
    return json === null ? undefined : (JSON.parse(json) as ProvisionedConfig);
  }

  async listConfigs(functionName: string): Promise<ProvisionedConfig[]> {
    const jsons = await call(this.redis.hvals(this.configs(functionName)));
    return jsons.map((json) => JSON.parse(json) as ProvisionedConfig).sort((a, b) => (a.qualifier < b.qualifier ? -1 : 1));
  }

  async removeConfig(functionName: string, qualifier: string): Promise<boolean> {
    const removed = await call(this.redis.hdel(this.configs(functionName), qualifier));
    const reports = Object.keys(await call(this.redis.hgetall(this.statuses(functionName)))).filter((field) => field.startsWith(`${qualifier}/`));
    if (reports.length > 0) await call(this.redis.hdel(this.statuses(functionName), ...reports));
    if ((await call(this.redis.hlen(this.configs(functionName)))) === 0) await call(this.redis.srem(this.index, functionName));
    return removed === 1;
  }

  async removeAll(functionName: string): Promise<void> {
    await call(this.redis.multi().del(this.configs(functionName), this.statuses(functionName)).srem(this.index, functionName).exec());
  }

  async listFunctions(): Promise<string[]> {
    return call(this.redis.smembers(this.index));
  }

  async writeStatus(functionName: string, qualifier: string, status: ProvisionedStatus): Promise<void> {
    await call(this.redis.hset(this.statuses(functionName), `${qualifier}/${status.worker}`, JSON.stringify(status)));
  }

  async loadStatuses(functionName: string, qualifier: string): Promise<ProvisionedStatus[]> {
    const all = await call(this.redis.hgetall(this.statuses(functionName)));
    return Object.entries(all)
      .filter(([field]) => field.startsWith(`${qualifier}/`))
      .map(([, json]) => JSON.parse(json) as ProvisionedStatus);
  }
}
