import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from './config.js';
import { getInstanceIdFile, loadInstanceId } from './instance-id.js';

describe('loadInstanceId', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'instance-id-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('generates an id the first time, keeps it in the data dir and answers the same one later', async () => {
    const dataDir = path.join(dir, 'data');
    const first = await loadInstanceId(dataDir);
    expect(first).toMatch(/^lambdock-[0-9a-f]{12}$/);
    expect((await readFile(getInstanceIdFile(dataDir), 'utf8')).trim()).toBe(first);
    expect(await loadInstanceId(dataDir)).toBe(first);
  });

  it('gives two data dirs two different ids', async () => {
    expect(await loadInstanceId(path.join(dir, 'a'))).not.toBe(await loadInstanceId(path.join(dir, 'b')));
  });

  it('agrees with itself when several processes start at once', async () => {
    const ids = await Promise.all([1, 2, 3, 4].map(() => loadInstanceId(dir)));
    expect(new Set(ids).size).toBe(1);
  });

  it('refuses a file that does not hold an id', async () => {
    await writeFile(getInstanceIdFile(dir), 'not an id\n');
    await expect(loadInstanceId(dir)).rejects.toBeInstanceOf(ConfigError);
  });
});
