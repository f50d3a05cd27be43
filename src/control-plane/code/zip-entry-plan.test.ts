import { describe, expect, it } from 'vitest';
import { checkSymlinkTargets, normalizeEntryName, planExtraction, type ZipEntryInfo } from './zip-entry-plan.js';

const entries = (...specs: Array<[string, ZipEntryInfo['kind']?, boolean?]>): ZipEntryInfo[] =>
  specs.map(([name, kind = 'file', executable = false], index) => ({
    index,
    name,
    kind,
    executable,
    declaredSize: 10,
  }));

const refusal = (detail: string) => ({
  code: 'InvalidParameterValueException',
  message: `Could not unzip uploaded file: ${detail}`,
});

describe('normalizeEntryName', () => {
  it.each([
    ['a/b.js', 'a/b.js'],
    ['./a//b.js', 'a/b.js'],
    ['a\\b.js', 'a/b.js'],
    ['dir/', 'dir'],
    ['./', ''],
    ['a..b/..c', 'a..b/..c'],
    [`${'s'.repeat(255)}/`.repeat(8), `${'s'.repeat(255)}/`.repeat(8).slice(0, -1)],
    ['d/'.repeat(127) + 'f.js', 'd/'.repeat(127) + 'f.js'],
  ])('normalises %j to %j', (name, expected) => {
    expect(normalizeEntryName(name)).toBe(expected);
  });

  it.each([
    ['..', "entry '..' escapes the code root."],
    ['a/./../..', "entry 'a/./../..' escapes the code root."],
    ['/abs', "entry '/abs' has an absolute path."],
    ['\\abs', "entry '\\abs' has an absolute path."],
    ['c:relative-to-drive', "entry 'c:relative-to-drive' has an absolute path."],
    ['x\0y', "entry 'x\\x00y' contains a NUL byte."],
    [`${'n'.repeat(256)}`, `entry '${'n'.repeat(200)}…' has a path segment longer than 255 bytes.`],
    [`${'s'.repeat(255)}/`.repeat(17), `entry '${'s'.repeat(200)}…' has a path longer than 2048 bytes.`],
    ['d/'.repeat(128) + 'f.js', `entry '${'d/'.repeat(100)}…' is nested deeper than 128 levels.`],
  ])('refuses %j', (name, detail) => {
    expect(() => normalizeEntryName(name)).toThrow(expect.objectContaining(refusal(detail)));
  });
});

describe('planExtraction', () => {
  it('creates implied parents before children and gives files their modes', () => {
    const plan = planExtraction(
      entries(['a/b/c.js'], ['bootstrap', 'file', true], ['d/', 'directory'], ['a/l', 'symlink']),
    );
    expect(plan).toEqual({
      directories: ['a', 'd', 'a/b'],
      files: [
        { index: 0, path: 'a/b/c.js', mode: 0o644 },
        { index: 1, path: 'bootstrap', mode: 0o755 },
      ],
      symlinks: [{ index: 3, path: 'a/l' }],
      declaredBytes: 40,
    });
  });

  it('skips a directory entry naming the root itself', () => {
    expect(planExtraction(entries(['./', 'directory'])).directories).toEqual([]);
  });

  it('refuses a file entry naming the root itself', () => {
    expect(() => planExtraction(entries(['./']))).toThrow(
      expect.objectContaining(refusal("entry './' has no file name.")),
    );
  });

  it('refuses a link and a file at the same path as duplicates', () => {
    expect(() => planExtraction(entries(['x', 'symlink'], ['x']))).toThrow(
      expect.objectContaining(refusal("duplicate entry 'x'.")),
    );
  });

  it('refuses a directory at the path of a link', () => {
    expect(() => planExtraction(entries(['x', 'symlink'], ['x/', 'directory']))).toThrow(
      expect.objectContaining(refusal("entry 'x' is both a file and a directory.")),
    );
  });

  it('refuses entries below a link even when they come first', () => {
    expect(() => planExtraction(entries(['a/b/x'], ['a/b', 'symlink']))).toThrow(
      expect.objectContaining(refusal("entry 'a/b/x' is inside symbolic link 'a/b'.")),
    );
  });
});

describe('checkSymlinkTargets', () => {
  const check = (links: Record<string, string>) => () => checkSymlinkTargets(new Map(Object.entries(links)));

  it('accepts links that stay inside, including through other in-tree links', () => {
    const links = { current: 'v1', 'bin/node': '../current/bin/node', 'lib/a.so': 'a.so.1', up: 'lib/..' };
    expect(check(links)).not.toThrow();
  });

  it('accepts a link chain that ends on another link', () => {
    expect(check({ a: 'b', b: 'c' })).not.toThrow();
  });

  it.each([
    [{ l: '/etc' }, "symbolic link 'l' points outside the code root ('/etc')."],
    [{ l: 'C:/x' }, "symbolic link 'l' points outside the code root ('C:/x')."],
    [{ 'a/l': '../..' }, "symbolic link 'a/l' points outside the code root ('../..')."],
    [{ 'a/l': 'x/../../../y' }, "symbolic link 'a/l' points outside the code root ('x/../../../y')."],
    [{ dot: '.', l: 'dot/../etc' }, "symbolic link 'l' points outside the code root ('dot/../etc')."],
    [{ deep: 'a/b', l: 'deep/../../..' }, "symbolic link 'l' points outside the code root ('deep/../../..')."],
    [{ loop1: 'loop2/x', loop2: 'loop1/x' }, "symbolic link 'loop1' loops ('loop2/x')."],
    [{ l: '' }, "symbolic link 'l' has an invalid target ''."],
    [{ l: 'a\\..\\..' }, "symbolic link 'l' has an invalid target 'a\\..\\..'."],
    [{ l: 'a\0b' }, "symbolic link 'l' has an invalid target 'a\\x00b'."],
  ])('refuses %j', (links, detail) => {
    expect(check(links)).toThrow(expect.objectContaining(refusal(detail)));
  });
});
