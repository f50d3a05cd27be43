import { mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { LambdaError } from '../../shared/errors.js';
import { extractZipSafely } from './safe-unzip.js';

// ---- helpers: build zips with yazl, then bend them into the shapes yazl refuses to write -------------

type Add = (zip: yazl.ZipFile) => void;

async function buildZip(add: Add): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  add(zip);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Replaces every occurrence of `from` (local and central headers) with `to`, which has the same length. */
function patchBytes(zip: Buffer, from: string, to: Buffer): Buffer {
  const needle = Buffer.from(from);
  expect(to.length).toBe(needle.length);
  const out = Buffer.from(zip);
  let found = 0;
  for (let at = out.indexOf(needle); at !== -1; at = out.indexOf(needle, at + needle.length)) {
    to.copy(out, at);
    found += 1;
  }
  expect(found).toBeGreaterThanOrEqual(2);
  return out;
}

/** A zip holding one entry per name, with names yazl would refuse (written as placeholders, then patched). */
async function zipWithRawNames(names: readonly string[], add: Add = () => {}): Promise<Buffer> {
  const placeholders = names.map((name, i) => String.fromCharCode(65 + i).repeat(Buffer.byteLength(name)));
  let zip = await buildZip((z) => {
    add(z);
    placeholders.forEach((p) => z.addBuffer(Buffer.from('payload'), p));
  });
  names.forEach((name, i) => {
    zip = patchBytes(zip, placeholders[i] ?? '', Buffer.from(name));
  });
  return zip;
}

const CENTRAL_SIGNATURE = 0x02014b50;

/** Offsets of the central directory headers, in order. */
function centralHeaders(zip: Buffer): number[] {
  const offsets: number[] = [];
  for (let at = 0; at + 4 <= zip.length; at += 1) if (zip.readUInt32LE(at) === CENTRAL_SIGNATURE) offsets.push(at);
  return offsets;
}

function patchCentral(zip: Buffer, entry: number, edit: (out: Buffer, header: number) => void): Buffer {
  const out = Buffer.from(zip);
  const header = centralHeaders(out)[entry];
  if (header === undefined) throw new Error(`no central header ${entry}`);
  edit(out, header);
  return out;
}

const symlinkEntry = (target: string, name: string): Add => (z) =>
  z.addBuffer(Buffer.from(target), name, { mode: 0o120777, compress: false });

function zeros(totalBytes: number): Readable {
  const chunk = Buffer.alloc(1024 * 1024);
  return Readable.from(
    (function* () {
      for (let left = totalBytes; left > 0; left -= chunk.length) {
        yield left >= chunk.length ? chunk : chunk.subarray(0, left);
      }
    })(),
  );
}

// ---- fixtures ------------------------------------------------------------------------------------------

let parent: string;
let dest: string;

beforeEach(async () => {
  parent = await mkdtemp(path.join(os.tmpdir(), 'lambdock-unzip-'));
  dest = path.join(parent, 'code');
});

afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

const modeOf = async (p: string): Promise<number> => (await stat(p)).mode & 0o7777;

const CORRUPT = 'Could not unzip uploaded file. Please check your file, then try to upload again.';

async function expectRefused(zip: Buffer, message: string, limits?: Parameters<typeof extractZipSafely>[2]) {
  const error: unknown = await extractZipSafely(zip, dest, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LambdaError);
  expect(error).toMatchObject({ code: 'InvalidParameterValueException', message });
  // Neither the destination nor the staging directory is left behind.
  expect(await readdir(parent)).toEqual([]);
}

// ---- behaviour -------------------------------------------------------------------------------------

describe('extractZipSafely', () => {
  it('extracts a tree with nested and empty directories', async () => {
    const zip = await buildZip((z) => {
      z.addBuffer(Buffer.from('export const handler = 1;\n'), 'index.mjs');
      z.addBuffer(Buffer.from('a'.repeat(5000)), 'lib/util/a.js');
      z.addBuffer(Buffer.from('b'), 'lib/b.js', { compress: false });
      z.addEmptyDirectory('empty');
    });
    const result = await extractZipSafely(zip, dest);
    expect(result).toEqual({ fileCount: 3, unzippedBytes: 26 + 5000 + 1 });
    expect(await readFile(path.join(dest, 'index.mjs'), 'utf8')).toBe('export const handler = 1;\n');
    expect(await readFile(path.join(dest, 'lib/util/a.js'), 'utf8')).toBe('a'.repeat(5000));
    expect(await readdir(path.join(dest, 'empty'))).toEqual([]);
    for (const dir of ['.', 'lib', 'lib/util', 'empty']) expect(await modeOf(path.join(dest, dir))).toBe(0o755);
    expect(await modeOf(path.join(dest, 'index.mjs'))).toBe(0o644);
    expect(await readdir(parent)).toEqual(['code']);
  });

  it('keeps execute bits as 0755 and drops setuid, setgid, sticky and write-for-all', async () => {
    const zip = await buildZip((z) => {
      z.addBuffer(Buffer.from('#!/bin/sh\n'), 'bootstrap', { mode: 0o100755 });
      z.addBuffer(Buffer.from('x'), 'setuid', { mode: 0o106777 });
      z.addBuffer(Buffer.from('x'), 'group-exec', { mode: 0o100610 });
      z.addBuffer(Buffer.from('x'), 'private', { mode: 0o100600 });
      z.addEmptyDirectory('sticky', { mode: 0o41777 });
      z.addEmptyDirectory('closed', { mode: 0o40700 });
    });
    await extractZipSafely(zip, dest);
    expect(await modeOf(path.join(dest, 'bootstrap'))).toBe(0o755);
    expect(await modeOf(path.join(dest, 'setuid'))).toBe(0o755);
    expect(await modeOf(path.join(dest, 'group-exec'))).toBe(0o755);
    expect(await modeOf(path.join(dest, 'private'))).toBe(0o644);
    expect(await modeOf(path.join(dest, 'sticky'))).toBe(0o755);
    expect(await modeOf(path.join(dest, 'closed'))).toBe(0o755);
  });

  it('ignores mode bits of entries not made on unix', async () => {
    const unixZip = await buildZip((z) => z.addBuffer(Buffer.from('x'), 'bootstrap', { mode: 0o100755 }));
    const zip = patchCentral(unixZip, 0, (out, header) => out.writeUInt8(0, header + 5)); // host 0 = MS-DOS
    await extractZipSafely(zip, dest);
    expect(await modeOf(path.join(dest, 'bootstrap'))).toBe(0o644);
  });

  it('keeps relative symbolic links that stay inside the tree, whatever the entry order', async () => {
    const zip = await buildZip((z) => {
      symlinkEntry('libfoo.so.1', 'lib/libfoo.so')(z);
      symlinkEntry('../lib/libfoo.so.1', 'bin/tool')(z);
      symlinkEntry('lib', 'current')(z);
      z.addBuffer(Buffer.from('ELF'), 'lib/libfoo.so.1', { mode: 0o100755 });
    });
    const result = await extractZipSafely(zip, dest);
    expect(result.fileCount).toBe(4);
    expect(await readlink(path.join(dest, 'lib/libfoo.so'))).toBe('libfoo.so.1');
    expect(await readlink(path.join(dest, 'bin/tool'))).toBe('../lib/libfoo.so.1');
    expect(await readFile(path.join(dest, 'bin/tool'), 'utf8')).toBe('ELF');
    expect(await readFile(path.join(dest, 'current/libfoo.so'), 'utf8')).toBe('ELF');
  });

  it('refuses to extract over an existing directory and leaves it untouched', async () => {
    await mkdir(dest);
    await writeFile(path.join(dest, 'keep'), 'mine');
    const zip = await buildZip((z) => z.addBuffer(Buffer.from('x'), 'keep'));
    await expect(extractZipSafely(zip, dest)).rejects.toMatchObject({ code: 'ServiceException' });
    expect(await readFile(path.join(dest, 'keep'), 'utf8')).toBe('mine');
    expect(await readdir(parent)).toEqual(['code']);
  });
});

describe('extractZipSafely refuses', () => {
  it('data that is not a zip', async () => {
    await expectRefused(Buffer.from('definitely not a zip file, just some text'), CORRUPT);
  });

  it('a truncated zip', async () => {
    const zip = await buildZip((z) => z.addBuffer(Buffer.from('x'.repeat(100)), 'a.txt'));
    await expectRefused(zip.subarray(0, zip.length - 30), CORRUPT);
  });

  it.each([
    ['../evil', "entry '../evil' escapes the code root."],
    ['a/../../evil', "entry 'a/../../evil' escapes the code root."],
    ['a\\..\\..\\evil', "entry 'a\\..\\..\\evil' escapes the code root."],
    ['/etc/cron.d/x', "entry '/etc/cron.d/x' has an absolute path."],
    ['C:\\x', "entry 'C:\\x' has an absolute path."],
    ['\\\\server\\x', "entry '\\\\server\\x' has an absolute path."],
    ['a\0b', "entry 'a\\x00b' contains a NUL byte."],
  ])('the entry name %j', async (name, detail) => {
    const zip = await zipWithRawNames([name], (z) => z.addBuffer(Buffer.from('fine'), 'fine.txt'));
    await expectRefused(zip, `Could not unzip uploaded file: ${detail}`);
  });

  it('an entry whose whole path passes 4 KB (each segment within 255 bytes), with a 400 and not ENAMETOOLONG', async () => {
    const name = `${'s'.repeat(250)}/`.repeat(17) + 'index.js';
    const zip = await buildZip((z) => z.addBuffer(Buffer.from('x'), name));
    await expectRefused(zip, `Could not unzip uploaded file: entry '${'s'.repeat(200)}…' has a path longer than 2048 bytes.`);
  });

  it('an entry nested deeper than 128 levels', async () => {
    const zip = await buildZip((z) => z.addBuffer(Buffer.from('x'), `${'d/'.repeat(130)}f`));
    await expectRefused(zip, `Could not unzip uploaded file: entry '${'d/'.repeat(100)}…' is nested deeper than 128 levels.`);
  });

  it('a symbolic link with an absolute target', async () => {
    const zip = await buildZip(symlinkEntry('/etc/passwd', 'passwd'));
    await expectRefused(
      zip,
      "Could not unzip uploaded file: symbolic link 'passwd' points outside the code root ('/etc/passwd').",
    );
  });

  it('a symbolic link whose relative target climbs out of the root', async () => {
    const zip = await buildZip(symlinkEntry('../../etc', 'sub/etc'));
    await expectRefused(
      zip,
      "Could not unzip uploaded file: symbolic link 'sub/etc' points outside the code root ('../../etc').",
    );
  });

  it('a symbolic link that climbs out through another link', async () => {
    const zip = await buildZip((z) => {
      symlinkEntry('.', 'here')(z);
      symlinkEntry('here/..', 'up')(z);
    });
    await expectRefused(
      zip,
      "Could not unzip uploaded file: symbolic link 'up' points outside the code root ('here/..').",
    );
  });

  it('an entry written through a symbolic link (link first, then a file under it)', async () => {
    const zip = await buildZip((z) => {
      z.addEmptyDirectory('b');
      symlinkEntry('b', 'a')(z);
      z.addBuffer(Buffer.from('x'), 'a/x');
    });
    await expectRefused(zip, "Could not unzip uploaded file: entry 'a/x' is inside symbolic link 'a'.");
  });

  it('duplicate entry names', async () => {
    const zip = await buildZip((z) => {
      z.addBuffer(Buffer.from('one'), 'a.txt');
      z.addBuffer(Buffer.from('two'), 'a.txt');
    });
    await expectRefused(zip, "Could not unzip uploaded file: duplicate entry 'a.txt'.");
  });

  it('names that are duplicates once normalised', async () => {
    const zip = await buildZip((z) => {
      z.addBuffer(Buffer.from('one'), 'lib/a.txt');
      z.addBuffer(Buffer.from('two'), './lib//a.txt');
    });
    await expectRefused(zip, "Could not unzip uploaded file: duplicate entry 'lib/a.txt'.");
  });

  it('a file and a directory entry with the same path', async () => {
    const zip = await buildZip((z) => {
      z.addBuffer(Buffer.from('x'), 'a');
      z.addEmptyDirectory('a');
    });
    await expectRefused(zip, "Could not unzip uploaded file: entry 'a' is both a file and a directory.");
  });

  it('a file whose path is also the parent of another entry', async () => {
    const zip = await buildZip((z) => {
      z.addBuffer(Buffer.from('x'), 'a/x');
      z.addBuffer(Buffer.from('x'), 'a');
    });
    await expectRefused(zip, "Could not unzip uploaded file: entry 'a' is both a file and a directory.");
  });

  it('more entries than the limit', async () => {
    const zip = await buildZip((z) => ['a', 'b', 'c'].forEach((n) => z.addBuffer(Buffer.from(n), n)));
    await expectRefused(zip, 'Could not unzip uploaded file: it has more than 2 entries.', { maxEntries: 2 });
  });

  it('declared sizes that add up past the limit, before extracting', async () => {
    const zip = await buildZip((z) => {
      z.addBuffer(Buffer.alloc(600), 'a');
      z.addBuffer(Buffer.alloc(600), 'b');
    });
    await expectRefused(zip, 'Unzipped size must be smaller than 1000 bytes', { maxUnzippedBytes: 1000 });
  });

  it('a header that declares a small size for large data', async () => {
    const honest = await buildZip((z) => z.addBuffer(Buffer.alloc(1024 * 1024, 7), 'big.bin'));
    const zip = patchCentral(honest, 0, (out, header) => out.writeUInt32LE(10, header + 24));
    await expectRefused(zip, CORRUPT);
  });

  it('data that does not match its CRC-32', async () => {
    const honest = await buildZip((z) => z.addBuffer(Buffer.from('hello world'), 'a.txt', { compress: false }));
    const zip = Buffer.from(honest);
    zip[zip.indexOf('hello world')] = 'j'.charCodeAt(0);
    await expectRefused(zip, CORRUPT);
  });

  it('an unsupported compression method', async () => {
    const honest = await buildZip((z) => z.addBuffer(Buffer.from('hello'), 'a.txt'));
    const zip = patchCentral(honest, 0, (out, header) => out.writeUInt16LE(14, header + 10)); // LZMA
    await expectRefused(zip, "Could not unzip uploaded file: entry 'a.txt' uses unsupported compression method 14.");
  });

  it('an encrypted entry', async () => {
    const honest = await buildZip((z) => z.addBuffer(Buffer.from('hello'), 'a.txt'));
    const setEncryptedFlag = (out: Buffer, header: number): void => {
      out.writeUInt16LE(out.readUInt16LE(header + 8) | 1, header + 8);
    };
    const zip = patchCentral(honest, 0, setEncryptedFlag);
    await expectRefused(zip, "Could not unzip uploaded file: entry 'a.txt' is encrypted.");
  });
});

describe('extractZipSafely against a zip bomb', () => {
  const BOMB_BYTES = 300 * 1024 * 1024;
  let bomb: Buffer;

  beforeEach(async () => {
    bomb ??= await buildZip((z) => z.addReadStream(zeros(BOMB_BYTES), 'zeros.bin', { compressionLevel: 1 }));
  }, 30_000);

  it('refuses 300 MB of zeros under the default limit, with AWS message', async () => {
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    await expectRefused(bomb, 'Unzipped size must be smaller than 262144000 bytes');
  });

  it('refuses the same bomb when its header lies about the size, stopping at the declared size', async () => {
    const liar = patchCentral(bomb, 0, (out, header) => out.writeUInt32LE(1000, header + 24));
    await expectRefused(liar, CORRUPT, { maxUnzippedBytes: 10_000 });
  });
});
