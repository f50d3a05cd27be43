import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Server } from 'node:http';
import Dockerode from 'dockerode';
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import { loadInstanceId } from '../config/instance-id.js';
import { getRunnableArchitectures } from '../control-plane/architecture-support.js';
import { CodeStore } from '../control-plane/code/code-store.js';
import { OptTrees } from '../control-plane/code/opt-trees.js';
import { RedisLayerStore } from '../control-plane/store/redis-layer-store.js';
import { getVersionOf, type Architecture } from '../control-plane/function-model.js';
import { RedisFunctionStore } from '../control-plane/store/redis-function-store.js';
import { LABELS } from '../docker/container-driver.js';
import { DockerodeContainerDriver } from '../docker/dockerode-container-driver.js';
import { DockerStemCells } from '../docker/docker-stem-cells.js';
import { FifoOutputPipes } from '../docker/fifo-output-pipes.js';
import { fetchHostFacts } from '../docker/host-architectures.js';
import { DockerImageInspector } from '../docker/docker-image-inspector.js';
import type { ImageInspector } from '../control-plane/code/image-code.js';
import { getRuntimeImage, getRuntimeImageTag, RUNTIME_IMAGES, RuntimeImageBuilds } from '../docker/images/index.js';
import { createDiskHost, LoopScratchDisks, probeLoopDevices, type DiskHost } from '../docker/loop-scratch-disks.js';
import { DataDirPaths, resolveEnginePaths } from '../docker/engine-paths.js';
import { withExtraLabels } from '../docker/labelled-engine.js';
import { TmpfsScratchDisks } from '../docker/tmpfs-scratch-disks.js';
import type { ScratchDiskProvider } from '../docker/container-driver.js';
import { NetworkHolderPool } from '../docker/network-holder-pool.js';
import { removeOrphanContainers } from '../docker/reaper.js';
import { ScratchDiskPool } from '../docker/scratch-disk-pool.js';
import { RedisConcurrencyLeases } from '../invocation/concurrency/redis-concurrency-leases.js';
import { HostFolderWatcher } from '../invocation/host-folder-watcher.js';
import { LocalExecutor } from '../invocation/local-executor.js';
import type { Logger } from '../observability/logger.js';
import { RuntimeApiServer } from '../runtime-api/runtime-api-server.js';
import { SandboxPool } from '../sandbox/sandbox-pool.js';
import { StemCellPool } from '../sandbox/stem-cell-pool.js';
import { RedisWarmRegistry } from '../scheduler/redis-warm-registry.js';
import { RedisWorkerRegistry } from '../scheduler/redis-worker-registry.js';
import { CredentialMinter, deriveCredentialKey } from '../permissions/credentials/credential-minter.js';
import { isInAnySubnet } from '../shared/ipv4-subnet.js';
import { Semaphore } from '../shared/semaphore.js';
import { REPO_ROOT } from './repo-root.js';
import { openSandboxIsolation } from './sandbox-isolation.js';
import type { RuntimeApiAddress } from './runtime-api-address.js';

/** What owns one Docker engine's sandboxes: the pool, its code, its concurrency leases, its isolation. */
export interface WorkerNode {
  instanceId: string;
  docker: Dockerode;
  pool: SandboxPool;
  /** Parked generic containers cold starts claim (none when LAMBDOCK_STEM_CELLS is 0). */
  stemCells: StemCellPool | undefined;
  code: CodeStore;
  executor: LocalExecutor;
  /** One build per runtime image: a function waits for its own runtime's image only. */
  images: RuntimeImageBuilds;
  /** Where sandboxes reach this host (their Runtime APIs, and lambdock's endpoint for them). */
  runtimeApiAddress: RuntimeApiAddress;
  /** Mints (and checks) the execution-role credentials of this worker's environments. */
  minter: CredentialMinter;
  /** Finds the images of container-image functions on this worker's engine. */
  imageInspector: ImageInspector;
  runnableArchitectures: readonly Architecture[];
  /** Role worker: where this worker reports its idle environments for api processes to place invocations. */
  warm: RedisWarmRegistry | undefined;
  /** Drops every connection to `server` that comes from a sandbox (function code never reaches lambdock). */
  guard(server: Server): void;
  /** Stops the leases, waits up to `drainTimeoutMs` for invocations (`front` closing meanwhile), removes everything. */
  close(front: { closing: Promise<unknown>; forceClose: () => void }, drainTimeoutMs: number): Promise<void>;
}

/**
 * Whether sandboxes get loop disks or a tmpfs at /tmp (LAMBDOCK_TMP): 'auto' tries to attach a loop
 * device once, here, and settles for tmpfs (one warning) when it cannot.
 */
async function chooseTmpMode(config: Config, host: DiskHost, dir: string, logger: Logger): Promise<'loop' | 'tmpfs'> {
  if (config.tmpMode === 'tmpfs') return 'tmpfs';
  const refused = await probeLoopDevices(host, dir);
  if (refused === undefined) return 'loop';
  if (config.tmpMode === 'loop') {
    throw new Error(
      `LAMBDOCK_TMP=loop, but lambdock cannot attach a loop device (${refused}). In a container it needs CAP_SYS_ADMIN, ` +
        "the loop devices (device cgroup rules 'b 7:* rmw' and 'c 10:237 rmw') and the host's /dev; " +
        'or set LAMBDOCK_TMP=auto or tmpfs.',
    );
  }
  logger.warn(
    { reason: refused },
    'Cannot attach loop devices: sandboxes get a tmpfs /tmp of their EphemeralStorage size, whose pages count against ' +
      "the function's memory (a function that fills /tmp can run out of memory sooner than on AWS). " +
      'Give lambdock CAP_SYS_ADMIN, the loop devices and /dev for loop disks, or set LAMBDOCK_TMP=tmpfs to silence this.',
  );
  return 'tmpfs';
}

export async function startWorkerNode(config: Config, redis: Redis, logger: Logger, engine: Dockerode): Promise<WorkerNode> {
  const docker = withExtraLabels(engine, config.extraLabels);
  const instanceId = config.instanceId ?? (await loadInstanceId(config.dataDir));
  const ownLabels = [`${LABELS.managed}=true`, `${LABELS.instance}=${instanceId}`];
  const diskHost = createDiskHost(docker);
  const scratch = new LoopScratchDisks(diskHost, config.dataDir, instanceId);
  // Before anything is bound into a sandbox: a data dir the engine cannot see stops the start here.
  const enginePaths = await resolveEnginePaths(docker, config.dataDir, config.dataDirOnEngine);
  if (enginePaths instanceof DataDirPaths && enginePaths.engineDir !== enginePaths.localDir) {
    logger.info({ dataDir: config.dataDir, onEngine: enginePaths.engineDir }, 'The data dir is elsewhere on the engine: sandbox binds use its path there');
  }
  const driver = new DockerodeContainerDriver(docker, instanceId, config.cgroupRoot, {
    enginePaths,
    onLateCreate: (name, error) =>
      error === undefined
        ? logger.warn({ container: name }, 'Removed a container the engine created after its caller gave up')
        : logger.error({ err: error, container: name }, 'Could not remove a container the engine created after its caller gave up'),
    freezeMode: config.freezeMode,
    onFreezeFallback: (container, reason) =>
      logger.warn({ container, reason }, 'Cannot freeze a sandbox through its freezer cgroup; such sandboxes are frozen with docker pause (logged once)'),
  });
  // Whatever the freeze mode: an earlier run in mode 'cgroup' may have left frozen containers the engine lists as running.
  let thawed = 0;
  const orphans = {
    thawRunning: async (id: string) => {
      if (await driver.thawOrphan(id)) thawed += 1;
    },
  };
  const swept = await removeOrphanContainers(docker, ownLabels, orphans);
  const sweptDisks = await scratch.removeOrphans().catch((error: unknown) => {
    logger.warn({ err: error }, 'Could not remove every /tmp disk of an earlier run');
    return 0;
  });
  if (swept + sweptDisks > 0) logger.info({ instanceId, containers: swept, thawed, disks: sweptDisks }, 'Removed orphans of an earlier run');

  const isolation = await openSandboxIsolation(docker, { ...config, instanceId }, logger);
  const { runtimeApiAddress, network: sandboxNetwork } = isolation;
  await driver.openEvents();
  const tmpMode = await chooseTmpMode(config, diskHost, scratch.dir, logger);
  const scratchPool = new ScratchDiskPool(scratch, {
    sparesPerSize: config.tmpSparesPerSize,
    warmSizesMb: [512],
    recentSizes: 3,
    sizeIdleMs: 10 * 60_000,
    maxDisks: config.maxLoopDevices,
    labels: { [LABELS.managed]: 'true', [LABELS.instance]: instanceId },
    onError: (error) => logger.warn({ err: error }, 'A spare /tmp disk could not be made or removed'),
  });
  if (tmpMode === 'loop') void scratchPool.warm();
  const scratchDisks: ScratchDiskProvider = tmpMode === 'loop' ? scratchPool : new TmpfsScratchDisks();

  const networkHolders = new NetworkHolderPool(driver, {
    image: getRuntimeImageTag('provided.al2023') ?? 'lambdock-runtime:provided',
    network: sandboxNetwork.name,
    instanceId,
    spares: 2,
    onError: (error) => logger.warn({ err: error }, 'Could not start a spare network holder'),
  });
  // Built at startup and again by the next activation that needs one if that failed (a failed build must
  // not fail every later create until a restart); concurrent activations share one build. Each image on
  // its own: one this host cannot build fails only the functions of its runtimes.
  const holderFamily = getRuntimeImage('provided.al2023')?.family;
  const images = RuntimeImageBuilds.forDocker(docker, {
    enabled: config.buildImagesOnStart,
    runtimesDir: path.join(REPO_ROOT, 'runtimes'),
    dockerBaseDir: path.join(REPO_ROOT, 'docker', 'base'),
    logger: { info: (obj, msg) => logger.info(obj, msg) },
    onReady: (image) => {
      if (image.family === holderFamily) void networkHolders.warm();
    },
  });
  void images.startAll().then((outcomes) => {
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') return;
      logger.error({ err: outcome.reason, tag: RUNTIME_IMAGES[index]?.tag }, 'Could not build a runtime image');
    });
  });

  // Code references are counted in Redis with the records that hold them, whichever process wrote them.
  const references = new RedisFunctionStore(redis, config.redisPrefix);
  // A tree stays while a sandbox has it mounted (the pool is made below; sandboxes exist only once it is).
  let sandboxes: SandboxPool | undefined;
  const code = new CodeStore(config.dataDir, {
    references,
    isTreeInUse: (tree) => sandboxes?.list().some((sandbox) => sandbox.plan.codeDir === tree) ?? false,
    onError: (error, sha256Hex) => logger.warn({ err: error, sha256Hex }, 'Could not remove unreferenced code'),
  });
  await references.restoreCodeReferences();
  await new RedisLayerStore(redis, config.redisPrefix).restoreCodeReferences();
  const sweptCode = await code.sweep();
  if (sweptCode > 0) logger.info({ entries: sweptCode }, 'Removed unreferenced code');
  const opt = new OptTrees(config.dataDir, code, {
    isTreeInUse: (tree) => sandboxes?.list().some((sandbox) => sandbox.plan.optDir === tree) ?? false,
    onError: (error) => logger.warn({ err: error }, 'Could not remove an unused /opt tree'),
  });
  await opt.sweep();
  const runnableArchitectures = getRunnableArchitectures(await fetchHostFacts(docker));

  // Alone (role all), the process places its invocations itself: nobody reads a warm registry.
  const warm =
    config.role === 'worker'
      ? new RedisWarmRegistry(redis, config.redisPrefix, instanceId, (error) => logger.warn({ err: error }, 'Could not write the warm registry'))
      : undefined;
  const outputs = new FifoOutputPipes(config.dataDir);
  const stemCells = await openStemCells(config, logger, {
    factory: new DockerStemCells(driver, scratchDisks, networkHolders, outputs, { dataDir: config.dataDir, shim: loadStemShim() }),
    mayGrow: (need) => sandboxes?.hasRoomFor(need) ?? false,
  });
  const pool = new SandboxPool({
    driver,
    scratch: scratchDisks,
    network: networkHolders,
    outputs,
    ...(stemCells === undefined ? {} : { stemCells }),
    createRuntimeApi: (apiOptions) => new RuntimeApiServer({ ...apiOptions, ports: config.runtimeApiPorts }),
    starts: new Semaphore(config.maxConcurrentStarts),
    logSink: (line) => logger.info({ stream: 'function' }, line),
    onStarted: (sandbox, phases) =>
      logger.debug({ sandboxId: sandbox.id, functionName: sandbox.plan.functionName, phases }, 'Started sandbox'),
    onOperationError: (error, sandbox, operation) =>
      logger.error({ err: error, sandboxId: sandbox.id, functionName: sandbox.plan.functionName, operation }, 'Sandbox operation failed'),
  }, {
    memoryBudgetMb: config.memoryBudgetMb,
    tmpBudgetMb: config.tmpBudgetMb,
    maxConcurrentLaunches: config.maxConcurrentStarts,
    maxQueueWaitMs: config.queueWaitMs,
    ...(warm === undefined ? {} : { onOccupancy: (key, occupancy) => warm.report(key, occupancy) }),
  });
  sandboxes = pool;

  const leases = new RedisConcurrencyLeases(redis, config.redisPrefix, {
    accountLimit: config.accountConcurrency,
    onRenewError: (error) => logger.warn({ err: error }, 'Could not renew or return concurrency leases'),
  });
  // Hot reload: a change in a code folder retires the environments that run it (the next invoke has the new code).
  const folders = new HostFolderWatcher(
    (users) => {
      for (const user of users) {
        logger.info(user, 'Hot reload: the code folder changed; retiring its environments');
        pool.retireFunction(user.functionName, user.version);
      }
    },
    (error, folder) => logger.warn({ err: error, folder }, 'Hot reload: cannot watch this code folder (changes will not retire its environments)'),
  );
  // Every process on this Redis derives the same key: any of them can check what another minted.
  const minter = new CredentialMinter(deriveCredentialKey(await new RedisWorkerRegistry(redis, config.redisPrefix).fetchToken()));
  const executor = new LocalExecutor(
    code,
    opt,
    pool,
    leases,
    {
      region: config.region,
      instanceId,
      runtimeApiBindHost: runtimeApiAddress.bind,
      runtimeApiAdvertiseHost: runtimeApiAddress.advertise,
      pauseGraceMs: config.pauseGraceMs,
      idleKeepAliveMs: config.idleKeepAliveMs,
      accountId: config.accountId,
      credentials: { mint: (claims) => minter.mint(claims), ttlMs: config.credentialsTtlMs },
    },
    (runtime) => getRuntimeImageTag(runtime) ?? runtime,
    (folder, record) => folders.watch(folder, { functionName: record.name, version: getVersionOf(record) }),
  );

  return {
    instanceId,
    docker,
    pool,
    stemCells,
    code,
    executor,
    images,
    minter,
    runtimeApiAddress,
    imageInspector: new DockerImageInspector(docker, { [LABELS.managed]: 'true', [LABELS.instance]: instanceId, [LABELS.role]: 'image-check' }),
    runnableArchitectures,
    warm,
    guard(server) {
      // Whatever LAMBDOCK_HOST says and whichever of the host's addresses it aims at: drop every peer on
      // the sandbox network, and everything arriving on the address sandboxes reach lambdock at.
      server.on('connection', (socket) => {
        const local = socket.localAddress?.replace(/^::ffff:/, '');
        if (isInAnySubnet(socket.remoteAddress, sandboxNetwork.subnets) || local === runtimeApiAddress.advertise) socket.destroy();
      });
    },
    async close(front, drainTimeoutMs) {
      // Stop taking requests and retire every environment; running invocations may finish, within limits.
      const drained = await Promise.race([
        Promise.all([front.closing, pool.drain()]).then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), drainTimeoutMs).unref()),
      ]);
      if (!drained) {
        front.forceClose();
        await front.closing.catch(() => undefined);
      }
      // Parked stem cells hold disks and network holders: they go first.
      await stemCells?.close();
      await Promise.all([scratchPool.close(), networkHolders.close()]);
      if (!drained) {
        await removeOrphanContainers(docker, ownLabels, orphans);
        await scratch.removeOrphans().catch((error: unknown) => logger.warn({ err: error }, 'Could not remove every /tmp disk'));
      }
      await isolation.close().catch(async () => {
        // A container still on the network (a holder made while closing) keeps it: remove those, then retry.
        await removeOrphanContainers(docker, ownLabels, orphans);
        await isolation.close();
      });
      leases.close();
      folders.close();
      code.close();
      opt.close();
      await images.settled();
      // Last: nothing of this installation outlives it, not even a holder whose start failed as the network went.
      await removeOrphanContainers(docker, ownLabels, orphans).catch((error: unknown) => logger.warn({ err: error }, 'Could not remove every container'));
      driver.close();
    },
  };
}

/**
 * The Node.js runtimes' stem-cell shim, delivered into each stem cell's output folder: it is no part of
 * any image (nor of an image's build context, whose change would rebuild the image).
 */
function loadStemShim(): { wrapper: string; shim: string; execShim: string } {
  const dir = path.join(REPO_ROOT, 'runtimes', 'stem-cells');
  const read = (...parts: string[]) => readFileSync(path.join(dir, ...parts), 'utf8');
  return { wrapper: read('nodejs', 'stem-wrapper'), shim: read('nodejs', 'stem.mjs'), execShim: read('exec', 'stem.sh') };
}

/**
 * The stem cells of this worker (LAMBDOCK_STEM_CELLS per runtime image and memory class in use), after
 * removing the slots an earlier run left; none when the setting is 0.
 */
async function openStemCells(
  config: Config,
  logger: Logger,
  parts: { factory: DockerStemCells; mayGrow: (need: { memoryMb: number; tmpMb: number }) => boolean },
): Promise<StemCellPool | undefined> {
  await rm(path.join(config.dataDir, 'stem'), { recursive: true, force: true });
  if (config.stemCells === 0) return undefined;
  return new StemCellPool(parts.factory, {
    perKey: config.stemCells,
    idleMs: config.stemCellIdleMs,
    mayGrow: parts.mayGrow,
    onError: (error) => logger.warn({ err: error }, 'Could not make or remove a stem cell'),
  });
}
