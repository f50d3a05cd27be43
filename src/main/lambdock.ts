import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Dockerode from 'dockerode';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../api/app.js';
import type { Config } from '../config/config.js';
import { loadInstanceId } from '../config/instance-id.js';
import { CodeStore } from '../control-plane/code/code-store.js';
import { FunctionService } from '../control-plane/function-service.js';
import { getRunnableArchitectures } from '../control-plane/architecture-support.js';
import { createImagePreparer } from '../control-plane/image-preparer.js';
import { AliasService } from '../control-plane/aliases/alias-service.js';
import { LATEST } from '../control-plane/function-model.js';
import { RedisAliasStore } from '../control-plane/store/redis-alias-store.js';
import { ReservedConcurrencyService } from '../control-plane/concurrency/reserved-concurrency-service.js';
import { RedisFunctionStore } from '../control-plane/store/redis-function-store.js';
import { RedisReservedConcurrencyStore } from '../control-plane/store/redis-reserved-concurrency-store.js';
import { Semaphore } from '../shared/semaphore.js';
import { RedisConcurrencyLeases } from '../invocation/concurrency/redis-concurrency-leases.js';
import { RedisVersionStore } from '../control-plane/store/redis-version-store.js';
import { RedisTagStore } from '../control-plane/store/redis-tag-store.js';
import { TagService } from '../control-plane/tag-service.js';
import { fetchHostFacts } from '../docker/host-architectures.js';
import { LABELS } from '../docker/container-driver.js';
import { DockerodeContainerDriver } from '../docker/dockerode-container-driver.js';
import { ensureRuntimeImages, getRuntimeImageTag } from '../docker/images/index.js';
import { createDiskHost, LoopScratchDisks } from '../docker/loop-scratch-disks.js';
import { FifoOutputPipes } from '../docker/fifo-output-pipes.js';
import { NetworkHolderPool } from '../docker/network-holder-pool.js';
import { ScratchDiskPool } from '../docker/scratch-disk-pool.js';
import { removeOrphanContainers } from '../docker/reaper.js';
import { LocalExecutor } from '../invocation/local-executor.js';
import { InvokeService } from '../invocation/invoke-service.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { isInAnySubnet } from '../shared/ipv4-subnet.js';
import { openSandboxIsolation } from './sandbox-isolation.js';
import { RuntimeApiServer } from '../runtime-api/runtime-api-server.js';
import { SandboxPool } from '../sandbox/sandbox-pool.js';
import { SharedAttempt } from '../shared/shared-attempt.js';

/** The repository root (src/main or dist/main are two levels down). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Lambdock {
  readonly url: string;
  /** The label value of this installation's containers, volumes and disks. */
  readonly instanceId: string;
  readonly app: FastifyInstance;
  readonly pool: SandboxPool;
  readonly docker: Dockerode;
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

/** 'ok' when `check` answers within a second, else what went wrong. */
function probe(check: Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('no answer within 1 s'), 1000);
  });
  return Promise.race([check.then(() => 'ok', (error: Error) => error.message), timeout]).finally(() => clearTimeout(timer));
}

/** Wires the control plane and a worker into one process and starts serving. */
export async function startLambdock(config: Config, options: StartOptions = {}): Promise<Lambdock> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const docker = options.docker ?? new Dockerode();
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

  const instanceId = config.instanceId ?? (await loadInstanceId(config.dataDir));
  const ownLabels = [`${LABELS.managed}=true`, `${LABELS.instance}=${instanceId}`];
  const scratch = new LoopScratchDisks(createDiskHost(docker), config.dataDir, instanceId);
  const swept = await removeOrphanContainers(docker, ownLabels);
  const sweptDisks = await scratch.removeOrphans().catch((error: unknown) => {
    logger.warn({ err: error }, 'Could not remove every /tmp disk of an earlier run');
    return 0;
  });
  if (swept + sweptDisks > 0) logger.info({ instanceId, containers: swept, disks: sweptDisks }, 'Removed orphans of an earlier run');

  const isolation = await openSandboxIsolation(docker, { ...config, instanceId }, logger);
  const { runtimeApiAddress, network: sandboxNetwork } = isolation;
  const driver = new DockerodeContainerDriver(docker, instanceId, config.cgroupRoot, {
    onLateCreate: (name, error) =>
      error === undefined
        ? logger.warn({ container: name }, 'Removed a container the engine created after its caller gave up')
        : logger.error({ err: error, container: name }, 'Could not remove a container the engine created after its caller gave up'),
  });
  await driver.openEvents();
  const scratchPool = new ScratchDiskPool(scratch, {
    sparesPerSize: config.tmpSparesPerSize,
    warmSizesMb: [512],
    recentSizes: 3,
    sizeIdleMs: 10 * 60_000,
    maxDisks: config.maxLoopDevices,
    labels: { [LABELS.managed]: 'true', [LABELS.instance]: instanceId },
    onError: (error) => logger.warn({ err: error }, 'A spare /tmp disk could not be made or removed'),
  });
  void scratchPool.warm();

  const networkHolders = new NetworkHolderPool(driver, {
    image: getRuntimeImageTag('provided.al2023') ?? 'lambdock-runtime:provided',
    network: sandboxNetwork.name,
    instanceId,
    spares: 2,
    onError: (error) => logger.warn({ err: error }, 'Could not start a spare network holder'),
  });
  // Built at startup and again by the next activation that needs them if that failed (a failed build must
  // not fail every later create until a restart); concurrent activations share one build.
  const images = new SharedAttempt(async () => {
    const built = config.buildImagesOnStart
      ? await ensureRuntimeImages(docker, {
          runtimesDir: path.join(REPO_ROOT, 'runtimes'),
          dockerBaseDir: path.join(REPO_ROOT, 'docker', 'base'),
          logger: { info: (obj, msg) => logger.info(obj, msg) },
        })
      : [];
    void networkHolders.warm();
    return built;
  });
  images.get().catch((error: unknown) => logger.error({ err: error }, 'Could not build the runtime images'));

  const functionStore = new RedisFunctionStore(redis, config.redisPrefix);
  // A tree stays while a sandbox has it mounted (the pool is made below; sandboxes exist only once it is).
  let sandboxes: SandboxPool | undefined;
  const code = new CodeStore(config.dataDir, {
    references: functionStore,
    isTreeInUse: (tree) => sandboxes?.list().some((sandbox) => sandbox.plan.codeDir === tree) ?? false,
    onError: (error, sha256Hex) => logger.warn({ err: error, sha256Hex }, 'Could not remove unreferenced code'),
  });
  await functionStore.restoreCodeReferences();
  const sweptCode = await code.sweep();
  if (sweptCode > 0) logger.info({ entries: sweptCode }, 'Removed unreferenced code');
  const scope = { region: config.region, accountId: config.accountId };
  const runnableArchitectures = getRunnableArchitectures(await fetchHostFacts(docker));
  const versionStore = new RedisVersionStore(redis, config.redisPrefix);
  const aliasStore = new RedisAliasStore(redis, config.redisPrefix);
  const functions = new FunctionService(
    { functions: functionStore, versions: versionStore, aliases: aliasStore },
    code,
    scope,
    createImagePreparer(images),
    (error, name) => logger.error({ err: error, functionName: name }, 'Function preparation failed'),
    { runnableArchitectures },
  );
  const tags = new TagService(new RedisTagStore(redis, config.redisPrefix), scope);
  const aliases = new AliasService(functionStore, aliasStore, scope);
  const reservedConcurrency = new ReservedConcurrencyService(
    functionStore,
    new RedisReservedConcurrencyStore(redis, config.redisPrefix),
    scope,
    { account: config.accountConcurrency, minUnreserved: config.minUnreservedConcurrency },
  );

  const pool = new SandboxPool(
    {
      driver,
      scratch: scratchPool,
      network: networkHolders,
      outputs: new FifoOutputPipes(config.dataDir),
      createRuntimeApi: (apiOptions) => new RuntimeApiServer({ ...apiOptions, ports: config.runtimeApiPorts }),
      starts: new Semaphore(config.maxConcurrentStarts),
      logSink: (line) => logger.info({ stream: 'function' }, line),
      onStarted: (sandbox, phases) =>
        logger.debug({ sandboxId: sandbox.id, functionName: sandbox.plan.functionName, phases }, 'Started sandbox'),
      onOperationError: (error, sandbox, operation) =>
        logger.error({ err: error, sandboxId: sandbox.id, functionName: sandbox.plan.functionName, operation }, 'Sandbox operation failed'),
    },
  );
  sandboxes = pool;
  functions.addListener({
    // Published versions never change: an update of `$LATEST` leaves their environments warm.
    functionChanged: (name) => pool.retireFunction(name, LATEST),
    functionDeleted: (name) => pool.retireFunction(name),
    versionDeleted: (name, version) => pool.retireFunction(name, version),
  });

  const leases = new RedisConcurrencyLeases(redis, config.redisPrefix, {
    accountLimit: config.accountConcurrency,
    onRenewError: (error) => logger.warn({ err: error }, 'Could not renew or return concurrency leases'),
  });
  const executor = new LocalExecutor(
    code,
    pool,
    leases,
    {
      region: config.region,
      instanceId,
      runtimeApiBindHost: runtimeApiAddress.bind,
      runtimeApiAdvertiseHost: runtimeApiAddress.advertise,
      pauseGraceMs: config.pauseGraceMs,
      idleKeepAliveMs: config.idleKeepAliveMs,
    },
    (runtime) => getRuntimeImageTag(runtime) ?? runtime,
  );
  const invoker = new InvokeService(functions, executor);

  const app = buildApi({
    functions,
    aliases,
    tags,
    invoker,
    code,
    concurrency: reservedConcurrency,
    logger,
    requestTimeoutMs: config.apiRequestTimeoutMs,
    health: async () => {
      const [redisState, dockerState] = await Promise.all([probe(redis.ping()), probe(docker.ping())]);
      return { redis: redisState, docker: dockerState };
    },
  });
  // Function code must never call the control plane, whatever LAMBDOCK_HOST says and whichever of the
  // host's addresses it aims at: the Lambda API drops every peer on the sandbox network, and everything
  // arriving on the address sandboxes reach lambdock at.
  app.server.on('connection', (socket) => {
    const local = socket.localAddress?.replace(/^::ffff:/, '');
    if (isInAnySubnet(socket.remoteAddress, sandboxNetwork.subnets) || local === runtimeApiAddress.advertise) socket.destroy();
  });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  const resumed = await functions.resumeUnfinished();
  logger.info({ url, instanceId, resumed }, 'lambdock is listening');

  return {
    url,
    instanceId,
    app,
    pool,
    docker,
    logger,
    async close() {
      // Stop taking requests and retire every environment; running invocations may finish, within limits.
      const closing = app.close();
      const drained = await Promise.race([
        Promise.all([closing, pool.drain()]).then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), options.drainTimeoutMs ?? 10_000).unref()),
      ]);
      if (!drained) {
        app.server.closeAllConnections();
        await closing.catch(() => undefined);
      }
      await Promise.all([scratchPool.close(), networkHolders.close()]);
      if (!drained) {
        await removeOrphanContainers(docker, ownLabels);
        await scratch.removeOrphans().catch((error: unknown) => logger.warn({ err: error }, 'Could not remove every /tmp disk'));
      }
      await isolation.close().catch(async () => {
        // A container still on the network (a holder made while closing) keeps it: remove those, then retry.
        await removeOrphanContainers(docker, ownLabels);
        await isolation.close();
      });
      functions.close();
      leases.close();
      code.close();
      await images.settled();
      // Last: nothing of this installation outlives it, not even a holder whose start failed as the network went.
      await removeOrphanContainers(docker, ownLabels).catch((error: unknown) => logger.warn({ err: error }, 'Could not remove every container'));
      driver.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
