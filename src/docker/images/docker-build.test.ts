import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-fs';
import { afterEach, describe, expect, it } from 'vitest';
import { packContext } from './docker-build.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lambdock-pack-'));
  dirs.push(dir);
  return dir;
}

describe('packContext', () => {
  it('packs the context folder, then each extra folder under its context path, in one tar', async () => {
    const context = await tempDir();
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\n');
    await writeFile(join(context, 'skip.test.ts'), 'ignored');
    const sdk = await tempDir();
    await mkdir(join(sdk, '@aws-sdk', 'client-s3'), { recursive: true });
    await writeFile(join(sdk, '@aws-sdk', 'client-s3', 'index.js'), 'exports.s3 = 1;');
    await writeFile(join(sdk, 'x.test.ts'), 'kept: the filter is the context folder’s only');
    const other = await tempDir();
    await writeFile(join(other, 'b.txt'), 'b');

    const out = await tempDir();
    const tar = packContext(context, {
      ignore: (path) => path.endsWith('.test.ts'),
      extraDirs: [
        { dir: sdk, contextPath: 'sdk/node_modules' },
        { dir: other, contextPath: 'other' },
      ],
    });
    await pipeline(tar, extract(out));
    expect(await readFile(join(out, 'Dockerfile'), 'utf8')).toBe('FROM scratch\n');
    await expect(stat(join(out, 'skip.test.ts'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(join(out, 'sdk/node_modules/@aws-sdk/client-s3/index.js'), 'utf8')).toBe('exports.s3 = 1;');
    expect(await readFile(join(out, 'sdk/node_modules/x.test.ts'), 'utf8')).toContain('kept');
    expect(await readFile(join(out, 'other/b.txt'), 'utf8')).toBe('b');
  });
});
