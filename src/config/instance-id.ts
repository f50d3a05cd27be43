import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, INSTANCE_ID_PATTERN } from './config.js';

/** `<dataDir>/instance-id`: where an installation keeps the id it generated for itself. */
export const getInstanceIdFile = (dataDir: string): string => path.join(dataDir, 'instance-id');

/**
 * This installation's id: the one kept in its data dir, or a new one generated and kept there the first
 * time. Two installations on one engine then never sweep each other's containers, volumes or disks.
 */
export async function loadInstanceId(dataDir: string): Promise<string> {
  const file = getInstanceIdFile(dataDir);
  const existing = await readId(file);
  if (existing !== undefined) return existing;
  await mkdir(dataDir, { recursive: true });
  const generated = `lambdock-${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(file, `${generated}\n`, { flag: 'wx', mode: 0o644 });
    return generated;
  } catch (error) {
    // Another process of this installation wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const theirs = await readId(file);
    if (theirs === undefined) throw new ConfigError(`${file} is empty`);
    return theirs;
  }
}

async function readId(file: string): Promise<string | undefined> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const id = raw.trim();
  if (id === '') return undefined;
  if (!INSTANCE_ID_PATTERN.test(id)) throw new ConfigError(`${file} does not hold an instance id: '${id}'`);
  return id;
}
