import { isImageFunction, type FunctionVersionRecord } from '../control-plane/function-model.js';
import { getScratchSpec, LABELS, OUTPUT_PIPE_DIR, SANDBOX_GID, SANDBOX_UID, STEM_CELL_FILES } from '../docker/container-driver.js';
import type { SandboxPlan } from '../sandbox/sandbox.js';
import type { StemCellFit, StemShimKind } from '../sandbox/stem-cell.js';
import { buildEnvironment, ENVIRONMENT_LIMITS, redirectOutput, RUNTIME_BOOTSTRAP, type PlanContext } from './environment-plan.js';

/** The /tmp of a stem cell: AWS's default EphemeralStorage. A function with more cold-starts normally. */
export const STEM_CELL_TMP_MB = 512;

/**
 * Variables a process reads as it starts (Node's options and module paths, the dynamic linker, the C
 * library's allocator, OpenSSL, the locale): a runtime already running cannot take a value of them other
 * than the stem cell's own. `NODE_ENV` and `NODE_TLS_REJECT_UNAUTHORIZED` are read when used.
 */
const START_ONLY = /^(NODE_(?!ENV$|TLS_REJECT_UNAUTHORIZED$)|UV_|LD_|MALLOC_|GLIBC_|OPENSSL_|SSL_CERT_|LC_)|^(LANG|AWS_LAMBDA_EXEC_WRAPPER)$/;

/** Where the wrapper that starts a stem cell's Node.js shim is, inside its container. */
const STEM_WRAPPER = `${OUTPUT_PIPE_DIR}/${STEM_CELL_FILES.wrapper}`;
/** The shell shim of the other runtimes, inside the container. */
const EXEC_SHIM = `${OUTPUT_PIPE_DIR}/${STEM_CELL_FILES.execShim}`;

/** Which shim serves a runtime: Node.js in its own process; Python and custom runtimes by exec of their bootstrap. */
function getShimKind(runtime: string): StemShimKind | undefined {
  if (/^nodejs\d+\.x$/.test(runtime)) return 'node';
  if (/^python3\.\d+$/.test(runtime) || /^provided(\.al2|\.al2023)?$/.test(runtime)) return 'exec';
  return undefined;
}

/**
 * The stem cells `record` can start from with `ctx`, or undefined when its environment needs something a
 * running generic container cannot take: an image function (its own image), hot reload (a host folder
 * mounted as it is), a /tmp other than the default, external extensions (the launcher starts them before
 * the runtime) or /opt contents not known, a runtime without a shim (Node.js, Python and the custom
 * runtimes have one), or, for Node.js (whose process is running already), a variable read only at
 * process start set to another value than the stem cell's. The key is the image, the memory class (the
 * container's cap and Node's heap flags, both fixed at its start) and the architecture.
 */
export function getStemCellFit(record: FunctionVersionRecord, ctx: PlanContext): StemCellFit | undefined {
  if (isImageFunction(record) || record.code.hostFolder !== undefined || ctx.codeDir === undefined) return undefined;
  if (record.runtime === undefined || record.handler === undefined) return undefined;
  const shim = getShimKind(record.runtime);
  if (shim === undefined) return undefined;
  if (record.ephemeralStorageSize !== STEM_CELL_TMP_MB) return undefined;
  if (ctx.optDir !== undefined && (ctx.externalExtensions === undefined || ctx.externalExtensions.length > 0)) return undefined;
  const generic = getGenericEnvironment(record, ctx);
  // The exec shim starts the runtime's process after the claim: only a process already running has start-only variables.
  if (shim === 'node') {
    const own = buildEnvironment(record, ctx.region, '', '');
    for (const name of new Set([...Object.keys(own), ...Object.keys(generic)])) {
      if (START_ONLY.test(name) && own[name] !== generic[name]) return undefined;
    }
  }
  // The wrapper that runs the Node.js shim goes with the stem cell's own start only (the claim's environment replaces it).
  const stemEnv = shim === 'node' ? { ...generic, AWS_LAMBDA_EXEC_WRAPPER: STEM_WRAPPER } : generic;
  const memoryMb = record.memorySize;
  const architecture = record.architectures[0] ?? 'x86_64';
  return {
    key: `${ctx.image}|${memoryMb}|${architecture}`,
    shim,
    memoryMb,
    tmpMb: STEM_CELL_TMP_MB,
    containerSpec: (resources) => ({
      name: `lambdock-stem-${resources.stemId.slice(0, 12)}`,
      image: ctx.image,
      env: stemEnv,
      labels: {
        [LABELS.managed]: 'true',
        [LABELS.instance]: ctx.instanceId,
        [LABELS.role]: 'stem-cell',
        [LABELS.stemCell]: resources.stemId,
      },
      user: `${SANDBOX_UID}:${SANDBOX_GID}`,
      memoryBytes: memoryMb * 1024 * 1024,
      cpuShares: Math.max(2, Math.round((1024 * memoryMb) / ENVIRONMENT_LIMITS.mbPerVcpu)),
      pidsLimit: ENVIRONMENT_LIMITS.pids,
      networkMode: resources.networkMode,
      codeDir: resources.codeDir,
      optDir: resources.optDir,
      ...getScratchSpec(resources.scratch),
      outputDir: resources.outputDir,
      // The Node.js shim runs from the bootstrap (its heap flags); the exec shim runs the bootstrap itself.
      entrypoint: redirectOutput([shim === 'node' ? RUNTIME_BOOTSTRAP : EXEC_SHIM]),
      workingDir: '/var/task',
    }),
  };
}

/**
 * What every function of a stem cell's key starts with (the image's paths and locale, the module path,
 * the memory size the bootstrap derives the heap flags from): nothing of any one function.
 */
function getGenericEnvironment(record: FunctionVersionRecord, ctx: PlanContext): Record<string, string> {
  const generic = buildEnvironment({ ...record, name: 'stem', environment: {} }, ctx.region, '', '');
  const keep = ['PATH', 'LD_LIBRARY_PATH', 'LANG', 'TZ', 'NODE_PATH', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE'];
  const env: Record<string, string> = {};
  for (const name of keep) {
    const value = generic[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** `plan` with the stem cells it can start from, when there are any. */
export function withStemCellFit(plan: SandboxPlan, record: FunctionVersionRecord, ctx: PlanContext): SandboxPlan {
  const fit = getStemCellFit(record, ctx);
  return fit === undefined ? plan : { ...plan, stemCell: fit };
}
