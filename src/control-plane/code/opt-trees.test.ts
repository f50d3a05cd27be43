import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeZip } from '../../../test/helpers/zip.js';
import type { CodeRef } from '../function-model.js';
import { CodeStore } from './code-store.js';
import { OptTrees } from './opt-trees.js';

const exists = (p: string) => stat(p).then(() => true, () => false);

describe('OptTrees', () => {
  let dir: string;
  let code: CodeStore;
  let now: number;
  const mounted = new Set<string>();

  async function layer(files: Record<string, string>): Promise<CodeRef> {
    const staged = await code.stage(await makeZip(files));
    return staged.ref; // held for the test's length (never released)
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lambdock-opt-'));
    code = new CodeStore(dir, { references: { countCodeReferences: async () => 1 } });
    now = 0;
    mounted.clear();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('builds one tree per combination and order of layers, later layers over earlier ones', async () => {
    const opt = new OptTrees(dir, code, { now: () => now });
    const a = await layer({ 'python/m.py': 'a', 'python/a.py': 'only a' });
    const b = await layer({ 'python/m.py': 'b' });
    expect(await opt.ensure([])).toBeUndefined();
    const ab = await opt.ensure([a, b]);
    const ba = await opt.ensure([b, a]);
    expect(ab).not.toBe(ba);
    expect(await readFile(path.join(ab ?? '', 'python/m.py'), 'utf8')).toBe('b');
    expect(await readFile(path.join(ab ?? '', 'python/a.py'), 'utf8')).toBe('only a');
    expect(await readFile(path.join(ba ?? '', 'python/m.py'), 'utf8')).toBe('a');
    expect(await opt.ensure([a, b])).toBe(ab);
    opt.close();
  });

  it('removes trees no sandbox mounts once idle, and rebuilds them when asked again', async () => {
    const opt = new OptTrees(dir, code, { now: () => now, idleMs: 1000, isTreeInUse: (tree) => mounted.has(tree) });
    const a = await layer({ 'bin/tool': 't' });
    const b = await layer({ 'bin/other': 'o' });
    const kept = (await opt.ensure([a])) ?? '';
    const idle = (await opt.ensure([b])) ?? '';
    mounted.add(kept);
    now = 500;
    expect(await opt.collectUnused()).toBe(0);
    now = 1500;
    expect(await opt.collectUnused()).toBe(1);
    expect([await exists(kept), await exists(idle)]).toEqual([true, false]);
    expect(await opt.ensure([b])).toBe(idle);
    expect(await readFile(path.join(idle, 'bin/other'), 'utf8')).toBe('o');
    opt.close();
  });

  it('rebuilds a tree asked for while it is being removed', async () => {
    const opt = new OptTrees(dir, code, { now: () => now, idleMs: 1000 });
    const a = await layer({ 'python/m.py': 'a' });
    const tree = (await opt.ensure([a])) ?? '';
    now = 5000;
    const removing = opt.collectUnused();
    const asked = opt.ensure([a]);
    expect(await removing).toBe(1);
    expect(await asked).toBe(tree);
    expect(await readFile(path.join(tree, 'python/m.py'), 'utf8')).toBe('a');
    opt.close();
  });
});
