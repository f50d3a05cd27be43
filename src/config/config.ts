import { statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The only code that reads process.env. Every setting lambdock understands is here, with its default.
 */
/** What a lambdock process runs: the Lambda API, a worker owning one engine's sandboxes, or both. */
export type Role = 'all' | 'api' | 'worker';

export interface Config {
  role: Role;
  /** A worker's internal execution endpoint (not the Lambda API): its port (0 picks a free one). */
  workerPort: number;
  /** How api processes reach this worker; by default its bind address and port. */
  workerUrl?: string;
  /** How workers reach the api's code downloads (and, with its port, its endpoint for sandboxes); by default the address the api listens on. */
  apiUrl?: string;
  /**
   * Role api: the port of its endpoint for sandboxes (on `host`), where workers forward their sandboxes'
   * calls; 0 picks a free one. Every api process publishes where it is in Redis.
   */
  apiSandboxPort: number;
  /** API listen address; 127.0.0.1 unless told otherwise: whoever reaches the API can run code. */
  host: string;
  port: number;
  redisUrl: string;
  /** Prefix for every Redis key, so several installations (or test runs) can share one Redis. */
  redisPrefix: string;
  /** Longest wait for one Redis command: a Redis that stops answering fails requests with a 500, not a hang. */
  redisCommandTimeoutMs: number;
  /** Longest a non-invoke API request may take before it is answered with a 500 ServiceException. */
  apiRequestTimeoutMs: number;
  dataDir: string;
  region: string;
  accountId: string;
  /**
   * Docker network the sandboxes join, when LAMBDOCK_SANDBOX_NETWORK names one; unset, lambdock creates one
   * for itself (getOwnSandboxNetworkName of the instance id) and removes it on close.
   */
  sandboxNetwork: string | undefined;
  /** True when lambdock creates the sandbox network itself (LAMBDOCK_SANDBOX_NETWORK unset). */
  sandboxNetworkOwned: boolean;
  /**
   * 'blocked': sandboxes reach nothing on the host but their own Runtime API (firewall rules on lambdock's
   * own network), and not each other. 'open': whatever the host serves on the network's gateway.
   */
  sandboxHostAccess: SandboxHostAccess;
  /** Ports the Runtime API servers take theirs from (the only host ports sandboxes may reach). */
  runtimeApiPorts: PortRange;
  /**
   * Port of lambdock's endpoint for sandboxes (their AWS_ENDPOINT_URL: Lambda and the queue, for callers
   * with an environment's credentials), on the Runtime API address; 0: a free port of runtimeApiPorts.
   */
  sandboxApiPort: number;
  /** How long an environment's execution-role credentials are valid (it is retired before they expire). */
  credentialsTtlMs: number;
  /** Address the per-sandbox Runtime API servers bind to, and the one advertised to sandboxes. */
  runtimeApiBindHost: string;
  runtimeApiAdvertiseHost: string;
  /** Set by the environment; otherwise, running in a container, lambdock uses its address on the sandbox network. */
  runtimeApiHostExplicit: boolean;
  /** Idle time before a sandbox is frozen (see freezeMode). */
  pauseGraceMs: number;
  /**
   * How idle sandboxes are frozen and thawed: 'docker' with the engine's pause and unpause; 'cgroup' by
   * writing their freezer cgroup under cgroupRoot directly (faster thaws; `docker pause` for a container
   * whose cgroup lambdock cannot write).
   */
  freezeMode: FreezeMode;
  /** Idle time before a sandbox is removed. */
  idleKeepAliveMs: number;
  /**
   * Label value that ties containers, volumes and /tmp disks to one lambdock installation. Unset: the id
   * the installation generated once and keeps in `<dataDir>/instance-id` (see loadInstanceId).
   */
  instanceId: string | undefined;
  /** Loop devices (the /tmp disks of environments, spares included) lambdock holds at most. */
  maxLoopDevices: number;
  /** Spare /tmp disks kept ready per size in recent use. */
  tmpSparesPerSize: number;
  /**
   * Stem cells (parked generic runtime containers a cold start claims instead of creating one) kept per
   * runtime image and memory class in use; 0: none.
   */
  stemCells: number;
  /** A runtime image and memory class whose stem cells are not claimed for this long loses them. */
  stemCellIdleMs: number;
  /**
   * What backs the sandboxes' size-limited /tmp: 'loop' an ext4 image on a loop device (outside the
   * function's memory), 'tmpfs' a tmpfs of EphemeralStorage MB (its pages count against the function's
   * memory), 'auto' loop devices when this process can attach them, else tmpfs.
   */
  tmpMode: TmpMode;
  /**
   * Extra labels on every container, network and volume lambdock creates (LAMBDOCK_LABELS), besides its
   * own: so that a reaper that removes by label (testcontainers' Ryuk) removes the sandboxes too.
   */
  extraLabels: Readonly<Record<string, string>>;
  /**
   * Where the data dir is in the engine's filesystem (LAMBDOCK_DATA_DIR_ON_ENGINE), for setups where
   * lambdock cannot find it by inspecting its own container; unset, found that way (or the data dir itself).
   */
  dataDirOnEngine: string | undefined;
  /** Build missing runtime images at startup. */
  buildImagesOnStart: boolean;
  accountConcurrency: number;
  /**
   * The memory (MB) a worker's environments may take together: a running one by its MemorySize, a frozen
   * one by what its cgroup was charged as it froze (see Sandbox.charge); idle ones are evicted past it.
   */
  memoryBudgetMb: number;
  /** What a worker's environments' /tmp disks may take together, in MB: EphemeralStorage, a frozen one's by what its disk image holds. */
  tmpBudgetMb: number;
  /** Container starts in flight on the engine at once; the rest queue (a burst of cold starts). */
  maxConcurrentStarts: number;
  /** How long an invocation may wait for an environment of its function (a burst) before it is throttled. */
  queueWaitMs: number;
  /** Asynchronous (Event) invocations: the queue's timings. */
  async: AsyncConfig;
  /** Hot reload: functions whose code is a host folder (`Code.S3Bucket` = bucket, `S3Key` = the folder). */
  hotReload: { bucket: string; allowedPaths: readonly string[] };
  /** What PutFunctionConcurrency must leave unreserved (AWS: 100). */
  minUnreservedConcurrency: number;
  logLevel: string;
  /** Where the host's cgroup tree is visible (sandboxes' peak memory for REPORT lines, freezeMode 'cgroup'). */
  cgroupRoot: string;
  /** Who may call the public API (the Lambda and SQS routes; /health stays open). */
  auth: AuthConfig;
  /**
   * 'off': any authenticated caller may call anything (functions: the data plane only). 'enforce': AWS's
   * policy evaluation (execution roles' policies, functions' resource policies), and CreateFunction needs
   * a role that exists.
   */
  iamMode: 'off' | 'enforce';
}

/** 'off': anyone who reaches the API. 'sigv4': requests signed (AWS Signature Version 4) with one of the access keys. */
export type AuthMode = 'off' | 'sigv4';

export interface AuthConfig {
  mode: AuthMode;
  /** The secret of each access key id (LAMBDOCK_ACCESS_KEYS). */
  accessKeys: Readonly<Record<string, string>>;
  /** The account of access keys that are another account's (LAMBDOCK_ACCESS_KEY_ACCOUNTS); the rest are the installation's. */
  keyAccounts: Readonly<Record<string, string>>;
}

/** What an instance id may look like: it goes into labels, volume names and image file names. */
export const INSTANCE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** The network lambdock creates for an installation's sandboxes. */
export function getOwnSandboxNetworkName(instanceId: string): string {
  return `lambdock-sandboxes-${instanceId.replace(/[^a-zA-Z0-9_.-]/g, '-')}`;
}

export type SandboxHostAccess = 'blocked' | 'open';

export type FreezeMode = 'docker' | 'cgroup';

export type TmpMode = 'auto' | 'loop' | 'tmpfs';

export interface PortRange {
  first: number;
  last: number;
}

/** The timings of asynchronous invocation (AWS's by default; tests shorten them). */
export interface AsyncConfig {
  /** The waits before the 2nd and the 3rd attempt of an event whose function failed (AWS: about 1 and 2 minutes). */
  retryDelaysMs: readonly [number, number];
  /** A throttled event (or one lambdock failed to run) waits this long before its next try, doubling each time… */
  backoffMinMs: number;
  /** …up to this (AWS: 5 minutes). */
  backoffMaxMs: number;
  /** Events one api process runs at once (each waits for an environment as a synchronous invocation does). */
  concurrency: number;
  /** How long until the events a crashed api process was running are taken up again. */
  lockMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function int(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${key} must be an integer between ${min} and ${max}, got '${raw}'`);
  }
  return value;
}

function delays(env: Env, key: string, fallback: readonly [number, number]): readonly [number, number] {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const parts = raw.split(',').map((part) => Number(part.trim()));
  if (parts.length !== 2 || parts.some((ms) => !Number.isInteger(ms) || ms < 0 || ms > 3_600_000)) {
    throw new ConfigError(`${key} must be two waits in milliseconds such as 60000,120000, got '${raw}'`);
  }
  return [parts[0] as number, parts[1] as number];
}

/** Absolute folders, separated by commas (or colons, as in PATH). */
function folders(env: Env, key: string): string[] {
  const list = (env[key] ?? '').split(/[,:]/).map((part) => part.trim()).filter((part) => part !== '');
  const relative = list.find((folder) => !path.isAbsolute(folder));
  if (relative !== undefined) throw new ConfigError(`${key} must list absolute folders, got '${relative}'`);
  return list;
}

function absoluteOrUnset(env: Env, key: string): string | undefined {
  const raw = env[key];
  if (raw === undefined || raw === '') return undefined;
  if (!path.isAbsolute(raw)) throw new ConfigError(`${key} must be an absolute path, got '${raw}'`);
  return path.resolve(withHostname(raw));
}

function bool(env: Env, key: string, fallback: boolean): boolean {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw new ConfigError(`${key} must be true or false, got '${raw}'`);
}

function portRange(env: Env, key: string, fallback: PortRange): PortRange {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const match = /^(\d+)-(\d+)$/.exec(raw);
  const first = Number(match?.[1]);
  const last = Number(match?.[2]);
  if (!match || first < 1024 || last > 65535 || last - first < 15) {
    throw new ConfigError(`${key} must be a range of at least 16 ports within 1024-65535 such as 20000-29999, got '${raw}'`);
  }
  return { first, last };
}

function role(env: Env, override: string | undefined): Role {
  const raw = override ?? env.LAMBDOCK_ROLE;
  if (raw === undefined || raw === '' || raw === 'all') return 'all';
  if (raw === 'api' || raw === 'worker') return raw;
  throw new ConfigError(`the role must be all, api or worker, got '${raw}'`);
}

function hostAccess(env: Env): SandboxHostAccess {
  const raw = env.LAMBDOCK_SANDBOX_HOST_ACCESS;
  if (raw === undefined || raw === '' || raw === 'blocked') return 'blocked';
  if (raw === 'open') return 'open';
  throw new ConfigError(`LAMBDOCK_SANDBOX_HOST_ACCESS must be blocked or open, got '${raw}'`);
}

/** An access key id as AWS's IAM model bounds it (16-128 word characters); shorter ones (`test`) are allowed. */
const ACCESS_KEY_ID_PATTERN = /^\w{1,128}$/;

function freezeMode(env: Env): FreezeMode {
  const raw = env.LAMBDOCK_FREEZE;
  if (raw === undefined || raw === '' || raw === 'docker') return 'docker';
  if (raw === 'cgroup') return 'cgroup';
  throw new ConfigError(`LAMBDOCK_FREEZE must be docker or cgroup, got '${raw}'`);
}

function tmpMode(env: Env): TmpMode {
  const raw = env.LAMBDOCK_TMP;
  if (raw === undefined || raw === '' || raw === 'auto') return 'auto';
  if (raw === 'loop' || raw === 'tmpfs') return raw;
  throw new ConfigError(`LAMBDOCK_TMP must be auto, loop or tmpfs, got '${raw}'`);
}

/** What the engine accepts as a label key (and what a reaper's filter can name): no '=' or ','. */
const LABEL_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_./-]*$/;

/** `LAMBDOCK_LABELS`: `key=value,key2=value2` (a value may be empty, it holds no comma). */
function extraLabels(env: Env): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const entry of (env.LAMBDOCK_LABELS ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const equals = entry.indexOf('=');
    const key = equals === -1 ? entry : entry.slice(0, equals);
    if (equals === -1 || !LABEL_KEY_PATTERN.test(key)) {
      throw new ConfigError(`LAMBDOCK_LABELS must list key=value pairs separated by commas, got '${entry}'`);
    }
    if (key.startsWith('lambdock.')) throw new ConfigError(`LAMBDOCK_LABELS cannot set lambdock's own label '${key}'`);
    labels[key] = entry.slice(equals + 1);
  }
  return labels;
}

function iamMode(env: Env): 'off' | 'enforce' {
  const raw = env.LAMBDOCK_IAM;
  if (raw === undefined || raw === '' || raw === 'off') return 'off';
  if (raw === 'enforce') return 'enforce';
  throw new ConfigError(`LAMBDOCK_IAM must be off or enforce, got '${raw}'`);
}

/** `LAMBDOCK_AUTH` and `LAMBDOCK_ACCESS_KEYS` (`AKID:SECRET,AKID2:SECRET2`; a secret may hold a colon, not a comma). */
function auth(env: Env): AuthConfig {
  const raw = env.LAMBDOCK_AUTH;
  const mode = raw === undefined || raw === '' ? 'off' : raw;
  if (mode !== 'off' && mode !== 'sigv4') throw new ConfigError(`LAMBDOCK_AUTH must be off or sigv4, got '${raw}'`);
  const accessKeys: Record<string, string> = {};
  for (const entry of (env.LAMBDOCK_ACCESS_KEYS ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const colon = entry.indexOf(':');
    const id = colon === -1 ? entry : entry.slice(0, colon);
    const secret = colon === -1 ? '' : entry.slice(colon + 1);
    if (!ACCESS_KEY_ID_PATTERN.test(id) || secret === '') {
      throw new ConfigError(`LAMBDOCK_ACCESS_KEYS must list ACCESS_KEY_ID:SECRET pairs separated by commas, got an entry for '${id}'`);
    }
    if (Object.hasOwn(accessKeys, id)) throw new ConfigError(`LAMBDOCK_ACCESS_KEYS lists the access key '${id}' twice`);
    accessKeys[id] = secret;
  }
  const keyAccounts: Record<string, string> = {};
  for (const entry of (env.LAMBDOCK_ACCESS_KEY_ACCOUNTS ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const [id = '', account = ''] = entry.split('=');
    if (!Object.hasOwn(accessKeys, id) || !/^\d{12}$/.test(account)) {
      throw new ConfigError(`LAMBDOCK_ACCESS_KEY_ACCOUNTS must list ACCESS_KEY_ID=<12-digit account> for keys of LAMBDOCK_ACCESS_KEYS, got '${entry}'`);
    }
    keyAccounts[id] = account;
  }
  if (mode === 'sigv4' && Object.keys(accessKeys).length === 0) {
    throw new ConfigError('LAMBDOCK_AUTH=sigv4 needs at least one key in LAMBDOCK_ACCESS_KEYS (ACCESS_KEY_ID:SECRET,…)');
  }
  return { mode, accessKeys, keyAccounts };
}

/** The docker0 bridge address when lambdock runs on the Docker host itself. */
export function detectBridgeAddress(interfaces = os.networkInterfaces()): string | undefined {
  return interfaces.docker0?.find((i) => i.family === 'IPv4')?.address;
}

/** The first non-internal IPv4 address: lambdock's own address on its network when it runs in a container. */
export function detectPrimaryAddress(interfaces = os.networkInterfaces()): string | undefined {
  for (const list of Object.values(interfaces)) {
    const found = list?.find((i) => i.family === 'IPv4' && !i.internal);
    if (found) return found.address;
  }
  return undefined;
}

/**
 * 80% of the space free now on the filesystem of the data dir (or of its nearest existing parent), where
 * the sandboxes' /tmp disk images live; 10 GB when that cannot be read.
 */
function defaultTmpBudgetMb(dataDir: string): number {
  for (let dir = dataDir; ; dir = path.dirname(dir)) {
    try {
      const stats = statfsSync(dir);
      return Math.max(512, Math.floor(((stats.bavail * stats.bsize) / 2 ** 20) * 0.8));
    } catch {
      if (path.dirname(dir) === dir) return 10_240;
    }
  }
}

/**
 * `{hostname}` in a setting becomes this host's name: replicas of one service that share their settings
 * (`docker compose up --scale worker=3`, each container's hostname its own id) get a data dir and an
 * address of their own.
 */
function withHostname(value: string): string {
  return value.replaceAll('{hostname}', os.hostname());
}

/** The configuration from the environment; `roleOverride` is the command line's role (`lambdock worker`). */
export function loadConfig(env: Env = process.env, roleOverride?: string): Config {
  const accountId = env.LAMBDOCK_ACCOUNT_ID ?? '000000000000';
  if (!/^\d{12}$/.test(accountId)) throw new ConfigError(`LAMBDOCK_ACCOUNT_ID must be 12 digits, got '${accountId}'`);
  const region = env.LAMBDOCK_REGION ?? 'us-east-1';
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new ConfigError(`LAMBDOCK_REGION is not a region: '${region}'`);

  const instanceId = env.LAMBDOCK_INSTANCE_ID === '' ? undefined : env.LAMBDOCK_INSTANCE_ID;
  if (instanceId !== undefined && !INSTANCE_ID_PATTERN.test(instanceId)) {
    throw new ConfigError(`LAMBDOCK_INSTANCE_ID must be 1-63 letters, digits, '_', '.' or '-', got '${instanceId}'`);
  }
  const bind = env.LAMBDOCK_RUNTIME_API_HOST ?? detectBridgeAddress() ?? '0.0.0.0';
  const advertise =
    env.LAMBDOCK_RUNTIME_API_ADVERTISE ?? (bind === '0.0.0.0' ? detectPrimaryAddress() ?? '127.0.0.1' : bind);

  const network = env.LAMBDOCK_SANDBOX_NETWORK;
  const dataDir = path.resolve(withHostname(env.LAMBDOCK_DATA_DIR ?? path.join(process.cwd(), '.data')));
  return {
    role: role(env, roleOverride),
    workerPort: int(env, 'LAMBDOCK_WORKER_PORT', 9001, 0, 65535),
    ...(env.LAMBDOCK_WORKER_URL === undefined || env.LAMBDOCK_WORKER_URL === '' ? {} : { workerUrl: withHostname(env.LAMBDOCK_WORKER_URL) }),
    ...(env.LAMBDOCK_API_URL === undefined || env.LAMBDOCK_API_URL === '' ? {} : { apiUrl: env.LAMBDOCK_API_URL }),
    host: env.LAMBDOCK_HOST ?? '127.0.0.1',
    port: int(env, 'LAMBDOCK_PORT', 9000, 0, 65535),
    apiSandboxPort: int(env, 'LAMBDOCK_API_SANDBOX_PORT', 0, 0, 65535),
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisPrefix: env.LAMBDOCK_REDIS_PREFIX ?? 'lambdock',
    redisCommandTimeoutMs: int(env, 'LAMBDOCK_REDIS_COMMAND_TIMEOUT_MS', 2_000, 100, 60_000),
    apiRequestTimeoutMs: int(env, 'LAMBDOCK_API_REQUEST_TIMEOUT_MS', 30_000, 1_000, 600_000),
    dataDir,
    region,
    accountId,
    sandboxNetwork: network === undefined || network === '' ? undefined : network,
    sandboxNetworkOwned: network === undefined || network === '',
    sandboxHostAccess: hostAccess(env),
    runtimeApiPorts: portRange(env, 'LAMBDOCK_RUNTIME_API_PORTS', { first: 20000, last: 29999 }),
    sandboxApiPort: int(env, 'LAMBDOCK_SANDBOX_API_PORT', 0, 0, 65535),
    credentialsTtlMs: int(env, 'LAMBDOCK_CREDENTIALS_TTL_S', 43_200, 900, 129_600) * 1000,
    runtimeApiBindHost: bind,
    runtimeApiAdvertiseHost: advertise,
    runtimeApiHostExplicit: env.LAMBDOCK_RUNTIME_API_HOST !== undefined || env.LAMBDOCK_RUNTIME_API_ADVERTISE !== undefined,
    pauseGraceMs: int(env, 'LAMBDOCK_PAUSE_GRACE_MS', 100, 0, 3_600_000),
    freezeMode: freezeMode(env),
    idleKeepAliveMs: int(env, 'LAMBDOCK_IDLE_TIMEOUT_MS', 600_000, 1_000, 86_400_000),
    instanceId,
    maxLoopDevices: int(env, 'LAMBDOCK_MAX_LOOP_DEVICES', 256, 1, 65_536),
    tmpSparesPerSize: int(env, 'LAMBDOCK_TMP_SPARES_PER_SIZE', 2, 0, 64),
    stemCells: int(env, 'LAMBDOCK_STEM_CELLS', 2, 0, 64),
    stemCellIdleMs: int(env, 'LAMBDOCK_STEM_CELL_IDLE_MS', 300_000, 100, 86_400_000),
    tmpMode: tmpMode(env),
    extraLabels: extraLabels(env),
    dataDirOnEngine: absoluteOrUnset(env, 'LAMBDOCK_DATA_DIR_ON_ENGINE'),
    buildImagesOnStart: bool(env, 'LAMBDOCK_BUILD_IMAGES', true),
    accountConcurrency: int(env, 'LAMBDOCK_ACCOUNT_CONCURRENCY', 1000, 1, 1_000_000),
    maxConcurrentStarts: int(env, 'LAMBDOCK_MAX_CONCURRENT_STARTS', 4, 1, 1024),
    queueWaitMs: int(env, 'LAMBDOCK_QUEUE_WAIT_MS', 30_000, 0, 900_000),
    async: {
      retryDelaysMs: delays(env, 'LAMBDOCK_ASYNC_RETRY_DELAYS_MS', [60_000, 120_000]),
      backoffMinMs: int(env, 'LAMBDOCK_ASYNC_BACKOFF_MIN_MS', 1_000, 1, 3_600_000),
      backoffMaxMs: int(env, 'LAMBDOCK_ASYNC_BACKOFF_MAX_MS', 300_000, 1, 3_600_000),
      concurrency: int(env, 'LAMBDOCK_ASYNC_CONCURRENCY', 64, 1, 10_000),
      lockMs: int(env, 'LAMBDOCK_ASYNC_LOCK_MS', 30_000, 1_000, 600_000),
    },
    hotReload: { bucket: env.LAMBDOCK_HOT_RELOAD_BUCKET ?? 'hot-reload', allowedPaths: folders(env, 'LAMBDOCK_HOT_RELOAD_PATHS') },
    memoryBudgetMb: int(env, 'LAMBDOCK_MEMORY_BUDGET_MB', Math.floor((os.totalmem() / 2 ** 20) * 0.8), 128, 16_777_216),
    tmpBudgetMb: int(env, 'LAMBDOCK_TMP_BUDGET_MB', defaultTmpBudgetMb(dataDir), 512, 1_073_741_824),
    minUnreservedConcurrency: int(env, 'LAMBDOCK_MIN_UNRESERVED_CONCURRENCY', 100, 0, 1_000_000),
    logLevel: env.LAMBDOCK_LOG_LEVEL ?? 'info',
    cgroupRoot: env.LAMBDOCK_CGROUP_ROOT ?? '/sys/fs/cgroup',
    auth: auth(env),
    iamMode: iamMode(env),
  };
}
