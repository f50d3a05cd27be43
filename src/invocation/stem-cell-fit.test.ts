import { describe, expect, it } from 'vitest';
import type { FunctionRecord } from '../control-plane/function-model.js';
import { LABELS } from '../docker/container-driver.js';
import { planEnvironment, type PlanContext } from './environment-plan.js';
import { getStemCellFit, withStemCellFit } from './stem-cell-fit.js';

function record(overrides: Partial<FunctionRecord> = {}): FunctionRecord {
  return {
    name: 'my-function',
    runtime: 'nodejs20.x',
    handler: 'index.handler',
    role: 'arn:aws:iam::123456789012:role/r',
    description: '',
    memorySize: 128,
    timeout: 7,
    environment: { GREETING: 'hello' },
    ephemeralStorageSize: 512,
    architectures: ['x86_64'],
    code: { sha256Hex: 'ab'.repeat(32), codeSha256: 'q83vEjRWeJA=', size: 123 },
    revisionId: 'rev-1',
    lastModified: '2024-03-05T10:00:00.000+0000',
    state: 'Active',
    lastUpdateStatus: 'Successful',
    ...overrides,
  };
}

const CTX: PlanContext = {
  region: 'eu-central-1',
  instanceId: 'inst-1',
  runtimeApiBindHost: '172.17.0.1',
  runtimeApiAdvertiseHost: '172.17.0.1',
  pauseGraceMs: 100,
  idleKeepAliveMs: 600_000,
  codeDir: '/data/code/abab',
  image: 'lambdock-runtime:nodejs20.x',
};

const RESOURCES = {
  stemId: 'f'.repeat(32),
  scratch: { volume: 'tmp-1' },
  networkMode: 'container:holder-1',
  outputDir: '/data/output/stem-1',
  codeDir: '/data/stem/1/task',
  optDir: '/data/stem/1/opt',
};

describe('getStemCellFit', () => {
  it('fits a Node.js .zip function with the default /tmp, keyed by image, memory class and architecture', () => {
    const fit = getStemCellFit(record(), CTX);
    expect(fit).toMatchObject({ key: 'lambdock-runtime:nodejs20.x|128|x86_64', memoryMb: 128, tmpMb: 512 });
    expect(getStemCellFit(record({ name: 'other', environment: { A: 'b' }, handler: 'app.main' }), CTX)?.key).toBe(fit?.key);
    expect(getStemCellFit(record({ memorySize: 256 }), CTX)?.key).toBe('lambdock-runtime:nodejs20.x|256|x86_64');
  });

  it('makes a generic container: nothing of the function, the shim wrapper, the memory class', () => {
    const spec = getStemCellFit(record({ environment: { SECRET: 's3cr3t' } }), CTX)?.containerSpec(RESOURCES);
    expect(spec).toMatchObject({
      name: 'lambdock-stem-ffffffffffff',
      image: 'lambdock-runtime:nodejs20.x',
      memoryBytes: 128 * 1024 * 1024,
      networkMode: 'container:holder-1',
      codeDir: '/data/stem/1/task',
      optDir: '/data/stem/1/opt',
      scratchVolume: 'tmp-1',
      outputDir: '/data/output/stem-1',
      workingDir: '/var/task',
      labels: { [LABELS.role]: 'stem-cell', [LABELS.stemCell]: 'f'.repeat(32), [LABELS.instance]: 'inst-1', [LABELS.managed]: 'true' },
    });
    expect(spec?.labels[LABELS.function]).toBeUndefined();
    // LAMBDOCK_TMP=tmpfs: a tmpfs of the default size instead of a volume.
    const tmpfs = getStemCellFit(record(), CTX)?.containerSpec({ ...RESOURCES, scratch: { tmpfsMb: 512 } });
    expect(tmpfs?.scratchTmpfsMb).toBe(512);
    expect(tmpfs?.scratchVolume).toBeUndefined();
    expect(spec?.env).toStrictEqual({
      PATH: expect.any(String),
      LD_LIBRARY_PATH: expect.any(String),
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      NODE_PATH: expect.stringContaining('/var/runtime/node_modules'),
      LAMBDA_TASK_ROOT: '/var/task',
      LAMBDA_RUNTIME_DIR: '/var/runtime',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      AWS_LAMBDA_EXEC_WRAPPER: '/var/lambdock/stem-wrapper',
    });
  });

  it('leaves out what a running generic container cannot take', () => {
    const none = (r: Partial<FunctionRecord>, ctx: Partial<PlanContext> = {}) => getStemCellFit(record(r), { ...CTX, ...ctx });
    expect(none({ ephemeralStorageSize: 1024 })).toBeUndefined();
    // A runtime lambdock may add later without a shim.
    expect(none({ runtime: 'java21' as FunctionRecord['runtime'] })).toBeUndefined();
    expect(none({ code: { sha256Hex: 'ab'.repeat(32), codeSha256: 'q', size: 0, hostFolder: '/home/me/fn' } })).toBeUndefined();
    expect(none({ code: { image: { uri: 'repo/img:1', id: 'sha256:1' } } as unknown as FunctionRecord['code'] })).toBeUndefined();
    // Read at process start: Node's options, its module path, the linker, the locale, an exec wrapper.
    for (const name of ['NODE_OPTIONS', 'NODE_PATH', 'NODE_EXTRA_CA_CERTS', 'UV_THREADPOOL_SIZE', 'LD_PRELOAD', 'LANG', 'LC_ALL', 'AWS_LAMBDA_EXEC_WRAPPER']) {
      expect(none({ environment: { [name]: '/x' } }), name).toBeUndefined();
    }
    // Layers: external extensions start before the runtime, and unknown contents may hold some.
    expect(none({}, { optDir: '/data/opt/1', externalExtensions: ['ext'] })).toBeUndefined();
    expect(none({}, { optDir: '/data/opt/1' })).toBeUndefined();
  });

  it('serves Python and custom runtimes with the exec shim: their process starts after the claim, start-only variables and all', () => {
    for (const runtime of ['python3.11', 'provided.al2023', 'provided.al2'] as const) {
      const ctx = { ...CTX, image: `lambdock-runtime:${runtime}` };
      const fit = getStemCellFit(record({ runtime, environment: { LD_PRELOAD: '/opt/lib/x.so', LANG: 'C' } }), ctx);
      expect(fit?.shim, runtime).toBe('exec');
      const spec = fit?.containerSpec(RESOURCES);
      expect(spec?.entrypoint?.at(-1)).toBe('/var/lambdock/stem.sh');
      expect(spec?.env.AWS_LAMBDA_EXEC_WRAPPER).toBeUndefined();
      expect(spec?.env.LD_PRELOAD).toBeUndefined();
    }
    expect(getStemCellFit(record(), CTX)?.shim).toBe('node');
    expect(getStemCellFit(record(), CTX)?.containerSpec(RESOURCES).entrypoint?.at(-1)).toBe('/var/runtime/bootstrap');
  });

  it('takes variables read when used, and layers without extensions', () => {
    expect(getStemCellFit(record({ environment: { NODE_ENV: 'production', TZ: 'Europe/Paris', PATH: '/bin' } }), CTX)).toBeDefined();
    expect(getStemCellFit(record(), { ...CTX, optDir: '/data/opt/1', externalExtensions: [] })).toBeDefined();
  });

  it('is added to the plan only when it fits', () => {
    const plan = (r: FunctionRecord) => withStemCellFit(planEnvironment(r, CTX, 'a'.repeat(32)), r, CTX);
    expect(plan(record()).stemCell?.key).toBe('lambdock-runtime:nodejs20.x|128|x86_64');
    expect(plan(record({ ephemeralStorageSize: 2048 })).stemCell).toBeUndefined();
  });
});
