import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteFunctionCommand } from '@aws-sdk/client-lambda';
import Dockerode from 'dockerode';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LABELS } from '../../src/docker/container-driver.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { within } from '../helpers/within.js';
import { nodeZip } from '../helpers/zip.js';

/**
 * LAMBDOCK_FREEZE=cgroup on this host (cgroup v1, the engine's cgroupfs driver): idle environments are
 * frozen by writing their freezer cgroup, which the test reads from the host's cgroupfs.
 */
const FREEZER = '/sys/fs/cgroup/freezer/docker';
const CGROUP = { LAMBDOCK_FREEZE: 'cgroup', LAMBDOCK_PAUSE_GRACE_MS: '50' };
const COUNTER = 'let count = 0; exports.handler = async () => { count += 1; return count; };';
const docker = new Dockerode();
let t: TestLambdock;

beforeAll(async () => {
  t = await startTestLambdock(CGROUP);
});
afterAll(async () => {
  await t?.close();
});

const freezerState = (id: string) => readFileSync(`${FREEZER}/${id}/freezer.state`, 'utf8').trim();

async function waitForFrozen(id: string): Promise<void> {
  for (let i = 0; i < 100 && freezerState(id) !== 'FROZEN'; i += 1) await sleep(20);
  expect(freezerState(id)).toBe('FROZEN');
}

async function onlyContainerOf(harness: TestLambdock, name: string): Promise<string> {
  const containers = await harness.containersOf(name);
  expect(containers).toHaveLength(1);
  return containers[0]?.id ?? '';
}

async function waitForNoContainers(harness: TestLambdock, name: string): Promise<void> {
  for (let i = 0; i < 100 && (await harness.containersOf(name)).length > 0; i += 1) await sleep(50);
  expect(await harness.containersOf(name)).toEqual([]);
}

describe('LAMBDOCK_FREEZE=cgroup', () => {
  it("freezes an idle environment through its freezer cgroup (the engine still lists it running), and the next invoke thaws it", async () => {
    await t.createFunction({ FunctionName: 'counter', Code: { ZipFile: await nodeZip(COUNTER) } });
    expect((await t.invoke({ FunctionName: 'counter' })).body).toBe('1');
    const id = await onlyContainerOf(t, 'counter');
    await waitForFrozen(id);
    expect((await t.containersOf('counter'))[0]?.state).toBe('running');
    expect((await docker.getContainer(id).inspect()).State).toMatchObject({ Running: true, Paused: false });

    for (let n = 2; n <= 4; n += 1) {
      const answer = await within(5_000, t.invoke({ FunctionName: 'counter' }), 'Invoke of a frozen environment');
      // The same process answers: it was frozen and thawed, not started again.
      expect(answer.body).toBe(String(n));
      expect(await onlyContainerOf(t, 'counter')).toBe(id);
      await waitForFrozen(id);
    }
  });

  it('removes a frozen environment on DeleteFunction, cgroup and all', async () => {
    await t.createFunction({ FunctionName: 'deleted', Code: { ZipFile: await nodeZip(COUNTER) } });
    await t.invoke({ FunctionName: 'deleted' });
    const id = await onlyContainerOf(t, 'deleted');
    await waitForFrozen(id);
    await t.client.send(new DeleteFunctionCommand({ FunctionName: 'deleted' }));
    await waitForNoContainers(t, 'deleted');
    expect(existsSync(`${FREEZER}/${id}`)).toBe(false);
  });

  it('removes its frozen environments when it closes', async () => {
    const other = await startTestLambdock(CGROUP);
    let id = '';
    try {
      await other.createFunction({ FunctionName: 'closing', Code: { ZipFile: await nodeZip(COUNTER) } });
      await other.invoke({ FunctionName: 'closing' });
      id = await onlyContainerOf(other, 'closing');
      await waitForFrozen(id);
    } finally {
      await within(20_000, other.close(), 'close with a frozen environment');
    }
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.instance}=${other.instanceId}`] } });
    expect(left).toEqual([]);
    expect(existsSync(`${FREEZER}/${id}`)).toBe(false);
  });

  it('thaws and sweeps at startup a container an earlier run froze through its cgroup and left behind', async () => {
    const instanceId = `${inject('testRunPrefix')}-${randomUUID().slice(0, 8)}`;
    // What a lambdock that died with a frozen environment leaves: a container of its installation,
    // frozen behind the engine's back.
    const orphan = await docker.createContainer({
      Image: 'lambdock-runtime:provided',
      Entrypoint: ['sleep', '600'],
      Labels: { [LABELS.managed]: 'true', [LABELS.instance]: instanceId },
      HostConfig: { Init: true, NetworkMode: 'none' },
    });
    let restarted: TestLambdock | undefined;
    try {
      await orphan.start();
      // Frozen once its processes run: runc's init caught in mid-exec never freezes (FREEZING for good).
      const tasks = () => readFileSync(`${FREEZER}/${orphan.id}/tasks`, 'utf8').trim().split('\n');
      const comm = (pid: string) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        } catch {
          return 'gone';
        }
      };
      for (let i = 0; i < 100 && (tasks().length < 2 || tasks().some((pid) => comm(pid).startsWith('runc'))); i += 1) await sleep(20);
      writeFileSync(`${FREEZER}/${orphan.id}/freezer.state`, 'FROZEN');
      await waitForFrozen(orphan.id);

      // (This host's runc, 1.1.5, thaws a FROZEN container itself when the engine SIGKILLs it, not a FREEZING
      // one, and older ones do neither: what shows lambdock's own thaw is its log.)
      const lines: string[] = [];
      const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
      restarted = await within(
        30_000,
        startTestLambdock({ ...CGROUP, LAMBDOCK_INSTANCE_ID: instanceId }, inject('testRunPrefix'), { logger }),
        'start beside a frozen orphan',
      );
      const sweep = lines.map((line) => JSON.parse(line) as { msg: string }).find((line) => line.msg === 'Removed orphans of an earlier run');
      expect(sweep).toMatchObject({ containers: 1, thawed: 1 });
      await expect(orphan.inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect(existsSync(`${FREEZER}/${orphan.id}`)).toBe(false);
    } finally {
      await restarted?.close();
      // Left frozen (a sweep that failed, or a freeze that never completed), the run's teardown could not remove it.
      if (existsSync(`${FREEZER}/${orphan.id}`)) writeFileSync(`${FREEZER}/${orphan.id}/freezer.state`, 'THAWED');
      await orphan.remove({ force: true }).catch(() => undefined);
    }
  });
});
