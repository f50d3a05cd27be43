import { execFile as execFileCb } from 'node:child_process';
import { mkdir, open, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type Dockerode from 'dockerode';
import { SANDBOX_GID, SANDBOX_UID, type ScratchDisk, type ScratchDiskProvider } from './container-driver.js';

const execFile = promisify(execFileCb);

/**
 * /tmp for sandboxes with a real size limit that is NOT charged to the memory cgroup (a tmpfs would be):
 * a sparse file formatted ext4, attached to a loop device, handed to the engine as a `local` volume of
 * type ext4. The engine does the mounting, so this works the same whether lambdock runs on the host or in
 * a container that shares the host's engine. The disk outlives container restarts: /tmp survives resets.
 */
export class LoopScratchDisks implements ScratchDiskProvider {
  readonly dir: string;

  constructor(
    private readonly docker: Dockerode,
    dataDir: string,
  ) {
    this.dir = path.join(dataDir, 'scratch');
  }

  async createScratchDisk(sizeMb: number, labels: Record<string, string>): Promise<ScratchDisk> {
    await mkdir(this.dir, { recursive: true });
    const name = `lambdock-tmp-${randomUUID()}`;
    const image = path.join(this.dir, `${name}.img`);
    const handle = await open(image, 'w', 0o600);
    try {
      await handle.truncate(sizeMb * 1024 * 1024);
    } finally {
      await handle.close();
    }
    let device: string | undefined;
    try {
      await execFile('mkfs.ext4', [
        '-q', '-F', '-m', '0', '-O', '^has_journal',
        '-E', `root_owner=${SANDBOX_UID}:${SANDBOX_GID},lazy_itable_init=1`, image,
      ]);
      device = (await execFile('losetup', ['-f', '--show', image])).stdout.trim();
      await this.docker.createVolume({ Name: name, Driver: 'local', DriverOpts: { type: 'ext4', device }, Labels: labels });
    } catch (error) {
      await this.cleanup(name, device, image);
      throw error;
    }
    const attached = device;
    return { volume: name, release: () => this.cleanup(name, attached, image) };
  }

  private async cleanup(volume: string, device: string | undefined, image: string): Promise<void> {
    await this.docker
      .getVolume(volume)
      .remove()
      .catch((error: { statusCode?: number }) => {
        if (error.statusCode !== 404) throw error;
      });
    if (device !== undefined) await execFile('losetup', ['-d', device]).catch(() => undefined);
    await unlink(image).catch(() => undefined);
  }

  /** Detaches and deletes the disks a previous run left behind (call after their containers are gone). */
  async removeOrphans(volumeLabels: string[]): Promise<number> {
    const volumes = await this.docker.listVolumes({ filters: { label: volumeLabels } });
    for (const volume of volumes.Volumes ?? []) {
      await this.docker.getVolume(volume.Name).remove().catch(() => undefined);
    }
    let images: string[] = [];
    try {
      images = (await readdir(this.dir)).filter((f) => f.endsWith('.img'));
    } catch {
      return volumes.Volumes?.length ?? 0;
    }
    const attached = await this.listLoopDevices();
    for (const file of images) {
      const full = path.join(this.dir, file);
      for (const [device, backing] of attached) {
        if (backing === full) await execFile('losetup', ['-d', device]).catch(() => undefined);
      }
      await unlink(full).catch(() => undefined);
    }
    return images.length;
  }

  private async listLoopDevices(): Promise<Array<[string, string]>> {
    try {
      const { stdout } = await execFile('losetup', ['-J', '-l']);
      if (stdout.trim() === '') return [];
      const parsed = JSON.parse(stdout) as { loopdevices: Array<{ name: string; 'back-file': string | null }> };
      return parsed.loopdevices.map((d) => [d.name, (d['back-file'] ?? '').replace(/ \(deleted\)$/, '')]);
    } catch {
      return [];
    }
  }
}
