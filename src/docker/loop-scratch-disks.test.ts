import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LoopScratchDisks, probeLoopDevices, type DiskHost } from './loop-scratch-disks.js';

/** Records every host call; `failing` names the calls that fail. */
function fakeHost(failing: Partial<Record<keyof DiskHost, Error>> = {}) {
  const calls: string[] = [];
  const volumes = new Map<string, Record<string, string>>();
  const devices = new Map<string, string>();
  let nextDevice = 0;
  const step = async (name: keyof DiskHost, detail: string) => {
    calls.push(`${name} ${detail}`);
    const failure = failing[name];
    if (failure !== undefined) throw failure;
  };
  const host: DiskHost = {
    format: (image) => step('format', path.basename(image)),
    async attachLoopDevice(image) {
      await step('attachLoopDevice', path.basename(image));
      const device = `/dev/loop${nextDevice++}`;
      devices.set(device, image);
      return device;
    },
    async createVolume(name, _device, labels) {
      await step('createVolume', name);
      volumes.set(name, labels);
    },
    async removeVolume(name) {
      await step('removeVolume', name);
      volumes.delete(name);
    },
    async listVolumes(labels) {
      const matches = (l: Record<string, string>) => labels.every((kv) => l[kv.split('=')[0] ?? ''] === kv.split('=')[1]);
      return [...volumes].filter(([, l]) => matches(l)).map(([n]) => n);
    },
    async detachLoopDevice(device) {
      await step('detachLoopDevice', device);
      devices.delete(device);
    },
    async listLoopDevices() {
      return [...devices].map(([device, backingFile]) => ({ device, backingFile }));
    },
    async unlink(file) {
      await step('unlink', path.basename(file));
      await rm(file, { force: true });
    },
  };
  return { host, calls, volumes, devices };
}

describe('LoopScratchDisks', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'scratch-unit-'));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('removing a disk tries the volume, the loop device and the image file, even when the volume refuses', async () => {
    const inUse = Object.assign(new Error('volume is in use'), { statusCode: 409 });
    const { host, calls, devices } = fakeHost({ removeVolume: inUse });
    const disks = new LoopScratchDisks(host, dataDir, 'inst-a');
    const disk = await disks.createScratchDisk(16, { 'lambdock.managed': 'true' });
    calls.length = 0;
    await expect(disk.release()).rejects.toBe(inUse);
    expect(calls.map((c) => c.split(' ')[0])).toEqual(['removeVolume', 'detachLoopDevice', 'unlink']);
    expect(devices.size).toBe(0);
    expect(await readdir(path.join(dataDir, 'scratch', 'inst-a'))).toEqual([]);
  });

  it('reports every failed step of a removal', async () => {
    const { host } = fakeHost({ removeVolume: new Error('engine down'), detachLoopDevice: new Error('busy') });
    const disk = await new LoopScratchDisks(host, dataDir, 'inst-a').createScratchDisk(16, {});
    const error = await disk.release().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual(['engine down', 'busy']);
  });

  it('undoes what it made when creating the volume fails', async () => {
    const { host, calls, devices } = fakeHost({ createVolume: new Error('no') });
    await expect(new LoopScratchDisks(host, dataDir, 'inst-a').createScratchDisk(16, {})).rejects.toThrow('no');
    expect(calls.map((c) => c.split(' ')[0])).toEqual(['format', 'attachLoopDevice', 'createVolume', 'removeVolume', 'detachLoopDevice', 'unlink']);
    expect(devices.size).toBe(0);
  });

  it("sweeps only its own installation's volumes, loop devices and image files, even in a shared data dir", async () => {
    const { host, volumes, devices } = fakeHost();
    const mine = new LoopScratchDisks(host, dataDir, 'inst-a');
    const theirs = new LoopScratchDisks(host, dataDir, 'inst-a-b');
    const labels = { 'lambdock.managed': 'true' };
    await mine.createScratchDisk(16, labels);
    const kept = await theirs.createScratchDisk(16, labels);
    // A file of an older layout, directly under scratch/: not this installation's to judge.
    await mkdir(path.join(dataDir, 'scratch'), { recursive: true });
    await writeFile(path.join(dataDir, 'scratch', 'legacy.img'), '');
    expect(await mine.removeOrphans()).toBe(1);
    expect([...volumes.keys()]).toEqual([kept.volume]);
    expect([...devices.values()].map((f) => path.basename(path.dirname(f)))).toEqual(['inst-a-b']);
    expect(await readdir(path.join(dataDir, 'scratch', 'inst-a'))).toEqual([]);
    expect(await readdir(path.join(dataDir, 'scratch', 'inst-a-b'))).toEqual([`${kept.volume}.img`]);
    expect(await readdir(path.join(dataDir, 'scratch'))).toContain('legacy.img');
  });
});

describe('probeLoopDevices', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'scratch-probe-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('attaches and detaches a test image, leaving nothing, when loop devices work', async () => {
    const { host, calls, devices } = fakeHost();
    await expect(probeLoopDevices(host, dir)).resolves.toBeUndefined();
    expect(calls.map((c) => c.split(' ')[0])).toEqual(['format', 'attachLoopDevice', 'detachLoopDevice', 'unlink']);
    expect(devices.size).toBe(0);
    expect(await readdir(dir)).toEqual([]);
  });

  it("answers losetup's reason when it cannot attach one, and removes the test image", async () => {
    const refused = Object.assign(new Error('Command failed: losetup'), { stderr: 'losetup: /x.img: failed to set up loop device: Permission denied\n' });
    const { host } = fakeHost({ attachLoopDevice: new Error('no free loop device', { cause: refused }) });
    await expect(probeLoopDevices(host, dir)).resolves.toBe('losetup: /x.img: failed to set up loop device: Permission denied');
    expect(await readdir(dir)).toEqual([]);
  });
});
