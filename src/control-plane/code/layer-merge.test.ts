import { lstat, mkdir, mkdtemp, readFile, readlink, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergeTrees } from './layer-merge.js';

let dir: string;

async function tree(name: string, files: Record<string, string>): Promise<string> {
  const root = path.join(dir, name);
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), content);
  }
  await mkdir(root, { recursive: true });
  return root;
}

describe('mergeTrees', () => {
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lambdock-merge-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lays later layers over earlier ones, keeping what they do not replace', async () => {
    const first = await tree('first', { 'nodejs/node_modules/a/index.js': 'a1', 'nodejs/node_modules/shared.js': 'first', 'bin/tool': 't' });
    const second = await tree('second', { 'nodejs/node_modules/b/index.js': 'b2', 'nodejs/node_modules/shared.js': 'second' });
    const dest = path.join(dir, 'opt');
    await mergeTrees([first, second], dest);
    const read = (file: string) => readFile(path.join(dest, file), 'utf8');
    expect(await read('nodejs/node_modules/a/index.js')).toBe('a1');
    expect(await read('nodejs/node_modules/b/index.js')).toBe('b2');
    expect(await read('nodejs/node_modules/shared.js')).toBe('second');
    expect(await read('bin/tool')).toBe('t');
    // The other order gives the other file: order is what decides.
    const reversed = path.join(dir, 'opt-reversed');
    await mergeTrees([second, first], reversed);
    expect(await readFile(path.join(reversed, 'nodejs/node_modules/shared.js'), 'utf8')).toBe('first');
  });

  it('hard-links files and leaves the layer trees as they were', async () => {
    const first = await tree('first', { 'f.txt': 'one' });
    const second = await tree('second', { 'f.txt': 'two' });
    const dest = path.join(dir, 'opt');
    await mergeTrees([first, second], dest);
    expect((await lstat(path.join(dest, 'f.txt'))).ino).toBe((await lstat(path.join(second, 'f.txt'))).ino);
    expect(await readFile(path.join(first, 'f.txt'), 'utf8')).toBe('one');
  });

  it('replaces a directory by a file and a file by a directory', async () => {
    const first = await tree('first', { 'x/inner.txt': 'dir', y: 'file' });
    const second = await tree('second', { x: 'now a file', 'y/inner.txt': 'now a dir' });
    const dest = path.join(dir, 'opt');
    await mergeTrees([first, second], dest);
    expect(await readFile(path.join(dest, 'x'), 'utf8')).toBe('now a file');
    expect(await readFile(path.join(dest, 'y/inner.txt'), 'utf8')).toBe('now a dir');
    expect(await readdir(dest)).toEqual(['x', 'y']);
  });

  it('recreates symbolic links as they are', async () => {
    const first = await tree('first', { 'lib/real.so.1': 'so' });
    await symlink('real.so.1', path.join(first, 'lib/real.so'));
    const dest = path.join(dir, 'opt');
    await mergeTrees([first], dest);
    expect(await readlink(path.join(dest, 'lib/real.so'))).toBe('real.so.1');
    expect(await readFile(path.join(dest, 'lib/real.so'), 'utf8')).toBe('so');
  });
});
