import { getLoggingEnvironment } from '../control-plane/function-extras.js';
import { getImageCommand } from '../control-plane/code/image-code.js';
import { getVersionOf, isImageFunction, type FunctionVersionRecord } from '../control-plane/function-model.js';
import { buildFunctionArn } from '../control-plane/function-ref.js';
import { getScratchSpec, LABELS, OUTPUT_PIPE_PATH, SANDBOX_GID, SANDBOX_UID } from '../docker/container-driver.js';
import type { SandboxPlan } from '../sandbox/sandbox.js';
import type { CredentialClaims, EnvironmentCredentials } from '../permissions/credentials/credential-minter.js';
import { getLauncherScript } from './extension-launcher.js';

/** AWS's limits for one execution environment. */
export const ENVIRONMENT_LIMITS = {
  /** 6 MiB + 100 bytes, for requests and responses (interop.MaxPayloadSize). */
  maxPayloadBytes: 6 * 1024 * 1024 + 100,
  initTimeoutMs: 10_000,
  pids: 1024,
  /** Memory that buys one full vCPU. */
  mbPerVcpu: 1769,
} as const;

export interface PlanContext {
  region: string;
  instanceId: string;
  runtimeApiBindHost: string;
  runtimeApiAdvertiseHost: string;
  pauseGraceMs: number;
  idleKeepAliveMs: number;
  /** The function's code (mounted at /var/task); none for an image function (the image has its own). */
  codeDir?: string;
  /** The function's layers merged (mounted at /opt); none without layers. */
  optDir?: string;
  /** The runtime image of a .zip function, or an image function's own image (by id). */
  image: string;
  /** Told to extensions that ask for it (`Lambda-Extension-Accept-Feature: accountId`). */
  accountId?: string;
  /** The file names in the /opt/extensions the sandbox gets (its external extensions), when known. */
  externalExtensions?: readonly string[];
  /** Mints each environment's execution-role credentials, valid `ttlMs`; without, environments get none. */
  credentials?: { mint(claims: CredentialClaims): EnvironmentCredentials; ttlMs: number };
  /** lambdock's endpoint for sandboxes (AWS_ENDPOINT_URL), when it serves one. */
  sandboxEndpoint?: string;
}

/** How long before its credentials expire an environment stops taking invocations (it is retired once free). */
export const CREDENTIALS_MARGIN_MS = 15 * 60_000;

/**
 * AWS's X-Ray variables: the SDKs look for a daemon there. lambdock runs none; with them set the X-Ray SDK
 * logs one line instead of failing every invocation (context missing: log the error).
 */
const XRAY_ENVIRONMENT = {
  AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
  AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
  _AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129',
  _AWS_XRAY_DAEMON_PORT: '2000',
};

/** What an environment reaches AWS with: its role's credentials and, unless the function names its own, lambdock's endpoint. */
export interface EnvironmentAccess {
  credentials?: EnvironmentCredentials;
  endpoint?: string;
}

/** The entrypoint of lambdock's runtime images. */
export const RUNTIME_BOOTSTRAP = '/var/runtime/bootstrap';

/**
 * The runtime's command with its stdout and stderr sent to the sandbox's output pipe, by the image's own
 * /bin/sh, which first starts the external extensions in /opt/extensions (see extension-launcher.ts) and
 * then execs the bootstrap: without extensions no process is left in between.
 */
export function redirectOutput(command: string[]): string[] {
  return ['/bin/sh', '-c', getLauncherScript(OUTPUT_PIPE_PATH), ...command];
}

/** `2024/01/31/[$LATEST]<32 hex>`, the real Lambda log stream name. */
export function logStreamName(now: Date, version: string, sandboxId: string): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '/');
  return `${day}/[${version}]${sandboxId}`;
}

/** What a runtime image of lambdock's expects; an image function's image sets its own (its ENV stands). */
const RUNTIME_IMAGE_ENVIRONMENT = {
  PATH: '/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin',
  LD_LIBRARY_PATH: '/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib',
  LANG: 'en_US.UTF-8',
};

/**
 * The environment variables of a sandbox: AWS's standard set, then the function's own. An image function
 * gets the variables of the function and the platform, not those of a runtime (the image's runtime
 * interface client takes the handler from its command, as in AWS's base images).
 */
export function buildEnvironment(
  record: FunctionVersionRecord,
  region: string,
  runtimeApi: string,
  logStream: string,
  provisioned = false,
  access: EnvironmentAccess = {},
) {
  const image = isImageFunction(record);
  const env: Record<string, string> = {
    ...(image ? {} : RUNTIME_IMAGE_ENVIRONMENT),
    TZ: ':UTC',
    // Before the function's own variables: a user's AWS_ENDPOINT_URL (a real AWS, another emulator) wins.
    ...(access.endpoint === undefined ? {} : { AWS_ENDPOINT_URL: access.endpoint }),
    ...record.environment,
    AWS_LAMBDA_FUNCTION_NAME: record.name,
    AWS_LAMBDA_FUNCTION_VERSION: getVersionOf(record),
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(record.memorySize),
    ...getLoggingEnvironment(record),
    AWS_LAMBDA_LOG_STREAM_NAME: logStream,
    AWS_LAMBDA_RUNTIME_API: runtimeApi,
    AWS_LAMBDA_INITIALIZATION_TYPE: provisioned ? 'provisioned-concurrency' : 'on-demand',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    ...XRAY_ENVIRONMENT,
    ...(access.credentials === undefined
      ? {}
      : {
          AWS_ACCESS_KEY_ID: access.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: access.credentials.secretAccessKey,
          AWS_SESSION_TOKEN: access.credentials.sessionToken,
        }),
  };
  if (record.runtime === undefined || record.handler === undefined) return env;
  Object.assign(env, {
    AWS_EXECUTION_ENV: `AWS_Lambda_${record.runtime}`,
    LAMBDA_TASK_ROOT: '/var/task',
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    _HANDLER: record.handler,
  });
  const nodeMajor = /^nodejs(\d+)\.x$/.exec(record.runtime)?.[1];
  if (nodeMajor !== undefined) {
    env.NODE_PATH ??= `/opt/nodejs/node${nodeMajor}/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/task`;
  }
  return env;
}

/** Everything a sandbox needs to run one version (or `$LATEST`) of a function. */
export function planEnvironment(record: FunctionVersionRecord, ctx: PlanContext, sandboxId: string, provisioned = false): SandboxPlan {
  const version = getVersionOf(record);
  const logStream = logStreamName(new Date(), version, sandboxId);
  const labels = {
    [LABELS.managed]: 'true',
    [LABELS.instance]: ctx.instanceId,
    [LABELS.function]: record.name,
    [LABELS.sandbox]: sandboxId,
  };
  const memoryBytes = record.memorySize * 1024 * 1024;
  const credentials = ctx.credentials;
  const expiresAtMs = credentials === undefined ? undefined : Date.now() + credentials.ttlMs;
  // An image function runs its image's command (ImageConfig over it), where it says; a .zip function the runtime's bootstrap in /var/task.
  const run = isImageFunction(record) ? getImageCommand(record.code, record.imageConfig) : { command: [RUNTIME_BOOTSTRAP], workingDir: '/var/task' };
  return {
    id: sandboxId,
    functionName: record.name,
    version,
    memorySizeMb: record.memorySize,
    timeoutMs: record.timeout * 1000,
    initTimeoutMs: ENVIRONMENT_LIMITS.initTimeoutMs,
    pauseGraceMs: ctx.pauseGraceMs,
    idleKeepAliveMs: ctx.idleKeepAliveMs,
    ephemeralStorageMb: record.ephemeralStorageSize,
    runtimeApiBindHost: ctx.runtimeApiBindHost,
    runtimeApiAdvertiseHost: ctx.runtimeApiAdvertiseHost,
    maxPayloadBytes: ENVIRONMENT_LIMITS.maxPayloadBytes,
    labels,
    ...(provisioned ? { provisioned } : {}),
    ...(expiresAtMs === undefined ? {} : { retireAtMs: expiresAtMs - Math.min(CREDENTIALS_MARGIN_MS, (credentials?.ttlMs ?? 0) / 4) }),
    ...(ctx.codeDir === undefined ? {} : { codeDir: ctx.codeDir }),
    ...(ctx.optDir === undefined ? {} : { optDir: ctx.optDir }),
    ...(record.handler === undefined ? {} : { handler: record.handler }),
    ...(ctx.accountId === undefined ? {} : { accountId: ctx.accountId }),
    ...(ctx.externalExtensions === undefined ? {} : { externalExtensions: ctx.externalExtensions }),
    containerSpec: (runtimeApi, scratch, networkMode, outputDir) => ({
      name: `lambdock-${record.name}-${sandboxId.slice(0, 12)}`,
      image: ctx.image,
      env: buildEnvironment(record, ctx.region, runtimeApi, logStream, provisioned, {
        ...(credentials === undefined || expiresAtMs === undefined
          ? {}
          : {
              credentials: credentials.mint({
                roleArn: record.role,
                functionArn: buildFunctionArn({ region: ctx.region, accountId: ctx.accountId ?? '000000000000' }, record.name, version),
                sandboxId,
                expiresAtMs,
              }),
            }),
        ...(ctx.sandboxEndpoint === undefined ? {} : { endpoint: ctx.sandboxEndpoint }),
      }),
      labels,
      user: `${SANDBOX_UID}:${SANDBOX_GID}`,
      memoryBytes,
      cpuShares: Math.max(2, Math.round((1024 * record.memorySize) / ENVIRONMENT_LIMITS.mbPerVcpu)),
      pidsLimit: ENVIRONMENT_LIMITS.pids,
      networkMode,
      ...(ctx.codeDir === undefined ? {} : { codeDir: ctx.codeDir }),
      ...(ctx.optDir === undefined ? {} : { optDir: ctx.optDir }),
      ...getScratchSpec(scratch),
      outputDir,
      entrypoint: redirectOutput(run.command),
      ...(run.workingDir === undefined ? {} : { workingDir: run.workingDir }),
    }),
  };
}
