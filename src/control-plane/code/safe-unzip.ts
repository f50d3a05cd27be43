import { createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { crc32, inflateRawSync } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { fromBuffer, getFileNameLowLevel, type Entry, type ZipFile } from 'yauzl';
import { LambdaError } from '../../shared/errors.js';
import { ByteBudget, createCheckedEntryStream } from './checked-entry-stream.js';
import { corruptZip, quoteName, refusedZip, unzippedTooLarge } from './unzip-errors.js';
import {
  checkSymlinkTargets,
  planExtraction,
  type ExtractionPlan,
  type PlannedFile,
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

/** Entries whose data is inflated in memory in one call; larger ones are streamed to disk. */
const INLINE_MAX_BYTES = 4 * 1024 * 1024;
/** Files written at once: enough to keep libuv's thread pool busy, small enough to bound buffered data. */
const WRITE_CONCURRENCY = 16;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const LOCAL_HEADER_BYTES = 30;

/** One zip, read and checked, ready to be written. */
interface InspectedZip {
  zip: Buffer;
  zipfile: ZipFile;
  entries: readonly Entry[];
  plan: ExtractionPlan;
  /** Each symbolic link's normalised path → its target, already checked. */
  targets: ReadonlyMap<string, string>;
  budget: ByteBudget;
}

export interface ZipSummary {
  /** Regular files and symbolic links the zip would create. */
  fileCount: number;
  /** Sum of the sizes its headers declare. */
  declaredBytes: number;
}

/**
 * Everything that can be checked without writing the tree, and fast (the central directory and the few
 * bytes of symbolic links): names, relations, links, limits, compression. What `extractZipSafely` can still
 * refuse afterwards is damaged data (a CRC-32 or size that does not match, a broken deflate stream).
 */
export async function inspectZipSafely(zip: Buffer, limits: ExtractLimits = {}): Promise<ZipSummary> {
  const inspected = await inspectZip(zip, limits);
  inspected.zipfile.close();
  const { files, symlinks, declaredBytes } = inspected.plan;
  return { fileCount: files.length + symlinks.length, declaredBytes };
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
  if (await pathExists(destDir)) throw destinationExists(destDir);
  const inspected = await inspectZip(zip, limits);
  try {
    const parent = path.dirname(destDir);
    await mkdir(parent, { recursive: true });
    const staging = await mkdtemp(path.join(parent, `.${path.basename(destDir)}.partial-`));
    try {
      assertPathsFit(staging, inspected.plan);
      await writeTree(inspected, staging);
      await moveIntoPlace(staging, destDir);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
    const { files, symlinks } = inspected.plan;
    return { fileCount: files.length + symlinks.length, unzippedBytes: inspected.budget.used };
  } finally {
    inspected.zipfile.close();
  }
}

/** Opens the zip, reads its central directory and its links' targets; refuses it before anything touches the disk. */
async function inspectZip(zip: Buffer, limits: ExtractLimits): Promise<InspectedZip> {
  const maxUnzippedBytes = limits.maxUnzippedBytes ?? DEFAULT_MAX_UNZIPPED_BYTES;
  const zipfile = await openZip(zip);
  try {
    const entries = await readEntries(zipfile, limits.maxEntries ?? DEFAULT_MAX_ENTRIES);
    const infos = entries.map((entry, index) => describeEntry(entry, index));
    const plan = planExtraction(infos);
    for (const info of infos) assertDecodable(info, entryAt(entries, info.index));
    if (plan.declaredBytes > maxUnzippedBytes) throw unzippedTooLarge(maxUnzippedBytes);
    const budget = new ByteBudget(maxUnzippedBytes);
    const targets = new Map<string, string>();
    for (const link of plan.symlinks) {
      targets.set(link.path, readInline(zip, entryAt(entries, link.index), budget).toString('utf8'));
    }
    checkSymlinkTargets(targets);
    return { zip, zipfile, entries, plan, targets, budget };
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

/** The host refuses paths of PATH_MAX (4,096) bytes and more: refuse them as the zip's fault, not ours. */
function assertPathsFit(staging: string, plan: ExtractionPlan): void {
  const room = 4095 - Buffer.byteLength(staging) - 1;
  for (const entry of [...plan.files, ...plan.symlinks]) {
    if (Buffer.byteLength(entry.path) > room) {
      throw refusedZip(`entry ${quoteName(entry.path)} has a path too long to be unpacked.`);
    }
  }
}

/**
 * One entry's data, read straight from the zip in memory: the local header located, the data inflated in one
 * call (never past the declared size), then its size and CRC-32 checked. No stream, no promise per entry.
 */
function readInline(zip: Buffer, entry: Entry, budget: ByteBudget): Buffer {
  const at = entry.relativeOffsetOfLocalHeader;
  if (at + LOCAL_HEADER_BYTES > zip.length || zip.readUInt32LE(at) !== LOCAL_HEADER_SIGNATURE) {
    throw corruptZip(new Error(`no local file header at ${at}`));
  }
  const start = at + LOCAL_HEADER_BYTES + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const end = start + entry.compressedSize;
  if (end > zip.length) throw corruptZip(new Error('entry data runs past the end of the zip'));
  const raw = zip.subarray(start, end);
  let data: Buffer;
  try {
    data = entry.compressionMethod === 0 ? raw : inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
  } catch (error) {
    throw corruptZip(error);
  }
  if (data.length !== entry.uncompressedSize) throw corruptZip(new Error('entry size differs from its header'));
  budget.take(data.length);
  if (crc32(data) !== entry.crc32 >>> 0) throw corruptZip(new Error('CRC-32 mismatch'));
  return data;
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

/** Runs `work` on every item, at most `limit` at once; stops starting new ones after the first failure. */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next] as T;
      next += 1;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}

/** Whether the process umask would take bits off 0755 (then modes are set again with chmod). */
function umaskStripsModes(): boolean {
  try {
    return (process.umask() & 0o755) !== 0;
  } catch {
    return true; // worker threads cannot read the umask
  }
}

/** Creates directories (a level at a time), then regular files, then (once no file is left to write) symbolic links. */
async function writeTree(inspected: InspectedZip, staging: string): Promise<void> {
  const { plan } = inspected;
  const fixModes = umaskStripsModes();
  const levels = new Map<number, string[]>();
  for (const directory of plan.directories) {
    const depth = directory.split('/').length;
    levels.set(depth, [...(levels.get(depth) ?? []), directory]);
  }
  for (const depth of [...levels.keys()].sort((a, b) => a - b)) {
    await forEachLimited(levels.get(depth) ?? [], WRITE_CONCURRENCY, (directory) =>
      mkdir(path.join(staging, directory), { mode: 0o755 }).then(() => undefined),
    );
  }
  await forEachLimited(plan.files, WRITE_CONCURRENCY, (file) => writeFileEntry(inspected, staging, file, fixModes));
  await createSymlinks(plan, inspected.targets, staging);
  const directories = fixModes ? ['.', ...plan.directories] : ['.'];
  await forEachLimited(directories, WRITE_CONCURRENCY, (directory) => chmod(path.join(staging, directory), 0o755));
}

async function writeFileEntry(
  { zip, zipfile, entries, budget }: InspectedZip,
  staging: string,
  file: PlannedFile,
  fixModes: boolean,
): Promise<void> {
  const entry = entryAt(entries, file.index);
  const filePath = path.join(staging, file.path);
  if (entry.uncompressedSize <= INLINE_MAX_BYTES) {
    await writeFile(filePath, readInline(zip, entry, budget), { flag: 'wx', mode: file.mode });
  } else {
    await copyEntry(zipfile, entry, budget, createWriteStream(filePath, { flags: 'wx', mode: file.mode }));
  }
  if (fixModes) await chmod(filePath, file.mode);
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
