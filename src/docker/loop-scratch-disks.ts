import { execFile as execFileCb } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdir, open, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type Dockerode from 'dockerode';
import { LABELS, SANDBOX_GID, SANDBOX_UID, type VolumeScratchDisk, type VolumeScratchDiskProvider } from './container-driver.js';
import { NO_FREE_LOOP_DEVICE, noFreeLoopDevice } from './scratch-disk-errors.js';

const execFile = promisify(execFileCb);

/** The host's side of a disk: the engine's volumes, the loop devices, the image files. */
export interface DiskHost {
  /** Formats the image file ext4, owned by the sandbox user. */
  format(image: string): Promise<void>;
  /** Attaches the image to a free loop device and answers its path. */
  attachLoopDevice(image: string): Promise<string>;
  createVolume(name: string, device: string, labels: Record<string, string>): Promise<void>;
  removeVolume(name: string): Promise<void>;
  /** Names of the volumes carrying every one of `labels`. */
  listVolumes(labels: string[]): Promise<string[]>;
  detachLoopDevice(device: string): Promise<void>;
  /** Every attached loop device and its backing file. */
  listLoopDevices(): Promise<Array<{ device: string; backingFile: string }>>;
  unlink(file: string): Promise<void>;
}

/** Removing a volume that a container still uses fails; the container may be on its way out. */
const VOLUME_IN_USE_RETRIES = [100, 300, 1000];

export function createDiskHost(docker: Dockerode): DiskHost {
  return {
    async format(image) {
      await execFile('mkfs.ext4', [
        '-q', '-F', '-m', '0', '-O', '^has_journal',
        '-E', `root_owner=${SANDBOX_UID}:${SANDBOX_GID},lazy_itable_init=1`, image,
      ]);
    },
    async attachLoopDevice(image) {
      try {
        return (await execFile('losetup', ['-f', '--show', image])).stdout.trim();
      } catch (error) {
        const stderr = String((error as { stderr?: unknown }).stderr ?? (error as Error).message);
        if (NO_FREE_LOOP_DEVICE.test(stderr)) throw noFreeLoopDevice(error);
        throw error;
      }
    },
    async createVolume(name, device, labels) {
      await docker.createVolume({ Name: name, Driver: 'local', DriverOpts: { type: 'ext4', device }, Labels: labels });
    },
    async removeVolume(name) {
      for (let attempt = 0; ; attempt += 1) {
        try {
          await docker.getVolume(name).remove();
          return;
        } catch (error) {
          const status = (error as { statusCode?: number }).statusCode;
          if (status === 404) return;
          const delay = VOLUME_IN_USE_RETRIES[attempt];
          if (status !== 409 || delay === undefined) throw error;
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    },
    async listVolumes(labels) {
      const volumes = await docker.listVolumes({ filters: { label: labels } });
      return (volumes.Volumes ?? []).map((v) => v.Name);
    },
    async detachLoopDevice(device) {
      await execFile('losetup', ['-d', device]);
    },
    async listLoopDevices() {
      const { stdout } = await execFile('losetup', ['-J', '-l']);
      if (stdout.trim() === '') return [];
      const parsed = JSON.parse(stdout) as { loopdevices: Array<{ name: string; 'back-file': string | null }> };
      return parsed.loopdevices.map((d) => ({ device: d.name, backingFile: (d['back-file'] ?? '').replace(/ \(deleted\)$/, '') }));
    },
    async unlink(file) {
      try {
        await unlink(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    },
  };
}

/** Runs every step whatever became of the others; throws what failed (one error, or an AggregateError). */
export async function runEveryStep(what: string, steps: Array<() => Promise<unknown>>): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, `${what}: ${failures.length} steps failed`);
}

/**
 * Whether this process can make loop disks: formats a 1 MB image in `dir`, attaches it to a loop
 * device and detaches it again. Answers why not (undefined when it can). In a container this needs
 * CAP_SYS_ADMIN, the loop devices in its device cgroup and the host's /dev (new devices appear there).
 */
export async function probeLoopDevices(host: DiskHost, dir: string): Promise<string | undefined> {
  const image = path.join(dir, `lambdock-probe-${randomBytes(6).toString('hex')}.img`);
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(image, 'w', 0o600);
    try {
      await handle.truncate(1024 * 1024);
    } finally {
      await handle.close();
    }
    await host.format(image);
    const device = await host.attachLoopDevice(image);
    await host.detachLoopDevice(device);
    return undefined;
  } catch (error) {
    // losetup's and mkfs's own words say best why (attachLoopDevice wraps some of them in its cause).
    for (const candidate of [error, (error as { cause?: unknown }).cause]) {
      const stderr = (candidate as { stderr?: unknown } | undefined)?.stderr;
      if (typeof stderr === 'string' && stderr.trim() !== '') return stderr.trim();
    }
    return (error as Error).message;
  } finally {
    await host.unlink(image).catch(() => undefined);
  }
}

/**
 * /tmp for sandboxes with a real size limit that is NOT charged to the memory cgroup (a tmpfs would be):
 * a sparse file formatted ext4, attached to a loop device, handed to the engine as a `local` volume of
 * type ext4. The engine does the mounting, so this works the same whether lambdock runs on the host or in
 * a container that shares the host's engine. The disk outlives container restarts: /tmp survives resets.
 *
 * Image files live in `<dataDir>/scratch/<instanceId>/`, volumes carry the instance label: an installation
 * sweeps only its own, even beside another one on the same engine (or in the same data dir).
 */
export class LoopScratchDisks implements VolumeScratchDiskProvider {
  readonly dir: string;

  constructor(
    private readonly host: DiskHost,
    dataDir: string,
    private readonly instanceId: string,
  ) {
    this.dir = path.join(dataDir, 'scratch', instanceId);
  }

  async createScratchDisk(sizeMb: number, labels: Record<string, string>): Promise<VolumeScratchDisk> {
    await mkdir(this.dir, { recursive: true });
    const name = `lambdock-tmp-${randomBytes(8).toString('hex')}`;
    const image = path.join(this.dir, `${name}.img`);
    const handle = await open(image, 'w', 0o600);
    try {
      await handle.truncate(sizeMb * 1024 * 1024);
    } finally {
      await handle.close();
    }
    let device: string | undefined;
    let volume: string | undefined;
    try {
      await this.host.format(image);
      device = await this.host.attachLoopDevice(image);
      volume = name;
      await this.host.createVolume(name, device, { ...labels, [LABELS.instance]: this.instanceId });
    } catch (error) {
      await this.removeDisk(volume, device, image).catch(() => undefined);
      throw error;
    }
    const attached = device;
    return {
      volume: name,
      release: () => this.removeDisk(name, attached, image),
      // The blocks the sparse image file holds (st_blocks counts 512-byte units), read synchronously as the
      // environment freezes: a stat of one file.
      allocatedBytes: () => {
        try {
          return statSync(image).blocks * 512;
        } catch {
          return undefined;
        }
      },
    };
  }

  /** Volume, then loop device, then image file: each step tried even when an earlier one failed. */
  private removeDisk(volume: string | undefined, device: string | undefined, image: string): Promise<void> {
    return runEveryStep(`Removing /tmp disk ${volume ?? image}`, [
      async () => volume !== undefined && (await this.host.removeVolume(volume)),
      async () => device !== undefined && (await this.host.detachLoopDevice(device)),
      () => this.host.unlink(image),
    ]);
  }

  /**
   * Detaches and deletes the disks an earlier run of this installation left behind (call after their
   * containers are gone): its labelled volumes, the loop devices behind its image files, those files.
   */
  async removeOrphans(): Promise<number> {
    const labels = [`${LABELS.managed}=true`, `${LABELS.instance}=${this.instanceId}`];
    const volumes = await this.host.listVolumes(labels);
    let images: string[] = [];
    try {
      images = (await readdir(this.dir)).filter((f) => f.endsWith('.img')).map((f) => path.join(this.dir, f));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const devices = (await this.host.listLoopDevices()).filter((d) => path.dirname(d.backingFile) === this.dir);
    await runEveryStep('Removing orphan /tmp disks', [
      ...volumes.map((v) => () => this.host.removeVolume(v)),
      ...devices.map((d) => () => this.host.detachLoopDevice(d.device)),
      ...images.map((file) => () => this.host.unlink(file)),
    ]);
    return Math.max(volumes.length, images.length, devices.length);
  }
}
