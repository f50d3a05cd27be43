import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CreateFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LABELS } from '../../src/docker/container-driver.js';
import { ensureBaseImage } from '../../src/docker/images/index.js';
import { nodeZip } from '../helpers/zip.js';
import { ROLE } from '../helpers/test-lambdock.js';

/**
 * lambdock as docker-compose.yml runs it: an api and a worker in containers of the same engine, with Redis
 * on a network of their own and the Docker socket mounted in the worker. (By hand, since Compose itself
 * may be absent.)
 */
const root = path.resolve(import.meta.dirname, '..', '..');
const docker = new Dockerode();
const prefix = inject('testRunPrefix');
const instanceId = `${prefix}-${randomUUID().slice(0, 8)}`;
/** The infrastructure's own label: the test run's teardown sweeps it; lambdock's own sweep does not. */
const infraLabels = { [LABELS.managed]: 'true', [LABELS.instance]: `${prefix}-infra-${randomUUID().slice(0, 8)}` };
const created: Dockerode.Container[] = [];
let networkId = '';
let dataDir = '';
let client: LambdaClient;
let lambdock: Dockerode.Container;
let api: Dockerode.Container;
let listener: net.Server;

async function source(name: string): Promise<string> {
  const file = await readFile(path.join(root, 'test/integration/control-plane-isolation.test.ts'), 'utf8');
  const body = file.split(`const ${name} = \``)[1]?.split('`;')[0];
  if (body === undefined) throw new Error(`no ${name} in control-plane-isolation.test.ts`);
  return body.replaceAll('\\\\', '\\');
}

async function invoke(name: string, payload: unknown): Promise<{ error?: string; json: unknown }> {
  const out = await client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)) }));
  return { error: out.FunctionError, json: JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8')) as unknown };
}

function firewallRules(): string {
  return execFileSync('iptables', ['-w', '-S'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(`lambdock:${instanceId}`))
    .join('\n');
}

beforeAll(async () => {
  await ensureBaseImage(docker, 'redis:7-bookworm', { dockerBaseDir: path.join(root, 'docker', 'base') });
  listener = net.createServer((socket) => socket.end('host service\n'));
  await new Promise<void>((resolve) => listener.listen(0, '0.0.0.0', () => resolve()));
  dataDir = await mkdtemp(path.join(os.tmpdir(), `lambdock-${prefix}-`));
  const network = await docker.createNetwork({ Name: `lambdock-${instanceId}`, Labels: infraLabels });
  networkId = network.id;
  const redis = await docker.createContainer({
    name: `${instanceId}-redis`,
    Image: 'redis:7-bookworm',
    Labels: infraLabels,
    HostConfig: { NetworkMode: networkId, Init: true },
  });
  created.push(redis);
  await redis.start();
  // As docker-compose.yml runs them: an api without the socket, and a worker with it, on one network.
  const common = {
    Image: 'node:20-bookworm-slim',
    Labels: infraLabels,
    WorkingDir: root,
  };
  api = await docker.createContainer({
    ...common,
    name: `${instanceId}-api`,
    Cmd: ['node', 'node_modules/tsx/dist/cli.mjs', 'src/main/start.ts', 'api'],
    Env: [
      `REDIS_URL=redis://${instanceId}-redis:6379`,
      'LAMBDOCK_HOST=0.0.0.0',
      `LAMBDOCK_DATA_DIR=${dataDir}/api`,
      `LAMBDOCK_API_URL=http://${instanceId}-api:9000`,
      `LAMBDOCK_REDIS_PREFIX=${instanceId}`,
      'LAMBDOCK_LOG_LEVEL=info',
    ],
    HostConfig: { NetworkMode: networkId, Init: true, Binds: [`${root}:${root}:ro`] },
  });
  created.push(api);
  await api.start();
  lambdock = await docker.createContainer({
    ...common,
    Cmd: ['node', 'node_modules/tsx/dist/cli.mjs', 'src/main/start.ts', 'worker'],
    Env: [
      `REDIS_URL=redis://${instanceId}-redis:6379`,
      'LAMBDOCK_HOST=0.0.0.0',
      `LAMBDOCK_DATA_DIR=${dataDir}/workers/{hostname}`,
      'LAMBDOCK_WORKER_URL=http://{hostname}:9001',
      `LAMBDOCK_INSTANCE_ID=${instanceId}`,
      `LAMBDOCK_REDIS_PREFIX=${instanceId}`,
      'LAMBDOCK_BUILD_IMAGES=false',
      'LAMBDOCK_LOG_LEVEL=info',
    ],
    HostConfig: {
      NetworkMode: networkId,
      Init: true,
      CapAdd: ['SYS_ADMIN'],
      DeviceCgroupRules: ['b 7:* rmw', 'c 10:237 rmw'],
      Binds: ['/var/run/docker.sock:/var/run/docker.sock', `${dataDir}:${dataDir}`, '/dev:/dev', `${root}:${root}:ro`],
    },
  });
  created.push(lambdock);
  await lambdock.start();
  // The host reaches the api at its address on the compose network (what a published port leads to).
  const address = (await api.inspect()).NetworkSettings.Networks[`lambdock-${instanceId}`]?.IPAddress;
  const endpoint = `http://${address}:9000`;
  let lastError = '';
  for (let i = 0; ; i += 1) {
    // Healthy once a worker has registered with it.
    const ok = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(3000) }).then(
      (r) => r.ok || ((lastError = `status ${r.status}`), false),
      (error: Error) => ((lastError = `${error.message} ${String((error.cause as Error | undefined)?.message)}`), false),
    );
    if (ok) break;
    if (i > 60) {
      const logs = async (c: Dockerode.Container) => (await c.logs({ stdout: true, stderr: true })).toString('utf8').slice(-2000);
      throw new Error(`lambdock did not come up in its containers at ${endpoint} (${lastError}): api ${await logs(api)}\nworker ${await logs(lambdock)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  client = new LambdaClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  for (const [name, code] of [['curious', await source('PROBE')], ['neighbour', await source('NEIGHBOUR')]] as const) {
    await client.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Timeout: 15, Code: { ZipFile: await nodeZip(code) } }));
    await waitUntilFunctionActiveV2({ client, maxWaitTime: 60, minDelay: 1 }, { FunctionName: name });
  }
}, 300_000);

afterAll(async () => {
  client?.destroy();
  for (const c of created.reverse()) await c.remove({ force: true, v: true }).catch(() => undefined);
  if (networkId !== '') await docker.getNetwork(networkId).remove().catch(() => undefined);
  if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  await new Promise((resolve) => listener?.close(resolve));
});

describe('sandboxes of a lambdock that runs in containers (compose: api and worker)', () => {
  it('reach their own Runtime API and nothing else: not the host, Redis, the api, the worker or each other', async () => {
    expect(firewallRules()).toContain('-j LAMBDOCK-');
    const neighbour = (await invoke('neighbour', {})).json as { address: string; port: number };
    const hosts = new Set<string>();
    for (const m of execFileSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' }).matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)) {
      if (m[1] !== undefined) hosts.add(m[1]);
    }
    const self = await lambdock.inspect();
    const apiSelf = await api.inspect();
    const redis = await created[0]?.inspect();
    const port = (listener.address() as net.AddressInfo).port;
    const targets = [
      ...[...hosts].flatMap((host) => [6379, 9000, port].map((p) => ({ host, port: p }))),
      ...Object.values(self.NetworkSettings.Networks).flatMap((n) => [9000, 9001].map((p) => ({ host: n.IPAddress, port: p }))),
      ...Object.values(apiSelf.NetworkSettings.Networks).map((n) => ({ host: n.IPAddress, port: 9000 })),
      ...Object.values(redis?.NetworkSettings.Networks ?? {}).map((n) => ({ host: n.IPAddress, port: 6379 })),
      { host: neighbour.address, port: neighbour.port },
    ];
    const out = await invoke('curious', { targets });
    expect(out.error).toBeUndefined();
    const present = new Set(execFileSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' }).match(/\d+\.\d+\.\d+\.\d+(?=\/)/g) ?? []);
    const probes = (out.json as Array<{ host: string; port: number; result: string }>).filter((p) => !hosts.has(p.host) || present.has(p.host));
    expect(probes.length).toBeGreaterThan(6);
    expect(probes.filter((p) => !['ECONNREFUSED', 'ECONNRESET', 'closed'].includes(p.result))).toEqual([]);
  });

  it('removes its network and its firewall rules when it stops', async () => {
    await lambdock.stop({ t: 30 });
    expect(firewallRules()).toBe('');
    const networks = await docker.listNetworks({ filters: { label: [`${LABELS.instance}=${instanceId}`] } });
    expect(networks).toEqual([]);
  });
});
