import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { buildApi, type ApiDeps } from '../api/app.js';
import { CallAuthorizer, type CallDescription } from '../permissions/call-authorizer.js';
import type { CredentialMinter } from '../permissions/credentials/credential-minter.js';
import { SandboxCallPolicy, lookupEnvironmentSecret } from '../permissions/sandbox-access.js';
import type { VerifiedCaller } from '../permissions/sigv4/verify-sigv4.js';
import type { HealthCheck } from '../api/routes/health/index.js';
import type { Config } from '../config/config.js';
import { AliasService } from '../control-plane/aliases/alias-service.js';
import type { CodeStore } from '../control-plane/code/code-store.js';
import type { ImageInspector } from '../control-plane/code/image-code.js';
import { ProvisionedConcurrencyService } from '../control-plane/concurrency/provisioned-concurrency-service.js';
import { ReservedConcurrencyService } from '../control-plane/concurrency/reserved-concurrency-service.js';
import { EventInvokeConfigService } from '../control-plane/event-invoke-config/event-invoke-config-service.js';
import type { Architecture } from '../control-plane/function-model.js';
import { FunctionService, type FunctionListener, type Preparer } from '../control-plane/function-service.js';
import { RedisAliasStore } from '../control-plane/store/redis-alias-store.js';
import { RedisEventInvokeConfigStore } from '../control-plane/store/redis-event-invoke-config-store.js';
import { RedisFunctionPolicyStore } from '../control-plane/store/redis-function-policy-store.js';
import { RedisFunctionStore } from '../control-plane/store/redis-function-store.js';
import { LayerPolicyService } from '../control-plane/layers/layer-policy-service.js';
import { LayerService } from '../control-plane/layers/layer-service.js';
import { FunctionPolicyService } from '../control-plane/policies/function-policy-service.js';
import { RedisLayerPolicyStore } from '../control-plane/store/redis-layer-policy-store.js';
import { RedisLayerStore } from '../control-plane/store/redis-layer-store.js';
import { RedisProvisionedConcurrencyStore } from '../control-plane/store/redis-provisioned-concurrency-store.js';
import { RedisReservedConcurrencyStore } from '../control-plane/store/redis-reserved-concurrency-store.js';
import { RedisTagStore } from '../control-plane/store/redis-tag-store.js';
import { RedisVersionStore } from '../control-plane/store/redis-version-store.js';
import { TagService } from '../control-plane/tag-service.js';
import type { Executor } from '../invocation/execution.js';
import { InvokeService } from '../invocation/invoke-service.js';
import { RecursionConfigService } from '../control-plane/recursion/recursion-config.js';
import { RedisRecursionConfigStore } from '../control-plane/store/redis-recursion-config-store.js';
import { AsyncDispatcher } from '../invocation/async/async-dispatcher.js';
import { AsyncInvoker } from '../invocation/async/async-invoker.js';
import { BullmqEventQueue } from '../invocation/async/bullmq-event-queue.js';
import { DestinationSender } from '../invocation/async/destination-sender.js';
import type { Logger } from '../observability/logger.js';
import { IamService } from '../iam/iam-service.js';
import { RedisIamStore } from '../iam/store/redis-iam-store.js';
import { SigV4Authenticator, getStaticKeyLookup } from '../permissions/sigv4/sigv4-authenticator.js';
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
  /** BullMQ's blocking connection, for taking queued events. */
  queueConnection: Redis;
  /** Finds the images of container-image functions (this host's engine, or the workers'). */
  images?: ImageInspector;
}

export interface ControlPlaneNode {
  app: FastifyInstance;
  /**
   * lambdock's endpoint for sandboxes (their AWS_ENDPOINT_URL): the same API, for callers signing with an
   * environment's credentials (minted by `minter`), each call allowed by SandboxCallPolicy.
   */
  buildSandboxApi(minter: CredentialMinter): FastifyInstance;
  functions: FunctionService;
  /** The asynchronous invocation settings per function and qualifier (what the async dispatcher applies). */
  eventInvokeConfigs: EventInvokeConfigService;
  /** The resource-based policies per function and qualifier (`loadPolicy` gives their typed statements). */
  policies: FunctionPolicyService;
  /** Starts running queued asynchronous invocations (once the executor can take them). */
  startEvents(): Promise<void>;
  /** Stops taking events: those running get `drainMs` to finish (the rest are taken up again later). */
  stopEvents(drainMs: number): Promise<void>;
  /** The SQS-compatible queues (async invocation sends its records and dead letters through them). */
  queues: QueueService;
  /** Roles and their policies (IAM on the API's endpoint); what permission checks read. */
  iam: IamService;
  close(): Promise<void>;
}

/**
 * With IAM enforced on the public API: the installation's own keys may call anything (its account's
 * administrators); a key of another account (LAMBDOCK_ACCESS_KEY_ACCOUNTS), as its account's root, only what
 * the target's resource policy allows.
 */
function authorizeKeyHolder(config: Config, authorizer: CallAuthorizer) {
  return async (caller: VerifiedCaller, call: CallDescription): Promise<void> => {
    const accountId = config.auth.keyAccounts[caller.accessKeyId] ?? config.accountId;
    if (accountId === config.accountId) return;
    await authorizer.authorize({ principalArn: `arn:aws:iam::${accountId}:root`, accountId, policies: undefined }, call);
  };
}

/** The Lambda API and the services behind it, on Redis; invocations go to `executor`. */
export function buildControlPlane(config: Config, redis: Redis, logger: Logger, parts: ControlPlaneParts): ControlPlaneNode {
  const scope = { region: config.region, accountId: config.accountId };
  const functionStore = new RedisFunctionStore(redis, config.redisPrefix);
  const aliasStore = new RedisAliasStore(redis, config.redisPrefix);
  const layerStore = new RedisLayerStore(redis, config.redisPrefix);
  const layerPolicies = new LayerPolicyService({ layers: layerStore, policies: new RedisLayerPolicyStore(redis, config.redisPrefix) }, scope);
  const layers = new LayerService(layerStore, parts.code, scope, (error, layerName) =>
    logger.warn({ err: error, layerName }, 'Layer code could not be unpacked or removed'),
  );
  const iam = new IamService(new RedisIamStore(redis, config.redisPrefix), { accountId: config.accountId });
  const functions = new FunctionService(
    { functions: functionStore, versions: new RedisVersionStore(redis, config.redisPrefix), aliases: aliasStore },
    parts.code,
    scope,
    parts.prepare,
    (error, name) => logger.error({ err: error, functionName: name }, 'Function preparation failed'),
    {
      layers,
      ...(parts.runnableArchitectures === undefined ? {} : { runnableArchitectures: parts.runnableArchitectures }),
      ...(parts.runnablePlace === undefined ? {} : { runnablePlace: parts.runnablePlace }),
      hotReload: config.hotReload,
      ...(parts.images === undefined ? {} : { images: parts.images }),
      ...(config.iamMode === 'enforce' ? { roles: iam } : {}),
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
  const eventInvokeConfigs = new EventInvokeConfigService(
    { functions: functionStore, versions: versionStore, aliases: aliasStore, configs: new RedisEventInvokeConfigStore(redis, config.redisPrefix) },
    scope,
  );
  const dropConfigs = (work: Promise<void>) =>
    void work.catch((error: unknown) => logger.warn({ err: error }, 'Could not remove event invoke configs'));
  // A deleted function's, version's or alias's asynchronous invocation settings go with it.
  functions.addListener({
    functionChanged: () => undefined,
    functionDeleted: (name) => dropConfigs(eventInvokeConfigs.removeAll(name)),
    versionDeleted: (name, version) => dropConfigs(eventInvokeConfigs.removeQualifier(name, version)),
  });
  const policies = new FunctionPolicyService(
    { functions: functionStore, versions: versionStore, aliases: aliasStore, policies: new RedisFunctionPolicyStore(redis, config.redisPrefix) },
    scope,
  );
  const dropPolicies = (work: Promise<void>) =>
    void work.catch((error: unknown) => logger.warn({ err: error }, 'Could not remove resource-based policies'));
  // A deleted function's, version's or alias's resource-based policy goes with it.
  functions.addListener({
    functionChanged: () => undefined,
    functionDeleted: (name) => dropPolicies(policies.removeAll(name)),
    versionDeleted: (name, version) => dropPolicies(policies.removeQualifier(name, version)),
  });
  const onAliasDeleted = (name: string, alias: string) => {
    dropConfigs(eventInvokeConfigs.removeQualifier(name, alias));
    dropPolicies(policies.removeQualifier(name, alias));
  };
  const reservedStore = new RedisReservedConcurrencyStore(redis, config.redisPrefix);
  const eventQueue = new BullmqEventQueue({
    producer: redis,
    consumer: parts.queueConnection,
    prefix: config.redisPrefix,
    concurrency: config.async.concurrency,
    lockMs: config.async.lockMs,
    onError: (error) => logger.warn({ err: error }, 'Asynchronous invocation queue error'),
  });
  const events = new AsyncInvoker(eventQueue);
  const recursion = new RecursionConfigService(functions, new RedisRecursionConfigStore(redis, config.redisPrefix), scope);
  functions.addListener({
    functionChanged: () => undefined,
    functionDeleted: (name) => void recursion.remove(name).catch((error: unknown) => logger.warn({ err: error }, 'Could not remove a recursion config')),
    versionDeleted: () => undefined,
  });
  const invoker = new InvokeService(functions, parts.executor, events, Math.random, {
    load: (name) => recursion.load(name),
    stopped: (functionName, invocationType, requestId) =>
      logger.warn({ functionName, invocationType, requestId }, 'Stopped a recursive invocation: the function was invoked more than 16 times in a loop'),
  });
  const dispatcher = new AsyncDispatcher({
    functions,
    settings: eventInvokeConfigs,
    loadReserved: (name) => reservedStore.loadReserved(name),
    executor: parts.executor,
    deliveries: new DestinationSender({
      sendToQueue: (arn, message) => queues.sendByArn(arn, message),
      invokeAsync: async (request) => {
        await invoker.invoke({ ...request, invocationType: 'Event' });
      },
      logger,
    }),
    timings: config.async,
    logger,
  });
  const authorizer = new CallAuthorizer(scope, policies);
  const deps: ApiDeps = {
    functions,
    layers,
    aliases: new AliasService(functionStore, aliasStore, scope, onAliasDeleted),
    tags: new TagService(new RedisTagStore(redis, config.redisPrefix), scope),
    invoker,
    recursion,
    code: parts.code,
    concurrency: new ReservedConcurrencyService(functionStore, reservedStore, scope, {
      account: config.accountConcurrency,
      minUnreserved: config.minUnreservedConcurrency,
    }),
    provisioned: new ProvisionedConcurrencyService(
      { functions: functionStore, versions: versionStore, aliases: aliasStore, provisioned: provisionedStore },
      scope,
    ),
    eventInvokeConfigs,
    policies,
    layerPolicies,
    queues,
    iam,
    logger,
    requestTimeoutMs: config.apiRequestTimeoutMs,
    health: parts.health,
  };
  const app = buildApi({
    ...deps,
    ...(config.auth.mode === 'sigv4'
      ? {
          authenticator: new SigV4Authenticator(getStaticKeyLookup(config.auth.accessKeys), { region: config.region }),
          // IAM enforced, a key of another account may do only what resource policies let it.
          ...(config.iamMode === 'enforce' ? { authorize: authorizeKeyHolder(config, authorizer) } : {}),
        }
      : {}),
  });
  return {
    app,
    buildSandboxApi: (minter) => {
      const sandboxCalls = new SandboxCallPolicy(minter, config.iamMode, authorizer, iam);
      return buildApi({
        ...deps,
        forSandboxes: true,
        authenticator: new SigV4Authenticator(lookupEnvironmentSecret(minter), { region: config.region }),
        authorize: (caller, call) => sandboxCalls.authorize(caller, call),
      });
    },
    functions,
    eventInvokeConfigs,
    policies,
    startEvents: () => eventQueue.consume(dispatcher),
    stopEvents: (drainMs) => eventQueue.stopConsuming(drainMs),
    queues,
    iam,
    async close() {
      functions.close();
      await eventQueue.close();
      await (await subscription)?.close();
    },
  };
}
