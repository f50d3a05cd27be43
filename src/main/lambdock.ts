import Dockerode from 'dockerode';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { CODE_PATH } from '../api/routes/code/index.js';
import type { Config } from '../config/config.js';
import { CodeStore } from '../control-plane/code/code-store.js';
import { LATEST } from '../control-plane/function-model.js';
import type { FunctionListener } from '../control-plane/function-service.js';
import { createFunctionPreparer, createImagePreparer } from '../control-plane/image-preparer.js';
import { RedisAliasStore } from '../control-plane/store/redis-alias-store.js';
import { RedisFunctionStore } from '../control-plane/store/redis-function-store.js';
import { RedisLayerStore } from '../control-plane/store/redis-layer-store.js';
import { RedisProvisionedConcurrencyStore } from '../control-plane/store/redis-provisioned-concurrency-store.js';
import { RedisVersionStore } from '../control-plane/store/redis-version-store.js';
import type { VersionRecord } from '../control-plane/function-model.js';
import { ProvisionedReconciler } from '../invocation/provisioned-reconciler.js';
import { provisionedShare } from '../scheduler/placement.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { CredentialMinter, deriveCredentialKey } from '../permissions/credentials/credential-minter.js';
import type { SandboxPool } from '../sandbox/sandbox-pool.js';
import type { StemCellPool } from '../sandbox/stem-cell-pool.js';
import { CodeFetcher } from '../scheduler/code-fetcher.js';
import { BullmqRetirementBus } from '../scheduler/bullmq-retirement-bus.js';
import { RedisApiSandboxUrls } from '../scheduler/redis-api-sandbox-urls.js';
import { RedisWorkerRegistry } from '../scheduler/redis-worker-registry.js';
import { SandboxEndpointProxy } from '../scheduler/sandbox-endpoint-proxy.js';
import { RedisWarmRegistry } from '../scheduler/redis-warm-registry.js';
import { WorkerArchitectures } from '../scheduler/worker-architectures.js';
import { RedisConcurrencyLeases } from '../invocation/concurrency/redis-concurrency-leases.js';
import { WorkerImageInspector } from '../scheduler/worker-image-inspector.js';
import { RemoteExecutor } from '../scheduler/remote-executor.js';
import type { RetirementBus } from '../scheduler/retirement-bus.js';
import { buildWorkerServer } from '../scheduler/worker-server.js';
import { closeRedis } from '../shared/redis-close.js';
import { buildControlPlane, type ControlPlaneNode } from './control-plane-node.js';
import { startWorkerNode } from './worker-node.js';

export { REPO_ROOT } from './repo-root.js';

/** A process that owns sandboxes: the whole of lambdock (role `all`), or a worker. */
export interface Lambdock {
  readonly url: string;
  /** The label value of this installation's containers, volumes and disks. */
  readonly instanceId: string;
  /** The Lambda API (role `all`) or the worker's internal endpoint. */
  readonly app: FastifyInstance;
  readonly pool: SandboxPool;
  /** The worker's stem cells; none when LAMBDOCK_STEM_CELLS is 0. */
  readonly stemCells: StemCellPool | undefined;
  readonly docker: Dockerode;
  readonly logger: Logger;
  close(): Promise<void>;
}

/** An api process: the Lambda API, no sandboxes (workers run its invocations). */
export interface LambdockApi {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly logger: Logger;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** How long `close()` lets running invocations finish before removing their environments. */
  drainTimeoutMs?: number;
  /** The engine client (tests put a proxy between lambdock and the engine); by default the local engine. */
  docker?: Dockerode;
}

/** How long a closing api process lets the events it is running finish (the rest are taken up again). */
const DRAIN_EVENTS_MS = 10_000;

/** How often a worker renews its entry in the registry. */
const HEARTBEAT_MS = 2_000;

/** The Redis key where an api process says where workers fetch code from (for provisioned environments). */
const apiCodeUrlKey = (prefix: string): string => `${prefix}:api-code-url`;

/** The loop that keeps this worker's provisioned environments (see ProvisionedReconciler). */
function startReconciler(
  config: Config,
  redis: Redis,
  logger: Logger,
  worker: Started['worker'],
  placement: Pick<ConstructorParameters<typeof ProvisionedReconciler>[0], 'shareOf' | 'ensureCode'>,
): ProvisionedReconciler {
  const reconciler = new ProvisionedReconciler({
    store: new RedisProvisionedConcurrencyStore(redis, config.redisPrefix),
    versions: new RedisVersionStore(redis, config.redisPrefix),
    aliases: new RedisAliasStore(redis, config.redisPrefix),
    executor: worker.executor,
    workerId: worker.instanceId,
    ...placement,
    onError: (error) => logger.warn({ err: error }, 'Could not keep the provisioned environments'),
  });
  reconciler.start();
  return reconciler;
}

/** BullMQ's own connection: its workers block on it, so it has no command timeout (`maxRetriesPerRequest: null`). */
function openQueueConnection(config: Config, logger: Logger): Redis {
  const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  connection.on('error', (error: unknown) => logger.warn({ err: error }, 'Redis (queues) connection error'));
  return connection;
}

/** 'ok' when `check` answers within a second, else what went wrong. */
function probe(check: Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('no answer within 1 s'), 1000);
  });
  return Promise.race([check.then(() => 'ok', (error: Error) => error.message), timeout]).finally(() => clearTimeout(timer));
}

async function connectRedis(config: Config, logger: Logger): Promise<Redis> {
  // Every command is bounded: a Redis that stops answering (frozen, not dead) fails requests, it does not hang them.
  const redis = new Redis(config.redisUrl, {
    commandTimeout: config.redisCommandTimeoutMs,
    connectTimeout: Math.max(config.redisCommandTimeoutMs, 5_000),
    maxRetriesPerRequest: 3,
    enableOfflineQueue: true,
    lazyConnect: true,
  });
  redis.on('error', (error) => logger.warn({ err: error }, 'Redis connection error'));
  await redis.connect();
  return redis;
}

const listeningUrl = (app: FastifyInstance, host: string, fallbackPort: number): string => {
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : fallbackPort;
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
};

/** What retires environments when functions change: this process's pool, or every worker through the bus. */
function retirementsTo(retire: (name: string, version?: string) => void): FunctionListener {
  return {
    // Published versions never change: an update of `$LATEST` leaves their environments warm.
    functionChanged: (name) => retire(name, LATEST),
    functionDeleted: (name) => retire(name),
    versionDeleted: (name, version) => retire(name, version),
  };
}

const SANDBOX_PORT_ATTEMPTS = 50;

/**
 * Listens (`listen`) on the Runtime API address (the only one sandboxes may reach), on
 * LAMBDOCK_SANDBOX_API_PORT or a free port of the Runtime API range (the firewall lets sandboxes reach
 * those); answers the port.
 */
async function listenForSandboxes(listen: (port: number) => Promise<unknown>, config: Config): Promise<number> {
  const { first, last } = config.runtimeApiPorts;
  for (let attempt = 1; ; attempt += 1) {
    const port = config.sandboxApiPort !== 0 ? config.sandboxApiPort : first + Math.floor(Math.random() * (last - first + 1));
    try {
      await listen(port);
      return port;
    } catch (error) {
      const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (!inUse || config.sandboxApiPort !== 0 || attempt >= SANDBOX_PORT_ATTEMPTS) throw error;
    }
  }
}

/** Role `all` (`npm start`): the Lambda API and a worker in one process, or role `worker` alone. */
export async function startLambdock(config: Config, options: StartOptions = {}): Promise<Lambdock> {
  if (config.role === 'api') throw new Error('startLambdock runs the roles all and worker: use startLambdockApi');
  const logger = options.logger ?? createLogger(config.logLevel);
  const docker = options.docker ?? new Dockerode();
  const redis = await connectRedis(config, logger);
  const worker = await startWorkerNode(config, redis, logger, docker);
  const health = async () => {
    const [redisState, dockerState] = await Promise.all([probe(redis.ping()), probe(docker.ping())]);
    return { redis: redisState, docker: dockerState };
  };
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  return config.role === 'all'
    ? startAll(config, options, { logger, redis, worker, health, drainTimeoutMs })
    : startWorker(config, { logger, redis, worker, health, drainTimeoutMs });
}

interface Started {
  logger: Logger;
  redis: Redis;
  worker: Awaited<ReturnType<typeof startWorkerNode>>;
  health: () => Promise<Record<string, string>>;
  drainTimeoutMs: number;
}

async function startAll(config: Config, _options: StartOptions, { logger, redis, worker, health, drainTimeoutMs }: Started): Promise<Lambdock> {
  const queues = openQueueConnection(config, logger);
  const controlPlane = buildControlPlane(config, redis, logger, {
    queueConnection: queues,
    code: worker.code,
    prepare: createFunctionPreparer(
      createImagePreparer((record) => worker.images.forRuntime(record.runtime ?? '')),
      worker.imageInspector,
    ),
    images: worker.imageInspector,
    runnableArchitectures: worker.runnableArchitectures,
    executor: worker.executor,
    listener: retirementsTo((name, version) => worker.pool.retireFunction(name, version)),
    health,
  });
  const { app } = controlPlane;
  worker.guard(app.server);
  await app.listen({ host: config.host, port: config.port });
  const url = listeningUrl(app, config.host, config.port);
  // Functions reach lambdock here (AWS_ENDPOINT_URL), with their environment's credentials.
  const sandboxApi = controlPlane.buildSandboxApi(worker.minter);
  const sandboxPort = await listenForSandboxes((port) => sandboxApi.listen({ host: worker.runtimeApiAddress.bind, port }), config);
  worker.executor.useSandboxEndpoint(`http://${worker.runtimeApiAddress.advertise}:${sandboxPort}`);
  const resumed = await controlPlane.functions.resumeUnfinished();
  await controlPlane.startEvents();
  // Alone, this worker holds every provisioned environment, and has all the code.
  const reconciler = startReconciler(config, redis, logger, worker, { shareOf: async (_key, total) => total, ensureCode: async () => undefined });
  logger.info({ url, instanceId: worker.instanceId, resumed }, 'lambdock is listening');
  return {
    url,
    instanceId: worker.instanceId,
    app,
    pool: worker.pool,
    stemCells: worker.stemCells,
    docker: worker.docker,
    logger,
    async close() {
      await reconciler.close();
      // Events running finish while their environments are still here (or are taken up again after).
      await controlPlane.stopEvents(drainTimeoutMs);
      await worker.close({ closing: app.close(), forceClose: () => app.server.closeAllConnections() }, drainTimeoutMs);
      await sandboxApi.close();
      await controlPlane.close();
      await closeRedis(queues);
      await closeRedis(redis);
    },
  };
}

async function startWorker(config: Config, { logger, redis, worker, health, drainTimeoutMs }: Started): Promise<Lambdock> {
  const registry = new RedisWorkerRegistry(redis, config.redisPrefix);
  const fetcher = new CodeFetcher(worker.code);
  const app = buildWorkerServer({
    executor: worker.executor,
    images: worker.imageInspector,
    token: await registry.fetchToken(),
    ensureCode: (execution) => fetcher.ensureRecord(execution.record, execution.codeUrl),
    health,
    onError: (error) => logger.error({ err: error }, 'An execution failed on this worker'),
  });
  worker.guard(app.server);
  const queues = openQueueConnection(config, logger);
  const bus = new BullmqRetirementBus({
    connection: queues,
    prefix: config.redisPrefix,
    onError: (error) => logger.warn({ err: error }, 'Retirement queue error'),
  });
  await bus.subscribe(worker.instanceId, ({ functionName, version }) => worker.pool.retireFunction(functionName, version));
  // Functions reach lambdock here (AWS_ENDPOINT_URL): their calls go on, as they are, to an api process.
  const apiSandboxUrls = new RedisApiSandboxUrls(redis, config.redisPrefix);
  const sandboxProxy = new SandboxEndpointProxy({
    listTargets: () => apiSandboxUrls.listLive(),
    onError: (error) => logger.warn({ err: error }, "Could not forward a sandbox's call to an api process"),
  });
  const sandboxPort = await listenForSandboxes((port) => sandboxProxy.listen(worker.runtimeApiAddress.bind, port), config);
  worker.executor.useSandboxEndpoint(`http://${worker.runtimeApiAddress.advertise}:${sandboxPort}`);
  await app.listen({ host: config.host, port: config.workerPort });
  const url = config.workerUrl ?? listeningUrl(app, config.host, config.workerPort);
  const announce = () =>
    registry.announce({
      id: worker.instanceId,
      url,
      capacity: { memoryBudgetMb: config.memoryBudgetMb, memoryUsedMb: worker.pool.memoryUsedMb, environments: worker.pool.size },
      architectures: worker.runnableArchitectures,
    });
  await announce();
  const heartbeat = setInterval(() => {
    announce().catch((error: unknown) => logger.warn({ err: error }, 'Could not renew this worker in the registry'));
  }, HEARTBEAT_MS);
  heartbeat.unref();
  const reconciler = startReconciler(config, redis, logger, worker, {
    shareOf: async (key: string, total: number) => provisionedShare(worker.instanceId, key, await registry.listLive(), total),
    ensureCode: async (record: VersionRecord) => fetcher.ensureRecord(record, (await redis.get(apiCodeUrlKey(config.redisPrefix))) ?? undefined),
  });
  logger.info({ url, instanceId: worker.instanceId, sandboxPort }, 'lambdock worker is listening');
  return {
    url,
    instanceId: worker.instanceId,
    app,
    pool: worker.pool,
    stemCells: worker.stemCells,
    docker: worker.docker,
    logger,
    async close() {
      clearInterval(heartbeat);
      await reconciler.close();
      await registry.withdraw(worker.instanceId).catch(() => undefined);
      await worker.warm?.withdraw().catch(() => undefined);
      await bus.close();
      await closeRedis(queues);
      await worker.close({ closing: app.close(), forceClose: () => app.server.closeAllConnections() }, drainTimeoutMs);
      await sandboxProxy.close();
      await closeRedis(redis);
    },
  };
}

/**
 * Role api: the endpoint for sandboxes (with the credentials every process on this Redis mints alike) on
 * LAMBDOCK_HOST, where workers forward their sandboxes' calls; its URL renewed in Redis with a heartbeat.
 */
async function listenApiForSandboxes(
  config: Config,
  redis: Redis,
  logger: Logger,
  controlPlane: Pick<ControlPlaneNode, 'buildSandboxApi'>,
): Promise<{ url: string; close(): Promise<void> }> {
  const minter = new CredentialMinter(deriveCredentialKey(await new RedisWorkerRegistry(redis, config.redisPrefix).fetchToken()));
  const sandboxApi = controlPlane.buildSandboxApi(minter);
  await sandboxApi.listen({ host: config.host, port: config.apiSandboxPort });
  const listening = new URL(listeningUrl(sandboxApi, config.host, config.apiSandboxPort));
  // Workers reach this api by the name LAMBDOCK_API_URL gives it, as they do its code downloads.
  if (config.apiUrl !== undefined) listening.hostname = new URL(config.apiUrl).hostname;
  const url = listening.origin;
  const directory = new RedisApiSandboxUrls(redis, config.redisPrefix);
  await directory.announce(url);
  const heartbeat = setInterval(() => {
    directory.announce(url).catch((error: unknown) => logger.warn({ err: error }, 'Could not renew the endpoint for sandboxes in Redis'));
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return {
    url,
    async close() {
      clearInterval(heartbeat);
      await directory.withdraw(url).catch(() => undefined);
      await sandboxApi.close();
    },
  };
}

/** Role `api`: the Lambda API alone; invocations go to the workers registered on the same Redis. */
export async function startLambdockApi(config: Config, options: Pick<StartOptions, 'logger'> = {}): Promise<LambdockApi> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const redis = await connectRedis(config, logger);
  const references = new RedisFunctionStore(redis, config.redisPrefix);
  const code = new CodeStore(config.dataDir, {
    references,
    onError: (error, sha256Hex) => logger.warn({ err: error, sha256Hex }, 'Could not remove unreferenced code'),
  });
  await references.restoreCodeReferences();
  await new RedisLayerStore(redis, config.redisPrefix).restoreCodeReferences();
  await code.sweep();
  const registry = new RedisWorkerRegistry(redis, config.redisPrefix);
  const queues = openQueueConnection(config, logger);
  const bus: RetirementBus = new BullmqRetirementBus({
    connection: queues,
    prefix: config.redisPrefix,
    targets: async () => (await registry.listLive()).map((w) => w.id),
    onError: (error) => logger.warn({ err: error }, 'Retirement queue error'),
  });
  // The code URL is known once the API listens; executions only come after that.
  let codeUrl = '';
  const leases = new RedisConcurrencyLeases(redis, config.redisPrefix, {
    accountLimit: config.accountConcurrency,
    onRenewError: (error) => logger.warn({ err: error }, 'Could not return a concurrency lease'),
  });
  const warm = new RedisWarmRegistry(redis, config.redisPrefix, 'api', (error) => logger.warn({ err: error }, 'Could not write the warm registry'));
  const executor = new RemoteExecutor({ registry, warm, concurrency: leases, token: await registry.fetchToken() }, {
    get codeUrl() {
      return codeUrl;
    },
    queueWaitMs: config.queueWaitMs,
  });
  const architectures = new WorkerArchitectures(registry, (error) => logger.warn({ err: error }, 'Could not read what the workers run'));
  await architectures.start();
  const controlPlane = buildControlPlane(config, redis, logger, {
    queueConnection: queues,
    code,
    // Runtime images are the workers' (each builds its own at its start); so are the images of image functions.
    prepare: async () => undefined,
    images: new WorkerImageInspector(registry, await registry.fetchToken()),
    runnableArchitectures: () => architectures.current(),
    runnablePlace: 'on its workers',
    executor,
    listener: retirementsTo((functionName, version) => bus.publish(version === undefined ? { functionName } : { functionName, version })),
    health: async () => {
      const [redisState, workers] = await Promise.all([probe(redis.ping()), registry.listLive().then((w) => w.length, () => 0)]);
      return { redis: redisState, workers: workers > 0 ? 'ok' : 'no worker is running' };
    },
  });
  const { app } = controlPlane;
  await app.listen({ host: config.host, port: config.port });
  const url = listeningUrl(app, config.host, config.port);
  codeUrl = `${config.apiUrl ?? url}${CODE_PATH}`;
  await redis.set(apiCodeUrlKey(config.redisPrefix), codeUrl);
  const sandboxes = await listenApiForSandboxes(config, redis, logger, controlPlane);
  const resumed = await controlPlane.functions.resumeUnfinished();
  await controlPlane.startEvents();
  logger.info({ url, sandboxUrl: sandboxes.url, resumed }, 'lambdock api is listening');
  return {
    url,
    app,
    logger,
    async close() {
      await controlPlane.stopEvents(DRAIN_EVENTS_MS);
      await sandboxes.close();
      await app.close();
      await controlPlane.close();
      await executor.close();
      leases.close();
      architectures.close();
      await bus.close();
      await closeRedis(queues);
      code.close();
      await closeRedis(redis);
    },
  };
}
