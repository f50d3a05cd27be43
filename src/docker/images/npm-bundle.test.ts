import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureNpmBundle, getNpmBundleHash } from './npm-bundle.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

// A package set with no dependencies: `npm ci` installs it without the registry.
const manifest = (version: string) => JSON.stringify({ name: 'set', version, private: true });
const lock = (version: string) =>
  JSON.stringify({ name: 'set', version, lockfileVersion: 3, requires: true, packages: { '': { name: 'set', version } } });

async function makeSet(version: string): Promise<{ setDir: string; cacheDir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'lambdock-npm-bundle-'));
  dirs.push(root);
  const setDir = join(root, 'set');
  await mkdir(setDir);
  await writeFile(join(setDir, 'package.json'), manifest(version));
  await writeFile(join(setDir, 'package-lock.json'), lock(version));
  return { setDir, cacheDir: join(root, '.cache') };
}

describe('npm bundles', () => {
  it('identifies an install by its manifest and lock file', () => {
    const files = { packageJson: Buffer.from(manifest('1.0.0')), lockFile: Buffer.from(lock('1.0.0')) };
    expect(getNpmBundleHash(files)).toMatch(/^[0-9a-f]{16}$/);
    expect(getNpmBundleHash(files)).toBe(getNpmBundleHash({ ...files }));
    expect(getNpmBundleHash({ ...files, lockFile: Buffer.from(lock('1.0.1')) })).not.toBe(getNpmBundleHash(files));
  });

  it('installs into the cache once, reuses it, and replaces it when the lock file changes', async () => {
    const { setDir, cacheDir } = await makeSet('1.0.0');
    const first = await ensureNpmBundle(setDir, cacheDir, { tag: 't' });
    expect(first.nodeModulesDir).toBe(join(cacheDir, 'npm-bundles', `set-${first.hash}`, 'node_modules'));
    expect(await readdir(first.nodeModulesDir)).toEqual([]);
    const marker = join(cacheDir, 'npm-bundles', `set-${first.hash}`, 'package.json');
    await writeFile(marker, 'not reinstalled');
    expect(await ensureNpmBundle(setDir, cacheDir, { tag: 't' })).toEqual(first);

    await writeFile(join(setDir, 'package.json'), manifest('2.0.0'));
    await writeFile(join(setDir, 'package-lock.json'), lock('2.0.0'));
    const second = await ensureNpmBundle(setDir, cacheDir, { tag: 't' });
    expect(second.hash).not.toBe(first.hash);
    expect(await readdir(join(cacheDir, 'npm-bundles'))).toEqual([`set-${second.hash}`]);
  }, 60_000);

  it('fails clearly and leaves nothing half-installed when npm ci fails', async () => {
    const { setDir, cacheDir } = await makeSet('1.0.0');
    await writeFile(join(setDir, 'package-lock.json'), lock('9.9.9'));
    await writeFile(join(setDir, 'package.json'), JSON.stringify({ name: 'set', version: '1.0.0', dependencies: { 'left-pad': '1.3.0' } }));
    await expect(ensureNpmBundle(setDir, cacheDir, { tag: 't' })).rejects.toMatchObject({ code: 'ImageBuildFailed' });
    expect(await readdir(join(cacheDir, 'npm-bundles'))).toEqual([]);
  }, 60_000);

  it('refuses a set without a lock file', async () => {
    const { setDir, cacheDir } = await makeSet('1.0.0');
    await rm(join(setDir, 'package-lock.json'));
    await expect(ensureNpmBundle(setDir, cacheDir, { tag: 't' })).rejects.toMatchObject({ code: 'BuildContextInvalid' });
  });
});

describe('npm bundles installed concurrently', () => {
  it('gives every caller the same complete install', async () => {
    const { setDir, cacheDir } = await makeSet('1.0.0');
    const installs = await Promise.all([1, 2, 3].map(() => ensureNpmBundle(setDir, cacheDir, { tag: 't' })));
    expect(new Set(installs.map((install) => install.nodeModulesDir)).size).toBe(1);
    expect((await readdir(join(cacheDir, 'npm-bundles'))).filter((name) => !name.startsWith('.'))).toEqual([`set-${installs[0]?.hash}`]);
  }, 60_000);
});
