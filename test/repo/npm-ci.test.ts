import { mkdtemp, readFile, readdir, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchAwsRicDir } from '../helpers/aws-ric.js';

const root = path.resolve(import.meta.dirname, '..', '..');

interface LockPackage {
  version?: string;
  hasInstallScript?: boolean;
  optional?: boolean;
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(path.join(root, file), 'utf8')) as T;
}

/** `node_modules/a/node_modules/@b/c` → `@b/c`. */
function packageName(lockPath: string): string {
  return lockPath.slice(lockPath.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

describe('a newcomer\'s npm ci', () => {
  it('runs no dependency install script (nothing native is built): each one is denied in allowScripts', async () => {
    const lock = await readJson<{ packages: Record<string, LockPackage> }>('package-lock.json');
    const manifest = await readJson<{ allowScripts?: Record<string, boolean> }>('package.json');
    const withScripts = Object.entries(lock.packages)
      .filter(([lockPath, entry]) => lockPath !== '' && entry.hasInstallScript === true)
      .map(([lockPath]) => packageName(lockPath));
    const policy = manifest.allowScripts ?? {};
    // npm 11 runs a dependency's install scripts only when allowScripts approves it: with every one denied,
    // `npm ci` installs exactly what `npm ci --ignore-scripts` does.
    expect(Object.entries(policy).filter(([, allowed]) => allowed !== false)).toEqual([]);
    expect(withScripts.filter((name) => policy[name] !== false)).toEqual([]);
  });

  it('the compatibility test\'s aws-lambda-ric build fails, saying what to run, when autotools are missing', async () => {
    // A PATH holding everything the host has except the autotools, and an empty cache to build into.
    const bin = await mkdtemp(path.join(os.tmpdir(), 'lambdock-no-autotools-'));
    try {
      const autotools = /^(autoreconf|autoconf|automake|aclocal|libtoolize|libtool)([-.\d]*)$/;
      const seen = new Set<string>();
      for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
        const entries = await readdir(dir).catch(() => [] as string[]);
        for (const name of entries) {
          if (autotools.test(name) || seen.has(name)) continue;
          seen.add(name);
          await symlink(path.join(dir, name), path.join(bin, name));
        }
      }
      const failure = fetchAwsRicDir({ ...process.env, PATH: bin, LAMBDOCK_RIC_CACHE: path.join(bin, 'cache') });
      await expect(failure).rejects.toThrow(/missing here: autoreconf automake libtoolize\. Run: bash scripts\/ensure-services\.sh/);
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  });
});
