import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { buildApi } from '../api/app.js';
import type { HealthCheck } from '../api/routes/health/index.js';
import type { Config } from '../config/config.js';
import { AliasService } from '../control-plane/aliases/alias-service.js';
import type { CodeStore } from '../control-plane/code/code-store.js';
import { ProvisionedConcurrencyService } from '../control-plane/concurrency/provisioned-concurrency-service.js';
import { ReservedConcurrencyService } from '../control-plane/concurrency/reserved-concurrency-service.js';
import type { Architecture } from '../control-plane/function-model.js';
import { FunctionService, type FunctionListener, type Preparer } from '../control-plane/function-service.js';
import { RedisAliasStore } from '../control-plane/store/redis-alias-store.js';
import { RedisFunctionStore } from '../control-plane/store/redis-function-store.js';
import { RedisProvisionedConcurrencyStore } from '../control-plane/store/redis-provisioned-concurrency-store.js';
import { RedisReservedConcurrencyStore } from '../control-plane/store/redis-reserved-concurrency-store.js';
import { RedisTagStore } from '../control-plane/store/redis-tag-store.js';
import { RedisVersionStore } from '../control-plane/store/redis-version-store.js';
import { TagService } from '../control-plane/tag-service.js';
import type { Executor } from '../invocation/execution.js';
import { InvokeService } from '../invocation/invoke-service.js';
import type { Logger } from '../observability/logger.js';
import { QueueService } from '../queues/queue-service.js';
import { QueueWakeups } from '../queues/queue-wakeups.js';
import { RedisQueueStore } from '../queues/store/redis-queue-store.js';
import { subscribeQueueWakeups } from '../queues/store/redis-queue-wakeups.js';

export interface ControlPlaneParts {
  code: CodeStore;
  prepare: Preparer;
  runnableArchitectures?: readonly Architecture[] | (() => readonly Architecture[] | undefined);
  /** Where they run, for the refusal's message (default "on this host"). */
  runnablePlace?: string;
  executor: Executor;
  /** Told of changes that retire environments (this process's pool, or every worker's). */
  listener: FunctionListener;
  health: HealthCheck;
}

export interface ControlPlaneNode {
  app: FastifyInstance;
  functions: FunctionService;
  /** The SQS-compatible queues (async invocation sends its records and dead letters through them). */
  queues: QueueService;
  close(): Promise<void>;
}

/** The Lambda API and the services behind it, on Redis; invocations go to `executor`. */
export function buildControlPlane(config: Config, redis: Redis, logger: Logger, parts: ControlPlaneParts): ControlPlaneNode {
  const scope = { region: config.region, accountId: config.accountId };
  const functionStore = new RedisFunctionStore(redis, config.redisPrefix);
  const aliasStore = new RedisAliasStore(redis, config.redisPrefix);
  const functions = new FunctionService(
    { functions: functionStore, versions: new RedisVersionStore(redis, config.redisPrefix), aliases: aliasStore },
    parts.code,
    scope,
    parts.prepare,
    (error, name) => logger.error({ err: error, functionName: name }, 'Function preparation failed'),
    {
      ...(parts.runnableArchitectures === undefined ? {} : { runnableArchitectures: parts.runnableArchitectures }),
      ...(parts.runnablePlace === undefined ? {} : { runnablePlace: parts.runnablePlace }),
    },
  );
  functions.addListener(parts.listener);
  const provisionedStore = new RedisProvisionedConcurrencyStore(redis, config.redisPrefix);
  // A deleted function's configurations go with it (a version's or an alias's are dropped when read).
  functions.addListener({
    functionChanged: () => undefined,
    functionDeleted: (name) => void provisionedStore.removeAll(name).catch((error: unknown) => logger.warn({ err: error }, 'Could not remove provisioned concurrency')),
    versionDeleted: (name, version) => void provisionedStore.removeConfig(name, version).catch(() => undefined),
  });
  const versionStore = new RedisVersionStore(redis, config.redisPrefix);
  const wakeups = new QueueWakeups();
  const queues = new QueueService(new RedisQueueStore(redis, config.redisPrefix), wakeups, scope);
  // Until the subscriber is in, a long poll still sees messages at its next re-read (every 2 s).
  const subscription = subscribeQueueWakeups(redis, config.redisPrefix, wakeups, (error) =>
    logger.warn({ err: error }, 'Redis (queue wake-ups) connection error'),
  ).catch((error: unknown) => {
    logger.warn({ err: error }, 'Could not subscribe to queue wake-ups');
    return undefined;
  });
  const app = buildApi({
    functions,
    aliases: new AliasService(functionStore, aliasStore, scope),
    tags: new TagService(new RedisTagStore(redis, config.redisPrefix), scope),
    invoker: new InvokeService(functions, parts.executor),
    code: parts.code,
    concurrency: new ReservedConcurrencyService(functionStore, new RedisReservedConcurrencyStore(redis, config.redisPrefix), scope, {
      account: config.accountConcurrency,
      minUnreserved: config.minUnreservedConcurrency,
    }),
    provisioned: new ProvisionedConcurrencyService(
      { functions: functionStore, versions: versionStore, aliases: aliasStore, provisioned: provisionedStore },
      scope,
    ),
    queues,
    logger,
    requestTimeoutMs: config.apiRequestTimeoutMs,
    health: parts.health,
  });
  return {
    app,
    functions,
    queues,
    async close() {
      functions.close();
      await (await subscription)?.close();
    },
  };
}
