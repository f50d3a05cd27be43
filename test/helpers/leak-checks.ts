import { execFile as execFileCb } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFile = promisify(execFileCb);

/** Every `.img` file (a /tmp disk's image) under `dir`, at any depth. */
export async function findImageFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const found: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await findImageFiles(full)));
    else if (entry.isFile() && entry.name.endsWith('.img')) found.push(full);
  }
  return found;
}

/** The data dirs test lambdocks of this run made (`<tmpdir>/lambdock-<prefix>-…`) and that are still there. */
export async function findRunDataDirs(prefix: string): Promise<string[]> {
  const entries = await readdir(os.tmpdir(), { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && e.name.startsWith(`lambdock-${prefix}-`)).map((e) => path.join(os.tmpdir(), e.name));
}

export interface LoopDevice {
  device: string;
  backingFile: string;
}

export async function listLoopDevices(): Promise<LoopDevice[]> {
  const { stdout } = await execFile('losetup', ['-J', '-l']).catch(() => ({ stdout: '' }));
  if (stdout.trim() === '') return [];
  const devices = (JSON.parse(stdout) as { loopdevices: Array<{ name: string; 'back-file': string | null }> }).loopdevices;
  return devices.map((d) => ({ device: d.name, backingFile: (d['back-file'] ?? '').replace(/ \(deleted\)$/, '') }));
}

/** Loop devices whose image file lies under `dir`. */
export async function loopDevicesUnder(dir: string): Promise<LoopDevice[]> {
  return (await listLoopDevices()).filter((d) => d.backingFile.startsWith(`${dir}${path.sep}`));
}

/** Detaches the loop devices behind this run's /tmp disks, and answers which they were. */
export async function detachTestLoopDevices(prefix: string): Promise<string[]> {
  const detached: string[] = [];
  for (const d of await listLoopDevices()) {
    if (!d.backingFile.includes(`lambdock-${prefix}-`)) continue;
    detached.push(`${d.device} (${d.backingFile})`);
    await execFile('losetup', ['-d', d.device]).catch(() => undefined);
  }
  return detached;
}

/** Deletes the run's leftover data dirs, and answers the image files that were in them. */
export async function removeTestImageFiles(prefix: string): Promise<string[]> {
  const found: string[] = [];
  for (const dir of await findRunDataDirs(prefix)) {
    found.push(...(await findImageFiles(dir)));
    await rm(dir, { recursive: true, force: true });
  }
  return found;
}
