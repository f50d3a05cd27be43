import { createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, realpath, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fromBuffer, getFileNameLowLevel, type Entry, type ZipFile } from 'yauzl';
import { LambdaError } from '../../shared/errors.js';
import { ByteBudget, createCheckedEntryStream } from './checked-entry-stream.js';
import { corruptZip, quoteName, refusedZip, unzippedTooLarge } from './unzip-errors.js';
import {
  checkSymlinkTargets,
  planExtraction,
  type ExtractionPlan,
  type ZipEntryInfo,
  type ZipEntryKind,
} from './zip-entry-plan.js';

export const DEFAULT_MAX_UNZIPPED_BYTES = 262_144_000;
export const DEFAULT_MAX_ENTRIES = 100_000;

export interface ExtractLimits {
  /** Most bytes the extracted tree may hold (file contents and link targets). Default 262,144,000. */
  maxUnzippedBytes?: number;
  /** Most entries the zip may have, directories included. Default 100,000. */
  maxEntries?: number;
}

export interface ExtractResult {
  /** Regular files and symbolic links created (directories not counted). */
  fileCount: number;
  /** Bytes actually written, counted while streaming. */
  unzippedBytes: number;
}

/** "Version made by" hosts whose external attributes carry a unix mode: 3 = UNIX, 19 = OS X. */
const UNIX_HOSTS: ReadonlySet<number> = new Set([3, 19]);
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const MAX_LINK_TARGET_BYTES = 4095;

/** One zip, read and checked, ready to be written. */
interface InspectedZip {
  zipfile: ZipFile;
  entries: readonly Entry[];
  plan: ExtractionPlan;
}

/**
 * Unpacks `zip` into `destDir`, which must not exist yet, refusing anything unsafe with a LambdaError
 * (InvalidParameterValueException): corrupt data, names that escape the root, links that point out of it
 * or that later entries write through, duplicates, and trees past `limits`. The tree is built in a fresh
 * sibling directory and renamed into place only when complete, so a refusal leaves nothing behind.
 * Files get mode 0644, or 0755 when the zip marks them executable; directories 0755; owners are not kept.
 */
export async function extractZipSafely(
  zip: Buffer,
  destDir: string,
  limits: ExtractLimits = {},
): Promise<ExtractResult> {
  const maxUnzippedBytes = limits.maxUnzippedBytes ?? DEFAULT_MAX_UNZIPPED_BYTES;
  if (await pathExists(destDir)) throw destinationExists(destDir);
  const inspected = await inspectZip(zip, maxUnzippedBytes, limits.maxEntries ?? DEFAULT_MAX_ENTRIES);
  try {
    const budget = new ByteBudget(maxUnzippedBytes);
    const targets = await readSymlinkTargets(inspected, budget);
    checkSymlinkTargets(targets);
    const parent = path.dirname(destDir);
    await mkdir(parent, { recursive: true });
    const staging = await mkdtemp(path.join(parent, `.${path.basename(destDir)}.partial-`));
    try {
      await writeTree(inspected, targets, staging, budget);
      await moveIntoPlace(staging, destDir);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
    const { files, symlinks } = inspected.plan;
    return { fileCount: files.length + symlinks.length, unzippedBytes: budget.used };
  } finally {
    inspected.zipfile.close();
  }
}

/** Opens the zip and reads its central directory; refuses it before anything touches the disk. */
async function inspectZip(zip: Buffer, maxUnzippedBytes: number, maxEntries: number): Promise<InspectedZip> {
  const zipfile = await openZip(zip);
  try {
    const entries = await readEntries(zipfile, maxEntries);
    const infos = entries.map((entry, index) => describeEntry(entry, index));
    const plan = planExtraction(infos);
    for (const info of infos) assertDecodable(info, entryAt(entries, info.index));
    if (plan.declaredBytes > maxUnzippedBytes) throw unzippedTooLarge(maxUnzippedBytes);
    return { zipfile, entries, plan };
  } catch (error) {
    zipfile.close();
    throw error;
  }
}

function openZip(zip: Buffer): Promise<ZipFile> {
  // decodeStrings: false so yauzl hands us raw names: we decode them ourselves and refuse bad ones with a
  // message naming the entry (yauzl's own checks would fail the whole read with a generic error).
  const options = {
    lazyEntries: true,
    autoClose: false,
    decodeStrings: false,
    validateEntrySizes: true,
    strictFileNames: false,
  };
  return new Promise((resolve, reject) => {
    fromBuffer(zip, options, (error, zipfile) => (error ? reject(corruptZip(error)) : resolve(zipfile)));
  });
}

const tooManyEntries = (maxEntries: number): LambdaError =>
  refusedZip(`it has more than ${maxEntries} entries.`);

function readEntries(zipfile: ZipFile, maxEntries: number): Promise<Entry[]> {
  if (zipfile.entryCount > maxEntries) return Promise.reject(tooManyEntries(maxEntries));
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    zipfile.on('error', (error: Error) => reject(corruptZip(error)));
    zipfile.on('end', () => resolve(entries));
    zipfile.on('entry', (entry: Entry) => {
      entries.push(entry);
      if (entries.length > maxEntries) reject(tooManyEntries(maxEntries));
      else zipfile.readEntry();
    });
    zipfile.readEntry();
  });
}

function describeEntry(entry: Entry, index: number): ZipEntryInfo {
  // strictFileNames = true keeps backslashes, so normalizeEntryName sees (and normalises) them itself.
  const name = getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
  const unixMode = UNIX_HOSTS.has(entry.versionMadeBy >>> 8) ? (entry.externalFileAttributes >>> 16) & 0xffff : 0;
  const type = unixMode & S_IFMT;
  let kind: ZipEntryKind = 'file';
  if (name.endsWith('/') || name.endsWith('\\') || type === S_IFDIR) kind = 'directory';
  else if (type === S_IFLNK) kind = 'symlink';
  return { index, name, kind, executable: (unixMode & 0o111) !== 0, declaredSize: entry.uncompressedSize };
}

function assertDecodable(info: ZipEntryInfo, entry: Entry): void {
  if (info.kind === 'directory') return;
  if (entry.isEncrypted()) throw refusedZip(`entry ${quoteName(info.name)} is encrypted.`);
  if (!entry.canDecodeFileData()) {
    throw refusedZip(`entry ${quoteName(info.name)} uses unsupported compression method ${entry.compressionMethod}.`);
  }
  if (info.kind === 'symlink' && entry.uncompressedSize > MAX_LINK_TARGET_BYTES) {
    throw refusedZip(`symbolic link ${quoteName(info.name)} has a target longer than ${MAX_LINK_TARGET_BYTES} bytes.`);
  }
}

function entryAt(entries: readonly Entry[], index: number): Entry {
  const entry = entries[index];
  if (entry === undefined) throw new Error(`No zip entry at index ${index}`);
  return entry;
}

/**
 * Streams one entry's data into `sink` through the byte budget and CRC check, with backpressure. Errors of
 * the sink (the disk) pass through; anything else wrong with the data means the zip is corrupt.
 */
async function copyEntry(zipfile: ZipFile, entry: Entry, budget: ByteBudget, sink: Writable): Promise<void> {
  let sinkError: unknown;
  sink.once('error', (error) => {
    sinkError = error;
  });
  let source: Readable;
  try {
    source = await zipfile.openReadStreamPromise(entry);
  } catch (error) {
    sink.destroy();
    throw corruptZip(error);
  }
  try {
    await pipeline(source, createCheckedEntryStream(budget, entry.crc32), sink);
  } catch (error) {
    if (error instanceof LambdaError || (sinkError !== undefined && error === sinkError)) throw error;
    throw corruptZip(error);
  }
}

async function readSymlinkTargets(
  { zipfile, entries, plan }: InspectedZip,
  budget: ByteBudget,
): Promise<Map<string, string>> {
  const targets = new Map<string, string>();
  for (const link of plan.symlinks) {
    const chunks: Buffer[] = [];
    const collect = new Writable({
      write(chunk: Buffer, _encoding, callback): void {
        chunks.push(chunk);
        callback();
      },
    });
    await copyEntry(zipfile, entryAt(entries, link.index), budget, collect);
    targets.set(link.path, Buffer.concat(chunks).toString('utf8'));
  }
  return targets;
}

/** Creates directories, then regular files, then (only once no file is left to write) symbolic links. */
async function writeTree(
  { zipfile, entries, plan }: InspectedZip,
  targets: ReadonlyMap<string, string>,
  staging: string,
  budget: ByteBudget,
): Promise<void> {
  for (const directory of plan.directories) {
    await mkdir(path.join(staging, directory), { recursive: true, mode: 0o755 });
  }
  for (const file of plan.files) {
    const filePath = path.join(staging, file.path);
    const sink = createWriteStream(filePath, { flags: 'wx', mode: file.mode });
    await copyEntry(zipfile, entryAt(entries, file.index), budget, sink);
    await chmod(filePath, file.mode); // the umask may have taken bits off
  }
  await createSymlinks(plan, targets, staging);
  for (const directory of ['.', ...plan.directories]) await chmod(path.join(staging, directory), 0o755);
}

async function createSymlinks(
  plan: ExtractionPlan,
  targets: ReadonlyMap<string, string>,
  staging: string,
): Promise<void> {
  const realStaging = await realpath(staging);
  for (const link of plan.symlinks) {
    const target = targets.get(link.path);
    if (target === undefined) throw new Error(`No target read for symbolic link ${link.path}`);
    // Defence in depth (e.g. a case-insensitive file system merging two names): the link's directory must
    // really be where the plan says, with no link on the way.
    const linkPath = path.join(staging, link.path);
    if ((await realpath(path.dirname(linkPath))) !== path.join(realStaging, path.dirname(link.path))) {
      throw refusedZip(`symbolic link ${quoteName(link.path)} would be created outside the code root.`);
    }
    await symlink(target, linkPath);
  }
}

async function moveIntoPlace(staging: string, destDir: string): Promise<void> {
  try {
    await rename(staging, destDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTEMPTY') throw destinationExists(destDir);
    throw error;
  }
}

async function pathExists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

const destinationExists = (destDir: string): LambdaError =>
  new LambdaError('ServiceException', `Cannot extract code into ${destDir}: it already exists.`);
