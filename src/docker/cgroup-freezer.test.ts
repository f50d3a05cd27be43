import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CgroupFreezeError, findWritableFreezer, freezeCgroup, isCgroupFreezing, thawCgroup } from './cgroup-freezer.js';
import type { CgroupDir } from './container-cgroup.js';

let root: string;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lambdock-cgroup-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A fake cgroup directory holding `files`. */
function fakeCgroup(version: 1 | 2, files: Record<string, string>): CgroupDir {
  const dir = path.join(root, `v${version}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return { version, dir };
}

const read = (cgroup: CgroupDir, name: string) => readFileSync(path.join(cgroup.dir, name), 'utf8');

describe('findWritableFreezer', () => {
  it("answers the first candidate whose version's freezer file is there", () => {
    const v1 = fakeCgroup(1, { 'freezer.state': 'THAWED\n' });
    const v2 = fakeCgroup(2, { 'cgroup.freeze': '0\n', 'cgroup.events': 'populated 1\nfrozen 0\n' });
    const missing = { version: 1 as const, dir: path.join(root, 'nowhere') };
    // A v2 directory has no freezer.state: it does not pass for a v1 one.
    const v2AsV1 = { version: 1 as const, dir: v2.dir };
    expect(findWritableFreezer([missing, v2AsV1, v2, v1])).toStrictEqual(v2);
    expect(findWritableFreezer([v1, v2])).toStrictEqual(v1);
    expect(findWritableFreezer([missing])).toBeUndefined();
    expect(findWritableFreezer([])).toBeUndefined();
  });
});

describe('freezeCgroup and thawCgroup, cgroup v1', () => {
  it('writes FROZEN, and THAWED to thaw', async () => {
    const cgroup = fakeCgroup(1, { 'freezer.state': 'THAWED\n' });
    await freezeCgroup(cgroup);
    expect(read(cgroup, 'freezer.state')).toBe('FROZEN');
    expect(isCgroupFreezing(cgroup)).toBe(true);
    thawCgroup(cgroup);
    expect(read(cgroup, 'freezer.state')).toBe('THAWED');
    expect(isCgroupFreezing(cgroup)).toBe(false);
  });

  it('counts FREEZING as not thawed (a removal must thaw it first)', () => {
    expect(isCgroupFreezing(fakeCgroup(1, { 'freezer.state': 'FREEZING\n' }))).toBe(true);
  });
});

describe('freezeCgroup and thawCgroup, cgroup v2', () => {
  it('writes 1 and waits until cgroup.events says frozen; 0 thaws', async () => {
    const cgroup = fakeCgroup(2, { 'cgroup.freeze': '0\n', 'cgroup.events': 'populated 1\nfrozen 0\n' });
    let done = false;
    const freezing = freezeCgroup(cgroup).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(read(cgroup, 'cgroup.freeze')).toBe('1');
    expect(isCgroupFreezing(cgroup)).toBe(true);
    expect(done).toBe(false);
    writeFileSync(path.join(cgroup.dir, 'cgroup.events'), 'populated 1\nfrozen 1\n');
    await freezing;
    thawCgroup(cgroup);
    expect(read(cgroup, 'cgroup.freeze')).toBe('0');
    expect(isCgroupFreezing(cgroup)).toBe(false);
  });

  it('thaws back and fails when the tasks do not all freeze in time', async () => {
    const cgroup = fakeCgroup(2, { 'cgroup.freeze': '0\n', 'cgroup.events': 'populated 1\nfrozen 0\n' });
    await expect(freezeCgroup(cgroup, { timeoutMs: 50 })).rejects.toBeInstanceOf(CgroupFreezeError);
    expect(read(cgroup, 'cgroup.freeze')).toBe('0');
  });

  it('gives up and thaws when told to (the container is being removed)', async () => {
    const cgroup = fakeCgroup(2, { 'cgroup.freeze': '0\n', 'cgroup.events': 'populated 1\nfrozen 0\n' });
    const controller = new AbortController();
    const freezing = freezeCgroup(cgroup, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    await expect(freezing).rejects.toThrow();
    expect(read(cgroup, 'cgroup.freeze')).toBe('0');
  });
});

describe('freezeCgroup: a cgroup that is gone', () => {
  it('fails with the write error', async () => {
    await expect(freezeCgroup({ version: 1, dir: path.join(root, 'gone') })).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
