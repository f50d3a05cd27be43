import { lstat, mkdir, mkdtemp, readdir, readlink, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaError } from '../../shared/errors.js';
import { extractZipSafely } from './safe-unzip.js';

// ---- a minimal zip writer: stored entries, raw name bytes, unix modes (what yazl refuses to write) -----

interface RawEntry {
  name: Buffer;
  data: Buffer;
  /** Unix mode with its type bits (0o100644 file, 0o040755 directory, 0o120777 link). */
  mode: number;
}

function writeZip(entries: readonly RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(entry.name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made on unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(entry.data.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(entry.name.length, 28);
    central.writeUInt32LE((entry.mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, entry.name, entry.data);
    centrals.push(central, entry.name);
    offset += local.length + entry.name.length + entry.data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

// ---- seeded generation of odd names -------------------------------------------------------------------

/** mulberry32: small, fast, and the same sequence on every run for one seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 20261201;
const CASES = 400;

function makeGenerator(outside: string) {
  const next = random(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const segments = [
    'a', 'A', 'index.js', 'lib', 'Lib', 'é', 'e\u0301', '日本語', '🦄', ' ', 'x y', '.', '..', '...', '.hidden',
    'a\\b', '..\\..', 'nul\0byte', 'C:', 'c:x', '\u202e', 'con', 'a:b', '%2e%2e', '\u00ff',
    'n'.repeat(255), 'm'.repeat(256), 'é'.repeat(128), 'é'.repeat(127),
  ];
  const segment = (): string => {
    const roll = next();
    if (roll < 0.05) return 'd/'.repeat(Math.floor(next() * 200)); // deep
    if (roll < 0.1) return `${'s'.repeat(250)}/`.repeat(Math.floor(next() * 20)); // long
    return pick(segments);
  };
  const name = (): string => {
    const roll = next();
    if (roll < 0.05) return `/${path.join(outside, 'abs-escape')}`; // absolute, into a watched folder
    if (roll < 0.08) return `../${path.basename(outside)}/climb`;
    const parts = Array.from({ length: 1 + Math.floor(next() * 5) }, segment);
    let joined = parts.join(pick(['/', '/', '\\', '//', '/./']));
    if (next() < 0.15) joined += pick(['/', '\\', '/.', '/..']);
    if (next() < 0.1) joined = `./${joined}`;
    return joined;
  };
  const entry = (): RawEntry => {
    const roll = next();
    const entryName = name();
    if (roll < 0.15) return { name: Buffer.from(entryName), data: Buffer.alloc(0), mode: 0o040755 };
    if (roll < 0.3) {
      const target = pick(['a', '../a', '..', '/etc', 'lib/../..', '.', 'A/../../x', outside, 'é/../é']);
      return { name: Buffer.from(entryName), data: Buffer.from(target), mode: 0o120777 };
    }
    return { name: Buffer.from(entryName), data: Buffer.from(`content of ${entryName}`), mode: 0o100644 };
  };
  return (): RawEntry[] => {
    const entries = Array.from({ length: 1 + Math.floor(next() * 6) }, entry);
    // case duplicates and exact duplicates of an earlier name
    if (next() < 0.2 && entries[0] !== undefined) {
      const first = entries[0].name.toString();
      entries.push({ ...entries[0], name: Buffer.from(next() < 0.5 ? first.toUpperCase() : first) });
    }
    return entries;
  };
}

/** Every path under `root`, links not followed. */
async function walk(root: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of await readdir(root)) {
    const full = path.join(root, name);
    found.push(full);
    const info = await lstat(full);
    if (info.isDirectory()) found.push(...(await walk(full)));
  }
  return found;
}

describe('extractZipSafely, fuzzed with odd names (fixed seed)', () => {
  let sandbox: string;
  let outside: string;

  beforeAll(async () => {
    sandbox = await realpath(await mkdtemp(path.join(os.tmpdir(), 'lambdock-fuzz-')));
    outside = path.join(sandbox, 'outside');
    await mkdir(outside);
  });
  afterAll(async () => {
    await rm(sandbox, { recursive: true, force: true });
  });

  it(`never throws anything but a 4xx LambdaError, never writes outside the target, leaves nothing on refusal (${CASES} zips)`, async () => {
    const generate = makeGenerator(outside);
    let accepted = 0;
    for (let i = 0; i < CASES; i += 1) {
      const entries = generate();
      const parent = path.join(sandbox, `case-${i}`);
      await mkdir(parent);
      const dest = path.join(parent, 'code');
      const label = `case ${i}: ${JSON.stringify(entries.map((e) => [e.name.toString(), e.mode.toString(8)]))}`;
      const error = await extractZipSafely(writeZip(entries), dest).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (error === undefined) {
        accepted += 1;
        expect(await readdir(parent), label).toEqual(['code']);
        for (const file of await walk(dest)) {
          expect(file.startsWith(`${dest}/`), label).toBe(true);
          const info = await lstat(file);
          if (info.isSymbolicLink()) {
            const resolved = path.resolve(path.dirname(file), await readlink(file));
            expect(resolved === dest || resolved.startsWith(`${dest}/`), `${label}: link ${file}`).toBe(true);
          }
        }
      } else {
        expect(error, label).toBeInstanceOf(LambdaError);
        expect((error as LambdaError).code, label).toBe('InvalidParameterValueException');
        expect(await readdir(parent), label).toEqual([]);
      }
      expect(await readdir(outside), label).toEqual([]);
      expect((await readdir(sandbox)).filter((n) => !n.startsWith('case-') && n !== 'outside'), label).toEqual([]);
      await rm(parent, { recursive: true, force: true });
    }
    // The generator must exercise both outcomes, or the test proves little.
    expect(accepted).toBeGreaterThan(CASES / 20);
    expect(accepted).toBeLessThan(CASES);
  }, 120_000);
});
