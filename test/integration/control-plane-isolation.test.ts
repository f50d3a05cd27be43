import { execFileSync } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import type Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../src/docker/container-driver.js';
import { getRuntimeImageTag } from '../../src/docker/images/index.js';
import { nodeZip } from '../helpers/zip.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

/**
 * Function code tries TCP connections from inside a real sandbox. Each attempt sends an HTTP request and
 * reports how it ended: 'answered' (bytes came back), an error code, 'closed' (the peer closed without a
 * word) or 'timeout'. A refusal is ECONNREFUSED, ECONNRESET or 'closed'; a timeout is not one.
 */
const PROBE = `
const net = require('net');
function probe({ host, port }) {
  return new Promise((resolve) => {
    let settled = false;
    const socket = net.connect({ host, port });
    const done = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ host, port, result });
    };
    const timer = setTimeout(() => done('timeout'), 3000);
    socket.on('connect', () => socket.write('GET /2015-03-31/functions/ HTTP/1.1\\r\\nHost: lambdock\\r\\n\\r\\n'));
    socket.on('data', () => done('answered'));
    socket.on('error', (e) => done(e.code));
    socket.on('close', () => done('closed'));
  });
}
exports.handler = async (event) => Promise.all(event.targets.map(probe));
`;

/** A function that serves TCP on 8080 in its own sandbox and tells its address. */
const NEIGHBOUR = `
const net = require('net');
const os = require('os');
let server;
exports.handler = async () => {
  if (server === undefined) {
    server = net.createServer((socket) => socket.end('neighbour\\n'));
    await new Promise((resolve) => server.listen(8080, '0.0.0.0', resolve));
  }
  const address = Object.values(os.networkInterfaces()).flat().find((i) => i.family === 'IPv4' && !i.internal).address;
  return { address, port: 8080 };
};
`;

const REFUSED = ['ECONNREFUSED', 'ECONNRESET', 'closed'];

interface Probe {
  host: string;
  port: number;
  result: string;
}

/** The host's IPv4 addresses: os.networkInterfaces() skips interfaces without carrier (an idle docker0), `ip` does not. */
function hostAddresses(): Set<string> {
  const found = new Set<string>();
  for (const list of Object.values(os.networkInterfaces())) {
    for (const i of list ?? []) if (i.family === 'IPv4') found.add(i.address);
  }
  const listing = execFileSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' });
  for (const match of listing.matchAll(/\binet (\d+\.\d+\.\d+\.\d+)\//g)) if (match[1] !== undefined) found.add(match[1]);
  return found;
}

/** Every IPv4 address of the host, and each Docker network's gateway. */
async function everyHostAddress(t: TestLambdock): Promise<string[]> {
  const found = hostAddresses();
  for (const n of await t.lambdock.docker.listNetworks()) {
    const info = await t.lambdock.docker.getNetwork(n.Id).inspect().catch(() => undefined);
    for (const c of info?.IPAM?.Config ?? []) if (c.Gateway !== undefined && !c.Gateway.includes(':')) found.add(c.Gateway);
  }
  return [...found];
}

/**
 * Runs the probe function against `targets`. Other test runs add and remove Docker networks meanwhile:
 * results for host addresses that left the host during the probe are dropped.
 */
async function probeFromSandbox(t: TestLambdock, functionName: string, targets: Array<{ host: string; port: number }>, hostTargets: string[]): Promise<Probe[]> {
  const out = await t.invoke({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify({ targets })) });
  expect(out.FunctionError, out.body).toBeUndefined();
  const present = hostAddresses();
  const probes = out.json() as Probe[];
  if (process.env.LAMBDOCK_TEST_SHOW_PROBES) console.log(probes);
  return probes.filter((p) => present.has(p.host) || !hostTargets.includes(p.host));
}

function refusals(probes: Probe[]) {
  return probes.map((p) => ({ target: `${p.host}:${p.port}`, refused: REFUSED.includes(p.result), result: p.result }));
}

describe('the control plane, seen from a sandbox (host access open)', () => {
  let t: TestLambdock;
  beforeAll(async () => {
    // The API on every interface and no host firewall: the Lambda API alone must refuse sandboxes.
    t = await startTestLambdock({ LAMBDOCK_HOST: '0.0.0.0', LAMBDOCK_SANDBOX_HOST_ACCESS: 'open' });
    await t.createFunction({ FunctionName: 'curious', Timeout: 15, Code: { ZipFile: await nodeZip(PROBE) } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses the Lambda API at every address of the host', async () => {
    const port = Number(new URL(t.url).port);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    const addresses = await everyHostAddress(t);
    expect(addresses.length).toBeGreaterThan(2);
    const probes = await probeFromSandbox(t, 'curious', addresses.map((host) => ({ host, port })), addresses);
    expect(probes.length).toBeGreaterThan(2);
    expect(refusals(probes).filter((p) => !p.refused)).toEqual([]);
  });
});

describe('the host, seen from a sandbox (host access blocked, the default)', () => {
  let t: TestLambdock;
  let listener: net.Server;
  let listenerPort = 0;
  let other: Dockerode.Container | undefined;
  beforeAll(async () => {
    // Something else on the host, listening on every address.
    listener = net.createServer((socket) => socket.end('host service\n'));
    await new Promise<void>((resolve) => listener.listen(0, '0.0.0.0', () => resolve()));
    listenerPort = (listener.address() as net.AddressInfo).port;
    // A long pause grace, so the neighbour sandbox is running (not frozen) when it is probed.
    t = await startTestLambdock({ LAMBDOCK_HOST: '0.0.0.0', LAMBDOCK_PAUSE_GRACE_MS: '60000' });
    await t.createFunction({ FunctionName: 'curious', Timeout: 15, Code: { ZipFile: await nodeZip(PROBE) } });
    await t.createFunction({ FunctionName: 'neighbour', Code: { ZipFile: await nodeZip(NEIGHBOUR) } });
    // A container that is no sandbox, on the default bridge (under compose: Redis on lambdock's network).
    other = await t.lambdock.docker.createContainer({
      Image: getRuntimeImageTag('nodejs20.x') ?? 'lambdock-runtime:nodejs20.x',
      Entrypoint: ['node', '-e', "require('net').createServer((s) => s.end('other\\n')).listen(8080)"],
      Labels: { [LABELS.managed]: 'true', [LABELS.instance]: t.instanceId },
      HostConfig: { NetworkMode: 'bridge', Init: true },
    });
    await other.start();
  });
  afterAll(async () => {
    await other?.remove({ force: true });
    await t?.close();
    await new Promise((resolve) => listener?.close(resolve));
  });

  it('refuses every host address on Redis, the Lambda API and any other port, other sandboxes and containers; its own Runtime API works', async () => {
    // The host service answers from the host itself: what a sandbox must not reach is really there.
    const direct = await new Promise<string>((resolve, reject) => {
      const s = net.connect(listenerPort, '127.0.0.1');
      s.on('data', (d) => resolve(d.toString()));
      s.on('error', reject);
    });
    expect(direct).toBe('host service\n');
    const neighbour = (await t.invoke({ FunctionName: 'neighbour' })).json() as { address: string; port: number };
    expect(neighbour.address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const otherAddress = (await other?.inspect())?.NetworkSettings.Networks.bridge?.IPAddress ?? '';
    expect(otherAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

    const addresses = await everyHostAddress(t);
    const apiPort = Number(new URL(t.url).port);
    const targets = [
      ...addresses.flatMap((host) => [6379, apiPort, listenerPort].map((port) => ({ host, port }))),
      { host: neighbour.address, port: neighbour.port },
      { host: otherAddress, port: 8080 },
    ];
    // The invocation answering at all shows the sandbox's own Runtime API still works.
    const probes = await probeFromSandbox(t, 'curious', targets, addresses);
    expect(probes.some((p) => p.host === neighbour.address)).toBe(true);
    expect(probes.some((p) => p.host === otherAddress)).toBe(true);
    expect(probes.length).toBeGreaterThan(6);
    expect(refusals(probes).filter((p) => !p.refused)).toEqual([]);
  });
});
