import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Dockerode from 'dockerode';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { LABELS } from '../../src/docker/container-driver.js';
import { findImageFiles, loopDevicesUnder } from '../helpers/leak-checks.js';
import { removeRedisKeys } from '../helpers/role-settings.js';
import { nodeZip } from '../helpers/zip.js';
import { deleteQuietly, startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

/** Few loop devices on a shared host: no spares, only the disks the environments use. */
const LEAN = { LAMBDOCK_TMP_SPARES_PER_SIZE: '0', LAMBDOCK_PAUSE_GRACE_MS: '50' };
const docker = new Dockerode();
const started: TestLambdock[] = [];

async function start(env: Record<string, string>): Promise<TestLambdock> {
  const t = await startTestLambdock({ ...LEAN, ...env });
  started.push(t);
  return t;
}

/** What an installation holds on the engine and the host, as the engine and losetup list it. */
async function holdings(t: TestLambdock) {
  const labels = [`${LABELS.instance}=${t.instanceId}`];
  const containers = await docker.listContainers({ all: true, filters: { label: labels } });
  const volumes = (await docker.listVolumes({ filters: { label: labels } })).Volumes ?? [];
  return {
    containers: containers.map((c) => `${c.Id} ${c.State}`).sort(),
    volumes: volumes.map((v) => v.Name).sort(),
    loopDevices: (await loopDevicesUnder(t.dataDir)).map((d) => `${d.device} ${d.backingFile}`).sort(),
    imageFiles: (await findImageFiles(t.dataDir)).sort(),
  };
}

/**
 * Everything `before` listed is still there, as it was: the neighbour removed or changed nothing of it. The
 * installation itself may have added to it meanwhile (a spare network holder it refills on its own).
 */
function expectKept(now: Awaited<ReturnType<typeof holdings>>, before: Awaited<ReturnType<typeof holdings>>): void {
  expect(now.containers).toEqual(expect.arrayContaining(before.containers));
  expect(now.volumes).toEqual(expect.arrayContaining(before.volumes));
  expect(now.loopDevices).toEqual(expect.arrayContaining(before.loopDevices));
  expect(now.imageFiles).toEqual(expect.arrayContaining(before.imageFiles));
}

/** A's holdings once its spares have settled (a spare network holder goes created → running on its own). */
async function settledHoldings(t: TestLambdock): ReturnType<typeof holdings> {
  let last = await holdings(t);
  for (let i = 0; i < 40; i += 1) {
    await sleep(250);
    const now = await holdings(t);
    const busy = now.containers.some((c) => !/ (running|paused)$/.test(c));
    if (!busy && JSON.stringify(now) === JSON.stringify(last)) return now;
    last = now;
  }
  throw new Error(`${t.instanceId} never settled`);
}

async function waitForPaused(t: TestLambdock, name: string): Promise<string> {
  for (let i = 0; i < 100; i += 1) {
    const [container] = await t.containersOf(name);
    if (container?.state === 'paused') return container.id;
    await sleep(50);
  }
  throw new Error(`${name} never froze`);
}

/**
 * A has a warm (paused) environment with a /tmp disk; B starts beside it, runs a function of its own and
 * closes. A's container, volume, loop device and image file are untouched, and A still answers warm.
 */
async function checkNeighbours(a: TestLambdock, startB: () => Promise<TestLambdock>): Promise<void> {
  const fn = `warm-${randomUUID().slice(0, 6)}`;
  await a.createFunction({ FunctionName: fn, Code: { ZipFile: await nodeZip('const id = Math.random(); exports.handler = async () => id;') } });
  const first = await a.invoke({ FunctionName: fn });
  const containerId = await waitForPaused(a, fn);
  const before = await settledHoldings(a);
  expect(before.volumes.length).toBeGreaterThanOrEqual(1);
  expect(before.loopDevices).toHaveLength(1);
  expect(before.imageFiles).toHaveLength(1);
  expect(before.containers).toContain(`${containerId} paused`);

  const b = await startB();
  expect(b.instanceId).not.toBe(a.instanceId);
  expectKept(await holdings(a), before);
  const other = `other-${randomUUID().slice(0, 6)}`;
  await b.createFunction({ FunctionName: other, Code: { ZipFile: await nodeZip('exports.handler = async () => "b";') } });
  expect((await b.invoke({ FunctionName: other })).body).toBe('"b"');
  await deleteQuietly(b, other);
  await b.close();
  expectKept(await holdings(a), before);

  const again = await a.invoke({ FunctionName: fn, LogType: 'Tail' });
  expect(again.body).toBe(first.body);
  expect(again.logs).not.toMatch(/Init Duration/);
  expect((await a.containersOf(fn)).map((c) => c.id)).toEqual([containerId]);
  await deleteQuietly(a, fn);
}

/** Redis prefixes a test chose for several installations: the harness leaves those to the test. */
const sharedPrefixes: string[] = [];

afterEach(async () => {
  const leftovers: string[] = [];
  for (const t of started.splice(0)) {
    await t.close().catch(() => undefined);
    // Generated ids carry no run prefix: teardown cannot see them, so look here.
    const left = await holdings(t);
    leftovers.push(...left.containers, ...left.volumes);
    for (const id of left.containers) await docker.getContainer(id.split(' ')[0] ?? '').remove({ force: true }).catch(() => undefined);
    for (const name of left.volumes) await docker.getVolume(name).remove().catch(() => undefined);
  }
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  for (const prefix of sharedPrefixes.splice(0)) await removeRedisKeys(redis, prefix);
  await redis.quit();
  expect(leftovers).toEqual([]);
});

describe('two installations on one engine and one Redis', () => {
  it('with their own ids, prefixes and data dirs, never touch each other', async () => {
    const a = await start({});
    await checkNeighbours(a, () => start({}));
  });

  it('with the default settings but their data dirs, each keeps an id of its own and never touches the other', async () => {
    // The default instance id and one Redis prefix for both (this run's, not the real default's data).
    const shared = { LAMBDOCK_INSTANCE_ID: '', LAMBDOCK_REDIS_PREFIX: `${inject('testRunPrefix')}-shared-${randomUUID().slice(0, 6)}` };
    sharedPrefixes.push(shared.LAMBDOCK_REDIS_PREFIX);
    const a = await start(shared);
    await checkNeighbours(a, () => start(shared));
    expect(a.instanceId).toMatch(/^lambdock-[0-9a-f]{12}$/);
    expect((await readFile(path.join(a.dataDir, 'instance-id'), 'utf8')).trim()).toBe(a.instanceId);
  });
});
