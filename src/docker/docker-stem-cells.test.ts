import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, symlink, writeFile, mkdir, readlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getShellClaim, linkTree } from './docker-stem-cells.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('getShellClaim', () => {
  it('hands a shell the exact values, on one line, and unsets the stem cell’s own variables', () => {
    const env = {
      PLAIN: 'abc-1.2:/x',
      SPACES: 'a b  c',
      QUOTES: `it's "quoted" $HOME \`cmd\` \\n`,
      NEWLINES: 'line 1\nline 2\n\n',
      UNICODE: 'grüße – 東京',
      EMPTY: '',
    };
    const line = getShellClaim(env, ['PLAIN', 'STEM_ONLY', 'AWS_LAMBDA_EXEC_WRAPPER']);
    expect(line).not.toContain('\n');
    const script = `STEM_ONLY=1; AWS_LAMBDA_EXEC_WRAPPER=/w; export STEM_ONLY AWS_LAMBDA_EXEC_WRAPPER; ${line}; exec node -e 'process.stdout.write(JSON.stringify(process.env))'`;
    for (const shell of ['sh', 'bash']) {
      const out = JSON.parse(execFileSync(shell, ['-c', script], { env: { PATH: process.env.PATH ?? '' } }).toString()) as Record<string, string>;
      expect(out, shell).toMatchObject(env);
      expect(out.STEM_ONLY, shell).toBeUndefined();
      expect(out.AWS_LAMBDA_EXEC_WRAPPER, shell).toBeUndefined();
    }
  });
});

describe('linkTree', () => {
  it('recreates a tree with hard links (same inodes), subfolders and symbolic links', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'stem-link-'));
    dirs.push(root);
    const from = path.join(root, 'tree');
    const to = path.join(root, 'slot');
    await mkdir(path.join(from, 'lib', 'deep'), { recursive: true });
    await mkdir(to);
    await writeFile(path.join(from, 'index.js'), 'exports.handler = 1;');
    await writeFile(path.join(from, 'lib', 'deep', 'x.txt'), 'x');
    await symlink('lib/deep/x.txt', path.join(from, 'link'));
    await linkTree(from, to);
    expect((await readdir(to)).sort()).toEqual(['index.js', 'lib', 'link']);
    expect((await stat(path.join(to, 'index.js'))).ino).toBe((await stat(path.join(from, 'index.js'))).ino);
    expect(await readFile(path.join(to, 'lib', 'deep', 'x.txt'), 'utf8')).toBe('x');
    expect(await readlink(path.join(to, 'link'))).toBe('lib/deep/x.txt');
  });
});
