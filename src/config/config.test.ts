import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, detectBridgeAddress, detectPrimaryAddress, getOwnSandboxNetworkName, loadConfig } from './config.js';

type Interfaces = ReturnType<typeof os.networkInterfaces>;
type Info = os.NetworkInterfaceInfo;

const v4 = (address: string, internal = false): Info => ({
  address,
  netmask: '255.255.0.0',
  family: 'IPv4',
  mac: '02:42:ac:11:00:01',
  internal,
  cidr: `${address}/16`,
});
const v6 = (address: string, internal = false): Info => ({
  address,
  netmask: 'ffff:ffff:ffff:ffff::',
  family: 'IPv6',
  mac: '02:42:ac:11:00:01',
  internal,
  cidr: `${address}/64`,
  scopeid: 0,
});

const HOST_WITH_DOCKER: Interfaces = {
  lo: [v4('127.0.0.1', true), v6('::1', true)],
  eth0: [v6('fe80::1'), v4('192.168.1.20')],
  docker0: [v6('fe80::42:1'), v4('172.17.0.1')],
};
const CONTAINER: Interfaces = {
  lo: [v4('127.0.0.1', true)],
  eth0: [v4('172.18.0.5')],
};
const LOOPBACK_ONLY: Interfaces = { lo: [v4('127.0.0.1', true), v6('::1', true)] };

function fakeInterfaces(interfaces: Interfaces): void {
  vi.spyOn(os, 'networkInterfaces').mockReturnValue(interfaces);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('detectBridgeAddress', () => {
  it('finds the IPv4 address of docker0', () => {
    expect(detectBridgeAddress(HOST_WITH_DOCKER)).toBe('172.17.0.1');
  });

  it('answers undefined without docker0 or without an IPv4 address on it', () => {
    expect(detectBridgeAddress(CONTAINER)).toBeUndefined();
    expect(detectBridgeAddress({ docker0: [v6('fe80::42:1')] })).toBeUndefined();
    expect(detectBridgeAddress({})).toBeUndefined();
  });
});

describe('detectPrimaryAddress', () => {
  it('skips loopback and IPv6 addresses and answers the first external IPv4 address', () => {
    expect(detectPrimaryAddress(HOST_WITH_DOCKER)).toBe('192.168.1.20');
    expect(detectPrimaryAddress(CONTAINER)).toBe('172.18.0.5');
  });

  it('answers undefined when there is only loopback', () => {
    expect(detectPrimaryAddress(LOOPBACK_ONLY)).toBeUndefined();
    expect(detectPrimaryAddress({})).toBeUndefined();
  });

  it('copes with interfaces listed as undefined', () => {
    expect(detectPrimaryAddress({ weird: undefined, eth1: [v4('10.1.2.3')] })).toBe('10.1.2.3');
  });
});

describe('loadConfig: role', () => {
  it('takes the role from the command line over LAMBDOCK_ROLE, and refuses any other', () => {
    fakeInterfaces(HOST_WITH_DOCKER);
    expect(loadConfig({ LAMBDOCK_ROLE: 'api' }).role).toBe('api');
    expect(loadConfig({ LAMBDOCK_ROLE: 'api' }, 'worker').role).toBe('worker');
    expect(() => loadConfig({}, 'both')).toThrow("the role must be all, api or worker, got 'both'");
  });
});

describe('loadConfig: defaults', () => {
  it('defaults every setting', () => {
    fakeInterfaces(HOST_WITH_DOCKER);
    expect(loadConfig({})).toStrictEqual({
      role: 'all',
      workerPort: 9001,
      host: '127.0.0.1',
      port: 9000,
      apiSandboxPort: 0,
      redisUrl: 'redis://127.0.0.1:6379',
      redisPrefix: 'lambdock',
      redisCommandTimeoutMs: 2_000,
      apiRequestTimeoutMs: 30_000,
      dataDir: path.resolve(process.cwd(), '.data'),
      region: 'us-east-1',
      accountId: '000000000000',
      sandboxNetwork: undefined,
      sandboxNetworkOwned: true,
      sandboxHostAccess: 'blocked',
      runtimeApiPorts: { first: 20000, last: 29999 },
      sandboxApiPort: 0,
      credentialsTtlMs: 43_200_000,
      runtimeApiBindHost: '172.17.0.1',
      runtimeApiAdvertiseHost: '172.17.0.1',
      runtimeApiHostExplicit: false,
      pauseGraceMs: 100,
      freezeMode: 'docker',
      idleKeepAliveMs: 600_000,
      instanceId: undefined,
      maxLoopDevices: 256,
      tmpSparesPerSize: 2,
      stemCells: 2,
      stemCellIdleMs: 300_000,
      tmpMode: 'auto',
      extraLabels: {},
      dataDirOnEngine: undefined,
      buildImagesOnStart: true,
      accountConcurrency: 1000,
      maxConcurrentStarts: 4,
      queueWaitMs: 30_000,
      async: { retryDelaysMs: [60_000, 120_000], backoffMinMs: 1_000, backoffMaxMs: 300_000, concurrency: 64, lockMs: 30_000 },
      hotReload: { bucket: 'hot-reload', allowedPaths: [] },
      // 80% of the free space where the data dir is: this machine's.
      tmpBudgetMb: expect.any(Number),
      memoryBudgetMb: Math.floor((os.totalmem() / 2 ** 20) * 0.8),
      minUnreservedConcurrency: 100,
      logLevel: 'info',
      cgroupRoot: '/sys/fs/cgroup',
      auth: { mode: 'off', accessKeys: {}, keyAccounts: {} },
      iamMode: 'off',
    });
  });

  it('binds the Runtime API to docker0 and advertises the same address on a Docker host', () => {
    fakeInterfaces(HOST_WITH_DOCKER);
    const config = loadConfig({});
    expect(config.runtimeApiBindHost).toBe('172.17.0.1');
    expect(config.runtimeApiAdvertiseHost).toBe('172.17.0.1');
  });

  it('binds to all addresses and advertises its own address when running in a container', () => {
    fakeInterfaces(CONTAINER);
    const config = loadConfig({});
    expect(config.runtimeApiBindHost).toBe('0.0.0.0');
    expect(config.runtimeApiAdvertiseHost).toBe('172.18.0.5');
  });

  it('advertises 127.0.0.1 when nothing better is known', () => {
    fakeInterfaces(LOOPBACK_ONLY);
    const config = loadConfig({});
    expect(config.runtimeApiBindHost).toBe('0.0.0.0');
    expect(config.runtimeApiAdvertiseHost).toBe('127.0.0.1');
  });

  it('treats empty numeric and boolean variables as unset', () => {
    fakeInterfaces(HOST_WITH_DOCKER);
    const config = loadConfig({ LAMBDOCK_PORT: '', LAMBDOCK_PAUSE_GRACE_MS: '', LAMBDOCK_BUILD_IMAGES: '', LAMBDOCK_FREEZE: '' });
    expect(config.port).toBe(9000);
    expect(config.pauseGraceMs).toBe(100);
    expect(config.freezeMode).toBe('docker');
    expect(config.buildImagesOnStart).toBe(true);
  });
});

describe('loadConfig: overrides', () => {
  it('takes every setting from the environment', () => {
    fakeInterfaces(HOST_WITH_DOCKER);
    const config = loadConfig({
      LAMBDOCK_HOST: '0.0.0.0',
      LAMBDOCK_PORT: '9100',
      LAMBDOCK_API_SANDBOX_PORT: '9102',
      REDIS_URL: 'redis://redis:6380/2',
      LAMBDOCK_REDIS_PREFIX: 'test-run',
      LAMBDOCK_REDIS_COMMAND_TIMEOUT_MS: '500',
      LAMBDOCK_API_REQUEST_TIMEOUT_MS: '5000',
      LAMBDOCK_DATA_DIR: '/var/lib/lambdock',
      LAMBDOCK_REGION: 'eu-west-1',
      LAMBDOCK_ACCOUNT_ID: '123456789012',
      LAMBDOCK_SANDBOX_NETWORK: 'lambdock-net',
      LAMBDOCK_SANDBOX_HOST_ACCESS: 'open',
      LAMBDOCK_RUNTIME_API_PORTS: '41000-41099',
      LAMBDOCK_SANDBOX_API_PORT: '41100',
      LAMBDOCK_CREDENTIALS_TTL_S: '3600',
      LAMBDOCK_AUTH: 'sigv4',
      LAMBDOCK_ACCESS_KEYS: 'AKIAEXAMPLE1:wJalr/K7MDENG+bPxRfiCY, test:a:secret:with:colons ',
      LAMBDOCK_ACCESS_KEY_ACCOUNTS: 'test=111111111111',
      LAMBDOCK_IAM: 'enforce',
      LAMBDOCK_RUNTIME_API_HOST: '10.0.0.1',
      LAMBDOCK_RUNTIME_API_ADVERTISE: 'lambdock.internal',
      LAMBDOCK_PAUSE_GRACE_MS: '0',
      LAMBDOCK_FREEZE: 'cgroup',
      LAMBDOCK_IDLE_TIMEOUT_MS: '1000',
      LAMBDOCK_INSTANCE_ID: 'ci-42',
      LAMBDOCK_MAX_LOOP_DEVICES: '16',
      LAMBDOCK_TMP_SPARES_PER_SIZE: '1',
      LAMBDOCK_STEM_CELLS: '0',
      LAMBDOCK_STEM_CELL_IDLE_MS: '60000',
      LAMBDOCK_TMP: 'tmpfs',
      LAMBDOCK_LABELS: 'org.testcontainers.session-id=abc-123, team=',
      LAMBDOCK_DATA_DIR_ON_ENGINE: '/var/lib/docker/volumes/v/_data',
      LAMBDOCK_BUILD_IMAGES: 'false',
      LAMBDOCK_ACCOUNT_CONCURRENCY: '5',
      LAMBDOCK_MIN_UNRESERVED_CONCURRENCY: '2',
      LAMBDOCK_MAX_CONCURRENT_STARTS: '3',
      LAMBDOCK_QUEUE_WAIT_MS: '5000',
      LAMBDOCK_ASYNC_RETRY_DELAYS_MS: '100, 200',
      LAMBDOCK_ASYNC_BACKOFF_MIN_MS: '10',
      LAMBDOCK_ASYNC_BACKOFF_MAX_MS: '50',
      LAMBDOCK_ASYNC_CONCURRENCY: '8',
      LAMBDOCK_ASYNC_LOCK_MS: '2000',
      LAMBDOCK_HOT_RELOAD_BUCKET: 'dev',
      LAMBDOCK_HOT_RELOAD_PATHS: '/home/me/src, /srv/fns',
      LAMBDOCK_TMP_BUDGET_MB: '20480',
      LAMBDOCK_MEMORY_BUDGET_MB: '2048',
      LAMBDOCK_ROLE: 'worker',
      LAMBDOCK_WORKER_PORT: '9101',
      LAMBDOCK_WORKER_URL: 'http://worker-1:9101',
      LAMBDOCK_API_URL: 'http://api:9000',
      LAMBDOCK_LOG_LEVEL: 'debug',
      LAMBDOCK_CGROUP_ROOT: '/host/sys/fs/cgroup',
    });
    expect(config).toStrictEqual({
      role: 'worker',
      workerPort: 9101,
      workerUrl: 'http://worker-1:9101',
      apiUrl: 'http://api:9000',
      host: '0.0.0.0',
      port: 9100,
      apiSandboxPort: 9102,
      redisUrl: 'redis://redis:6380/2',
      redisPrefix: 'test-run',
      redisCommandTimeoutMs: 500,
      apiRequestTimeoutMs: 5_000,
      dataDir: '/var/lib/lambdock',
      region: 'eu-west-1',
      accountId: '123456789012',
      sandboxNetwork: 'lambdock-net',
      sandboxNetworkOwned: false,
      sandboxHostAccess: 'open',
      runtimeApiPorts: { first: 41000, last: 41099 },
      sandboxApiPort: 41100,
      credentialsTtlMs: 3_600_000,
      runtimeApiBindHost: '10.0.0.1',
      runtimeApiAdvertiseHost: 'lambdock.internal',
      runtimeApiHostExplicit: true,
      pauseGraceMs: 0,
      freezeMode: 'cgroup',
      idleKeepAliveMs: 1000,
      instanceId: 'ci-42',
      maxLoopDevices: 16,
      tmpSparesPerSize: 1,
      stemCells: 0,
      stemCellIdleMs: 60_000,
      tmpMode: 'tmpfs',
      extraLabels: { 'org.testcontainers.session-id': 'abc-123', team: '' },
      dataDirOnEngine: '/var/lib/docker/volumes/v/_data',
      buildImagesOnStart: false,
      accountConcurrency: 5,
      maxConcurrentStarts: 3,
      queueWaitMs: 5_000,
      async: { retryDelaysMs: [100, 200], backoffMinMs: 10, backoffMaxMs: 50, concurrency: 8, lockMs: 2_000 },
      hotReload: { bucket: 'dev', allowedPaths: ['/home/me/src', '/srv/fns'] },
      tmpBudgetMb: 20_480,
      memoryBudgetMb: 2048,
      minUnreservedConcurrency: 2,
      logLevel: 'debug',
      cgroupRoot: '/host/sys/fs/cgroup',
      auth: { mode: 'sigv4', accessKeys: { AKIAEXAMPLE1: 'wJalr/K7MDENG+bPxRfiCY', test: 'a:secret:with:colons' }, keyAccounts: { test: '111111111111' } },
      iamMode: 'enforce',
    });
  });

  it('advertises an explicit bind address when no advertise address is given', () => {
    fakeInterfaces(CONTAINER);
    const config = loadConfig({ LAMBDOCK_RUNTIME_API_HOST: '10.9.8.7' });
    expect(config.runtimeApiAdvertiseHost).toBe('10.9.8.7');
  });

  it('names its own sandbox network after the instance id, in characters Docker accepts', () => {
    fakeInterfaces(HOST_WITH_DOCKER);
    expect(getOwnSandboxNetworkName('team a/ci:42')).toBe('lambdock-sandboxes-team-a-ci-42');
  });

  it('resolves a relative data directory against the working directory', () => {
    fakeInterfaces(HOST_WITH_DOCKER);
    expect(loadConfig({ LAMBDOCK_DATA_DIR: 'state' }).dataDir).toBe(path.resolve(process.cwd(), 'state'));
  });

  it("puts this host's name in place of {hostname} in the data dir and the worker URL (replicas of one service)", () => {
    fakeInterfaces(HOST_WITH_DOCKER);
    const config = loadConfig({ LAMBDOCK_DATA_DIR: '/var/lib/lambdock/workers/{hostname}', LAMBDOCK_WORKER_URL: 'http://{hostname}:9001' });
    expect(config.dataDir).toBe(`/var/lib/lambdock/workers/${os.hostname()}`);
    expect(config.workerUrl).toBe(`http://${os.hostname()}:9001`);
  });

  it.each([
    ['1', true],
    ['TRUE', true],
    ['yes', true],
    ['0', false],
    ['False', false],
    ['no', false],
  ])('reads LAMBDOCK_BUILD_IMAGES=%s as %s', (raw, value) => {
    fakeInterfaces(HOST_WITH_DOCKER);
    expect(loadConfig({ LAMBDOCK_BUILD_IMAGES: raw }).buildImagesOnStart).toBe(value);
  });

  it('accepts the bounds of each number', () => {
    fakeInterfaces(HOST_WITH_DOCKER);
    const low = loadConfig({ LAMBDOCK_PORT: '0', LAMBDOCK_IDLE_TIMEOUT_MS: '1000', LAMBDOCK_ACCOUNT_CONCURRENCY: '1' });
    expect([low.port, low.idleKeepAliveMs, low.accountConcurrency]).toEqual([0, 1000, 1]);
    const high = loadConfig({ LAMBDOCK_PORT: '65535', LAMBDOCK_PAUSE_GRACE_MS: '3600000', LAMBDOCK_IDLE_TIMEOUT_MS: '86400000' });
    expect([high.port, high.pauseGraceMs, high.idleKeepAliveMs]).toEqual([65535, 3_600_000, 86_400_000]);
  });

  it('accepts GovCloud-style regions', () => {
    fakeInterfaces(HOST_WITH_DOCKER);
    expect(loadConfig({ LAMBDOCK_REGION: 'us-gov-west-1' }).region).toBe('us-gov-west-1');
  });
});

describe('loadConfig: invalid values', () => {
  function configErrorOf(env: Record<string, string>): ConfigError {
    fakeInterfaces(HOST_WITH_DOCKER);
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }
    throw new Error('expected a ConfigError');
  }

  it.each(['abc', '65536', '-1', '80.5'])('refuses LAMBDOCK_PORT=%s', (raw) => {
    expect(configErrorOf({ LAMBDOCK_PORT: raw }).message).toBe(`LAMBDOCK_PORT must be an integer between 0 and 65535, got '${raw}'`);
  });

  it("refuses a port of the api's endpoint for sandboxes past 65535", () => {
    expect(configErrorOf({ LAMBDOCK_API_SANDBOX_PORT: '70000' }).message).toBe(
      "LAMBDOCK_API_SANDBOX_PORT must be an integer between 0 and 65535, got '70000'",
    );
  });

  it('refuses an idle timeout under a second and a pause grace over an hour', () => {
    expect(configErrorOf({ LAMBDOCK_IDLE_TIMEOUT_MS: '999' }).message).toBe(
      "LAMBDOCK_IDLE_TIMEOUT_MS must be an integer between 1000 and 86400000, got '999'",
    );
    expect(configErrorOf({ LAMBDOCK_PAUSE_GRACE_MS: '3600001' }).message).toContain('LAMBDOCK_PAUSE_GRACE_MS must be an integer');
  });

  it('refuses a zero account concurrency', () => {
    expect(configErrorOf({ LAMBDOCK_ACCOUNT_CONCURRENCY: '0' }).message).toContain('LAMBDOCK_ACCOUNT_CONCURRENCY');
  });

  it.each(['123', '12345678901a', '1234567890123', ''])('refuses LAMBDOCK_ACCOUNT_ID=%j', (raw) => {
    expect(configErrorOf({ LAMBDOCK_ACCOUNT_ID: raw }).message).toBe(`LAMBDOCK_ACCOUNT_ID must be 12 digits, got '${raw}'`);
  });

  it.each(['mars', 'US-EAST-1', 'us-east', 'useast1'])('refuses LAMBDOCK_REGION=%j', (raw) => {
    expect(configErrorOf({ LAMBDOCK_REGION: raw }).message).toBe(`LAMBDOCK_REGION is not a region: '${raw}'`);
  });

  it.each(['a b', '../x', '-lead', 'x'.repeat(64)])('refuses LAMBDOCK_INSTANCE_ID=%j', (raw) => {
    expect(configErrorOf({ LAMBDOCK_INSTANCE_ID: raw }).message).toContain('LAMBDOCK_INSTANCE_ID must be');
  });

  it('refuses a boolean it cannot read', () => {
    expect(configErrorOf({ LAMBDOCK_BUILD_IMAGES: 'maybe' }).message).toBe("LAMBDOCK_BUILD_IMAGES must be true or false, got 'maybe'");
  });

  it.each(['80-90', '20000', '2000-1999', '1000-2000', '60000-70000'])('refuses LAMBDOCK_RUNTIME_API_PORTS=%s', (raw) => {
    expect(configErrorOf({ LAMBDOCK_RUNTIME_API_PORTS: raw }).message).toContain('LAMBDOCK_RUNTIME_API_PORTS must be a range');
  });

  it('refuses a freeze mode it does not know', () => {
    expect(configErrorOf({ LAMBDOCK_FREEZE: 'pause' }).message).toBe("LAMBDOCK_FREEZE must be docker or cgroup, got 'pause'");
  });

  it('refuses a /tmp mode it does not know', () => {
    expect(configErrorOf({ LAMBDOCK_TMP: 'disk' }).message).toBe("LAMBDOCK_TMP must be auto, loop or tmpfs, got 'disk'");
  });

  it.each(['novalue', '=v', 'a b=c'])('refuses LAMBDOCK_LABELS=%s', (raw) => {
    expect(configErrorOf({ LAMBDOCK_LABELS: raw }).message).toContain('LAMBDOCK_LABELS must list key=value pairs');
  });

  it("refuses LAMBDOCK_LABELS that would set lambdock's own labels", () => {
    expect(configErrorOf({ LAMBDOCK_LABELS: 'lambdock.instance=x' }).message).toContain("cannot set lambdock's own label");
  });

  it('refuses a relative LAMBDOCK_DATA_DIR_ON_ENGINE', () => {
    expect(configErrorOf({ LAMBDOCK_DATA_DIR_ON_ENGINE: 'volumes/x' }).message).toContain('must be an absolute path');
  });

  it('refuses a host access it does not know', () => {
    expect(configErrorOf({ LAMBDOCK_SANDBOX_HOST_ACCESS: 'partly' }).message).toBe(
      "LAMBDOCK_SANDBOX_HOST_ACCESS must be blocked or open, got 'partly'",
    );
  });

  it('refuses an authentication mode it does not know, and sigv4 without access keys', () => {
    expect(configErrorOf({ LAMBDOCK_AUTH: 'iam' }).message).toBe("LAMBDOCK_AUTH must be off or sigv4, got 'iam'");
    expect(configErrorOf({ LAMBDOCK_AUTH: 'sigv4' }).message).toBe(
      'LAMBDOCK_AUTH=sigv4 needs at least one key in LAMBDOCK_ACCESS_KEYS (ACCESS_KEY_ID:SECRET,…)',
    );
    expect(configErrorOf({ LAMBDOCK_AUTH: 'sigv4', LAMBDOCK_ACCESS_KEYS: ' , ' }).message).toContain('needs at least one key');
  });

  it.each(['AKID', 'AKID:', ':secret', 'AK/ID:secret'])('refuses LAMBDOCK_ACCESS_KEYS entry %j', (raw) => {
    expect(configErrorOf({ LAMBDOCK_AUTH: 'sigv4', LAMBDOCK_ACCESS_KEYS: `good:one,${raw}` }).message).toContain(
      'LAMBDOCK_ACCESS_KEYS must list ACCESS_KEY_ID:SECRET pairs separated by commas',
    );
  });

  it('refuses an access key listed twice', () => {
    expect(configErrorOf({ LAMBDOCK_AUTH: 'sigv4', LAMBDOCK_ACCESS_KEYS: 'a:1,a:2' }).message).toBe("LAMBDOCK_ACCESS_KEYS lists the access key 'a' twice");
  });

  it('is a named Error', () => {
    const error = configErrorOf({ LAMBDOCK_PORT: 'x' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
  });
});
