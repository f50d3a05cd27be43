import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ListFunctionsCommand } from '@aws-sdk/client-lambda';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type LambdockHarness } from '../../src/index.js';
import { LABELS } from '../../src/docker/container-driver.js';

// The harness as a user's test suite runs it: its own namespace, its own redis-server when given no
// REDIS_URL (here: the test run's Redis, to check its keys), stop() removes everything it made.
const docker = new Dockerode();
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let folder: string;

const CALLER = `const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');
const lambda = new LambdaClient({});
exports.handler = async (event) => {
  const out = await lambda.send(new InvokeCommand({ FunctionName: 'greeter', Payload: JSON.stringify(event) }));
  console.log('called greeter');
  return { via: 'caller', answer: JSON.parse(Buffer.from(out.Payload).toString()) };
};`;

/** What a run left behind: containers, volumes and networks with its label, Redis keys under its prefix, its data dir. */
async function leftovers(harness: LambdockHarness) {
  const label = `${LABELS.instance}=${harness.instanceId}`;
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${harness.instanceId}:*`);
  await redis.quit();
  const dataDirs = (await readdir(os.tmpdir())).filter((name) => name.startsWith(`lambdock-${harness.instanceId}-`));
  return {
    containers: (await docker.listContainers({ all: true, filters: { label: [label] } })).length,
    volumes: ((await docker.listVolumes({ filters: { label: [label] } })).Volumes ?? []).length,
    networks: (await docker.listNetworks({ filters: { label: [label] } })).length,
    keys: keys.length,
    dataDirs: dataDirs.length,
  };
}

beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), 'lambdock-harness-app-'));
  await mkdir(path.join(folder, 'lib'));
  await writeFile(path.join(folder, 'index.js'), "const { greet } = require('./lib/greet'); exports.handler = async (e) => { console.log('greeting', e.name); return greet(e.name); };");
  await writeFile(path.join(folder, 'lib', 'greet.js'), 'exports.greet = (name) => `hello ${name}`;');
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('the programmatic harness (startHarness)', () => {
  it('starts, deploys a folder, invokes (payload, logs, errors), and stops leaving nothing, twice in one process', async () => {
    for (let round = 0; round < 2; round += 1) {
      const harness = await startHarness({ redisUrl, settings: { LAMBDOCK_BUILD_IMAGES: 'false' } });
      try {
        const config = await harness.deployFunction({ name: 'greeter', folder });
        expect(config.State).toBe('Active');
        const ok = await harness.invoke('greeter', { name: 'ada' });
        expect(ok).toMatchObject({ statusCode: 200, payload: 'hello ada' });
        expect(ok.functionError).toBeUndefined();
        expect(ok.logs.some((line) => line.includes('greeting ada'))).toBe(true);
        expect(ok.logs.some((line) => line.startsWith('REPORT RequestId:'))).toBe(true);
        const failed = await harness.invoke('greeter', { name: { toString: null } });
        expect(failed.functionError).toBe('Unhandled');
      } finally {
        await harness.stop();
      }
      await harness.stop();
      expect(await leftovers(harness)).toEqual({ containers: 0, volumes: 0, networks: 0, keys: 0, dataDirs: 0 });
    }
  });

  it("runs two harnesses at once that do not see each other's functions; a function calls another through the AWS SDK", async () => {
    const [a, b] = await Promise.all([
      startHarness({ redisUrl, settings: { LAMBDOCK_BUILD_IMAGES: 'false' } }),
      startHarness({ redisUrl, settings: { LAMBDOCK_BUILD_IMAGES: 'false' } }),
    ]);
    try {
      await a.deployFunction({ name: 'greeter', folder });
      await b.deployFunction({ name: 'other', folder });
      const names = async (h: LambdockHarness) => ((await h.lambda.send(new ListFunctionsCommand({}))).Functions ?? []).map((f) => f.FunctionName);
      expect(await names(a)).toEqual(['greeter']);
      expect(await names(b)).toEqual(['other']);

      const { makeZip } = await import('../helpers/zip.js');
      await a.deployFunction({ name: 'caller', zip: await makeZip({ 'index.js': CALLER }), Timeout: 15 });
      const out = await a.invoke('caller', { name: 'grace' });
      expect(out.payload).toEqual({ via: 'caller', answer: 'hello grace' });
      expect(out.logs.some((line) => line.includes('called greeter'))).toBe(true);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(await leftovers(a)).toEqual({ containers: 0, volumes: 0, networks: 0, keys: 0, dataDirs: 0 });
  });

  it('starts a redis-server of its own when given no Redis, and stops it', async () => {
    const harness = await startHarness({ settings: { LAMBDOCK_BUILD_IMAGES: 'false' } });
    try {
      expect(harness.redisUrl).not.toBe(redisUrl);
      await harness.deployFunction({ name: 'greeter', folder });
      expect((await harness.invoke('greeter', { name: 'own' })).payload).toBe('hello own');
    } finally {
      await harness.stop();
    }
    const { Redis } = await import('ioredis');
    const probe = new Redis(harness.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    await expect(probe.connect()).rejects.toThrow();
    probe.disconnect();
  });
});
