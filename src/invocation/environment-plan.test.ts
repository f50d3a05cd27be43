import { afterEach, describe, expect, it, vi } from 'vitest';
import { getEnvironmentKey, type FunctionRecord } from '../control-plane/function-model.js';
import { LABELS } from '../docker/container-driver.js';
import { ENVIRONMENT_LIMITS, buildEnvironment, logStreamName, planEnvironment, type PlanContext } from './environment-plan.js';
import { getLauncherScript } from './extension-launcher.js';

const SANDBOX_ID = '0123456789abcdef0123456789abcdef';
const RUNTIME_API = '172.17.0.1:41234';
const STREAM = '2024/03/05/[$LATEST]0123456789abcdef0123456789abcdef';

function record(overrides: Partial<FunctionRecord> = {}): FunctionRecord {
  return {
    name: 'my-function',
    runtime: 'nodejs20.x',
    handler: 'index.handler',
    role: 'arn:aws:iam::123456789012:role/r',
    description: '',
    memorySize: 256,
    timeout: 7,
    environment: {},
    ephemeralStorageSize: 1024,
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
  image: 'lambdock/nodejs20.x:latest',
};

afterEach(() => {
  vi.useRealTimers();
});

describe('logStreamName', () => {
  it('names the stream YYYY/MM/DD/[version]<id> with the UTC date', () => {
    expect(logStreamName(new Date('2024-03-05T23:59:59.999Z'), '$LATEST', SANDBOX_ID)).toBe(STREAM);
    expect(logStreamName(new Date('2024-12-31T00:00:00Z'), '7', 'abc')).toBe('2024/12/31/[7]abc');
  });
});

describe('buildEnvironment', () => {
  it('sets every standard Lambda variable', () => {
    const env = buildEnvironment(record(), 'eu-central-1', RUNTIME_API, STREAM);
    expect(env).toMatchObject({
      AWS_LAMBDA_FUNCTION_NAME: 'my-function',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/my-function',
      AWS_LAMBDA_LOG_STREAM_NAME: STREAM,
      AWS_LAMBDA_RUNTIME_API: RUNTIME_API,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_REGION: 'eu-central-1',
      AWS_DEFAULT_REGION: 'eu-central-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
      LAMBDA_TASK_ROOT: '/var/task',
      LAMBDA_RUNTIME_DIR: '/var/runtime',
      _HANDLER: 'index.handler',
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
    });
    expect(env.PATH).toBe('/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin');
    expect(env.LD_LIBRARY_PATH).toContain('/var/task');
  });

  it('only gives strings (the engine takes KEY=value pairs)', () => {
    const env = buildEnvironment(record(), 'us-east-1', RUNTIME_API, STREAM);
    for (const value of Object.values(env)) expect(typeof value).toBe('string');
  });

  it('adds the function\'s own variables', () => {
    const env = buildEnvironment(record({ environment: { STAGE: 'prod', TABLE: 'orders' } }), 'us-east-1', RUNTIME_API, STREAM);
    expect(env.STAGE).toBe('prod');
    expect(env.TABLE).toBe('orders');
  });

  it('lets a function override PATH, LANG, TZ and LD_LIBRARY_PATH', () => {
    const env = buildEnvironment(
      record({ environment: { PATH: '/custom/bin', LANG: 'de_DE.UTF-8', TZ: 'Europe/Berlin', LD_LIBRARY_PATH: '/x' } }),
      'us-east-1',
      RUNTIME_API,
      STREAM,
    );
    expect(env).toMatchObject({ PATH: '/custom/bin', LANG: 'de_DE.UTF-8', TZ: 'Europe/Berlin', LD_LIBRARY_PATH: '/x' });
  });

  it('always sets the platform names itself, whatever the function says', () => {
    const env = buildEnvironment(
      record({
        environment: {
          AWS_LAMBDA_FUNCTION_NAME: 'spoofed',
          AWS_LAMBDA_RUNTIME_API: 'evil:1',
          AWS_REGION: 'xx-fake-1',
          _HANDLER: 'other.handler',
          LAMBDA_TASK_ROOT: '/tmp',
        },
      }),
      'us-east-1',
      RUNTIME_API,
      STREAM,
    );
    expect(env).toMatchObject({
      AWS_LAMBDA_FUNCTION_NAME: 'my-function',
      AWS_LAMBDA_RUNTIME_API: RUNTIME_API,
      AWS_REGION: 'us-east-1',
      _HANDLER: 'index.handler',
      LAMBDA_TASK_ROOT: '/var/task',
    });
  });

  it('sets NODE_PATH for Node.js runtimes unless the function sets its own', () => {
    expect(buildEnvironment(record(), 'us-east-1', RUNTIME_API, STREAM).NODE_PATH).toContain('/var/runtime/node_modules');
    expect(buildEnvironment(record({ environment: { NODE_PATH: '/mine' } }), 'us-east-1', RUNTIME_API, STREAM).NODE_PATH).toBe('/mine');
    expect(buildEnvironment(record({ runtime: 'nodejs24.x' }), 'us-east-1', RUNTIME_API, STREAM)).toMatchObject({
      NODE_PATH: '/opt/nodejs/node24/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/task',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    });
  });

  it('sets no NODE_PATH for provided runtimes', () => {
    const env = buildEnvironment(record({ runtime: 'provided.al2023', handler: 'bootstrap' }), 'us-east-1', RUNTIME_API, STREAM);
    expect(env).not.toHaveProperty('NODE_PATH');
    expect(env.AWS_EXECUTION_ENV).toBe('AWS_Lambda_provided.al2023');
  });
});

describe('planEnvironment', () => {
  it('plans the sandbox from the function and the context', () => {
    const plan = planEnvironment(record(), CTX, SANDBOX_ID);
    expect(plan).toMatchObject({
      id: SANDBOX_ID,
      functionName: 'my-function',
      version: '$LATEST',
      memorySizeMb: 256,
      timeoutMs: 7000,
      initTimeoutMs: 10_000,
      pauseGraceMs: 100,
      idleKeepAliveMs: 600_000,
      ephemeralStorageMb: 1024,
      runtimeApiBindHost: '172.17.0.1',
      runtimeApiAdvertiseHost: '172.17.0.1',
      maxPayloadBytes: 6 * 1024 * 1024 + 100,
    });
    expect(ENVIRONMENT_LIMITS.maxPayloadBytes).toBe(6291556);
  });

  it('labels the sandbox as managed by this installation, with its function and id', () => {
    const plan = planEnvironment(record(), CTX, SANDBOX_ID);
    const labels = {
      [LABELS.managed]: 'true',
      [LABELS.instance]: 'inst-1',
      [LABELS.function]: 'my-function',
      [LABELS.sandbox]: SANDBOX_ID,
    };
    expect(plan.labels).toStrictEqual(labels);
    expect(plan.containerSpec(RUNTIME_API, { volume: 'vol' }, 'bridge', '/out').labels).toStrictEqual(labels);
    expect(labels).toHaveProperty(['lambdock.managed'], 'true');
  });

  it('builds the container spec: image, memory in bytes, unprivileged user, pids limit, mounts, network', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2024-03-05T12:00:00Z'));
    const plan = planEnvironment(record(), CTX, SANDBOX_ID);
    const spec = plan.containerSpec(RUNTIME_API, { volume: 'scratch-vol-1' }, 'container:holder-1', '/data/output/sbx');
    expect(spec).toMatchObject({
      name: 'lambdock-my-function-0123456789ab',
      image: 'lambdock/nodejs20.x:latest',
      user: '993:990',
      memoryBytes: 256 * 1024 * 1024,
      pidsLimit: 1024,
      networkMode: 'container:holder-1',
      codeDir: '/data/code/abab',
      scratchVolume: 'scratch-vol-1',
      outputDir: '/data/output/sbx',
    });
    expect(spec.env).toStrictEqual(buildEnvironment(record(), 'eu-central-1', RUNTIME_API, STREAM));
  });

  it("sends the runtime's stdout and stderr to the sandbox's output pipe, through the image's /bin/sh", () => {
    const spec = planEnvironment(record(), CTX, SANDBOX_ID).containerSpec(RUNTIME_API, { volume: 'v' }, 'bridge', '/out');
    expect(spec.entrypoint).toStrictEqual(['/bin/sh', '-c', getLauncherScript('/var/lambdock/output'), '/var/runtime/bootstrap']);
  });

  it.each([
    [1769, 1024],
    [3538, 2048],
    [128, 74],
    [10240, 5928],
  ])('gives %i MB a CPU weight of %i (1024 per 1769 MB)', (memorySize, shares) => {
    const spec = planEnvironment(record({ memorySize }), CTX, SANDBOX_ID).containerSpec(RUNTIME_API, { volume: 'v' }, 'bridge', '/out');
    expect(spec.cpuShares).toBe(shares);
    expect(spec.memoryBytes).toBe(memorySize * 1048576);
  });

  it('uses the Runtime API address it is given at container creation time', () => {
    const plan = planEnvironment(record(), CTX, SANDBOX_ID);
    expect(plan.containerSpec('10.0.0.5:9001', { volume: 'v' }, 'bridge', '/out').env.AWS_LAMBDA_RUNTIME_API).toBe('10.0.0.5:9001');
  });

  it('mounts the merged layers at /opt only when the function has layers', () => {
    expect(planEnvironment(record(), CTX, SANDBOX_ID).containerSpec(RUNTIME_API, { volume: 'v' }, 'bridge', '/out').optDir).toBeUndefined();
    const plan = planEnvironment(record(), { ...CTX, optDir: '/data/opt/cdcd' }, SANDBOX_ID);
    expect(plan.optDir).toBe('/data/opt/cdcd');
    expect(plan.containerSpec(RUNTIME_API, { volume: 'v' }, 'bridge', '/out').optDir).toBe('/data/opt/cdcd');
  });
});

describe('getEnvironmentKey', () => {
  const layer = (n: number) => ({ arn: `arn:aws:lambda:eu-central-1:123456789012:layer:l:${n}`, code: { sha256Hex: String(n).repeat(64), codeSha256: 'x', size: 1 } });

  it('keeps the key of a function without layers, and changes it with its layers and their order', () => {
    expect(getEnvironmentKey(record({ layers: [] }))).toBe(getEnvironmentKey(record()));
    const keys = [record(), record({ layers: [layer(1)] }), record({ layers: [layer(2)] }), record({ layers: [layer(1), layer(2)] }), record({ layers: [layer(2), layer(1)] })].map(
      getEnvironmentKey,
    );
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('planEnvironment for an image function', () => {
  const image = {
    sha256Hex: 'cd'.repeat(32),
    codeSha256: 'cd'.repeat(32),
    size: 0 as const,
    image: { uri: 'fn:1', resolvedUri: `fn@sha256:${'cd'.repeat(32)}`, id: `sha256:${'cd'.repeat(32)}`, entrypoint: ['/entry.sh'], cmd: ['app.handler'], workingDir: '/function' },
  };
  const imageRecord = () => {
    const { runtime: _r, handler: _h, ...rest } = record({ code: image, environment: { MINE: '1' } });
    return rest as FunctionRecord;
  };
  const imageCtx: PlanContext = { ...CTX, image: image.image.id, codeDir: undefined };

  it("runs the image's command in its WORKDIR, with no /var/task mount and no runtime variables", () => {
    const spec = planEnvironment(imageRecord(), imageCtx, SANDBOX_ID).containerSpec(RUNTIME_API, { volume: 'vol' }, 'net', '/out');
    expect(spec.image).toBe(image.image.id);
    expect(spec.entrypoint?.slice(3)).toEqual(['/entry.sh', 'app.handler']);
    expect(spec.workingDir).toBe('/function');
    expect(spec.codeDir).toBeUndefined();
    expect(spec.env).toMatchObject({ MINE: '1', AWS_LAMBDA_RUNTIME_API: RUNTIME_API, AWS_LAMBDA_FUNCTION_NAME: 'my-function' });
    for (const key of ['PATH', 'LD_LIBRARY_PATH', '_HANDLER', 'LAMBDA_TASK_ROOT', 'AWS_EXECUTION_ENV', 'NODE_PATH']) expect(spec.env).not.toHaveProperty(key);
  });

  it('runs ImageConfig over the image, and keys environments by it', () => {
    const configured = { ...imageRecord(), imageConfig: { command: ['app.other'], workingDirectory: '/elsewhere' } };
    const spec = planEnvironment(configured, imageCtx, SANDBOX_ID).containerSpec(RUNTIME_API, { volume: 'vol' }, 'net', '/out');
    expect(spec.entrypoint?.slice(3)).toEqual(['/entry.sh', 'app.other']);
    expect(spec.workingDir).toBe('/elsewhere');
    expect(getEnvironmentKey(configured)).not.toBe(getEnvironmentKey(imageRecord()));
  });
});
