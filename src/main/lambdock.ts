import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Dockerode from 'dockerode';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../api/app.js';
import type { Config } from '../config/config.js';
import { CodeStore } from '../control-plane/code/code-store.js';
import { FunctionService } from '../control-plane/function-service.js';
import { RedisFunctionStore } from '../control-plane/store/redis-function-store.js';
import { LABELS } from '../docker/container-driver.js';
import { DockerodeContainerDriver } from '../docker/dockerode-container-driver.js';
import { ensureRuntimeImages, getRuntimeImageTag } from '../docker/images/index.js';
import { LoopScratchDisks } from '../docker/loop-scratch-disks.js';
import { FifoOutputPipes } from '../docker/fifo-output-pipes.js';
import { NetworkHolderPool } from '../docker/network-holder-pool.js';
import { ScratchDiskPool } from '../docker/scratch-disk-pool.js';
import { removeOrphanContainers } from '../docker/reaper.js';
import { InvokeService } from '../invocation/invoke-service.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { resolveRuntimeApiAddress } from './runtime-api-address.js';
import { RuntimeApiServer } from '../runtime-api/runtime-api-server.js';
import { SandboxPool } from '../sandbox/sandbox-pool.js';

/** The repository root (src/main or dist/main are two levels down). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Lambdock {
  readonly url: string;
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
  const docker = new Dockerode();
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3, enableOfflineQueue: true, lazyConnect: true });
  redis.on('error', (error) => logger.warn({ err: error }, 'Redis connection error'));
  await redis.connect();

  const instanceLabel = `${LABELS.instance}=${config.instanceId}`;
  const scratch = new LoopScratchDisks(docker, config.dataDir);
  const swept = await removeOrphanContainers(docker, [instanceLabel]);
  const sweptDisks = await scratch.removeOrphans([instanceLabel]);
  if (swept + sweptDisks > 0) logger.info({ containers: swept, disks: sweptDisks }, 'Removed orphans of an earlier run');

  const runtimeApiAddress = await resolveRuntimeApiAddress(docker, config);
  const driver = new DockerodeContainerDriver(docker, config.instanceId, config.cgroupRoot);
  await driver.openEvents();
  const scratchPool = new ScratchDiskPool(scratch, {
    sparesPerSize: 2,
    warmSizesMb: [512],
    labels: { [LABELS.managed]: 'true', [LABELS.instance]: config.instanceId },
    onError: (error) => logger.warn({ err: error }, 'Could not prepare a spare /tmp disk'),
  });
  void scratchPool.warm();

  const images = config.buildImagesOnStart
    ? ensureRuntimeImages(docker, {
        runtimesDir: path.join(REPO_ROOT, 'runtimes'),
        dockerBaseDir: path.join(REPO_ROOT, 'docker', 'base'),
        logger: { info: (obj, msg) => logger.info(obj, msg) },
      })
    : Promise.resolve([]);
  images.catch((error: unknown) => logger.error({ err: error }, 'Could not build the runtime images'));
  const networkHolders = new NetworkHolderPool(driver, {
    image: getRuntimeImageTag('provided.al2023') ?? 'lambdock-runtime:provided',
    network: config.sandboxNetwork,
    instanceId: config.instanceId,
    spares: 2,
    onError: (error) => logger.warn({ err: error }, 'Could not start a spare network holder'),
  });
  void images.then(() => networkHolders.warm(), () => undefined);

  const code = new CodeStore(config.dataDir);
  const scope = { region: config.region, accountId: config.accountId };
  const functions = new FunctionService(
    new RedisFunctionStore(redis, config.redisPrefix),
    code,
    scope,
    async () => {
      await images;
    },
    (error, name) => logger.error({ err: error, functionName: name }, 'Function preparation failed'),
  );

  const pool = new SandboxPool(
    {
      driver,
      scratch: scratchPool,
      network: networkHolders,
      outputs: new FifoOutputPipes(config.dataDir),
      createRuntimeApi: (apiOptions) => new RuntimeApiServer(apiOptions),
      logSink: (line) => logger.info({ stream: 'function' }, line),
      onStarted: (sandbox, phases) =>
        logger.debug({ sandboxId: sandbox.id, functionName: sandbox.plan.functionName, phases }, 'Started sandbox'),
      onOperationError: (error, sandbox, operation) =>
        logger.error({ err: error, sandboxId: sandbox.id, functionName: sandbox.plan.functionName, operation }, 'Sandbox operation failed'),
    },
    { maxConcurrency: config.accountConcurrency },
  );
  functions.addListener({
    functionChanged: (name) => pool.retireFunction(name),
    functionDeleted: (name) => pool.retireFunction(name),
  });

  const invoker = new InvokeService(
    functions,
    code,
    pool,
    {
      region: config.region,
      instanceId: config.instanceId,
      runtimeApiBindHost: runtimeApiAddress.bind,
      runtimeApiAdvertiseHost: runtimeApiAddress.advertise,
      pauseGraceMs: config.pauseGraceMs,
      idleKeepAliveMs: config.idleKeepAliveMs,
    },
    (runtime) => getRuntimeImageTag(runtime) ?? runtime,
  );

  const app = buildApi({
    functions,
    invoker,
    code,
    concurrency: config.accountConcurrency,
    logger,
    health: async () => {
      const [redisState, dockerState] = await Promise.all([probe(redis.ping()), probe(docker.ping())]);
      return { redis: redisState, docker: dockerState };
    },
  });
  // Sandboxes reach lambdock at the Runtime API address: the Lambda API is never served there, whatever
  // LAMBDOCK_HOST says, so function code cannot call the control plane.
  app.server.on('connection', (socket) => {
    if (socket.localAddress?.replace(/^::ffff:/, '') === runtimeApiAddress.advertise) socket.destroy();
  });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  const resumed = await functions.resumeUnfinished();
  logger.info({ url, instanceId: config.instanceId, resumed }, 'lambdock is listening');

  return {
    url,
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
        await removeOrphanContainers(docker, [instanceLabel]);
        await scratch.removeOrphans([instanceLabel]);
      }
      driver.close();
      await images.catch(() => undefined);
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
