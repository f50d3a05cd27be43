/**
 * Unpack speed: lambdock's safe extraction of a 14,000-file zip beside `unzip -q` of the same zip, in the
 * same run. Part of `npm run bench`; alone: `npx tsx bench/unpack.ts`.
 */
import { execFile as execFileCb } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { extractZipSafely } from '../src/control-plane/code/safe-unzip.js';
import { makeZip, type ZipFiles } from '../test/helpers/zip.js';

const execFile = promisify(execFileCb);
const FILES = 14_000;
const RUNS = Number(process.env.BENCH_UNPACK_RUNS ?? 3);

export interface UnpackRow {
  scenario: string;
  samples: number[];
}

/** A node_modules-like tree: 14,000 files of ~1.6 KB (half random, half text) in ~2,000 directories. */
async function makeTreeZip(): Promise<Buffer> {
  const files: ZipFiles = {};
  for (let i = 0; i < FILES; i += 1) {
    const dir = `node_modules/pkg${Math.floor(i / 47)}/lib/sub${Math.floor(i / 7) % 7}`;
    files[`${dir}/file${i}.js`] = `${randomBytes(600).toString('base64')}${'x'.repeat(850)}`;
  }
  return makeZip(files);
}

const filesPerSecond = (samples: number[]): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  return Math.round(FILES / ((sorted[Math.floor(sorted.length / 2)] ?? NaN) / 1000));
};

export async function measureUnpack(): Promise<UnpackRow[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lambdock-bench-unpack-'));
  try {
    const zip = await makeTreeZip();
    const zipPath = path.join(dir, 'tree.zip');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(zipPath, zip);
    const ours: number[] = [];
    const unzip: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const dest = path.join(dir, `ours-${run}`);
      let started = performance.now();
      await extractZipSafely(zip, dest);
      ours.push(performance.now() - started);
      await rm(dest, { recursive: true, force: true });
      const baseline = path.join(dir, `unzip-${run}`);
      started = performance.now();
      const ran = await execFile('unzip', ['-q', zipPath, '-d', baseline]).then(() => true, () => false);
      if (ran) unzip.push(performance.now() - started);
      await rm(baseline, { recursive: true, force: true });
    }
    const size = `${FILES.toLocaleString('en')}-file ${Math.round(zip.length / 1e6)} MB zip`;
    const rows = [{ scenario: `lambdock unpack, ${size} (${filesPerSecond(ours)} files/s at p50)`, samples: ours }];
    if (unzip.length > 0) rows.push({ scenario: `baseline: \`unzip -q\` of the same zip (${filesPerSecond(unzip)} files/s at p50)`, samples: unzip });
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const row of await measureUnpack()) {
    console.log(`${row.scenario}: ${row.samples.map((ms) => Math.round(ms)).join(', ')} ms`);
  }
}
