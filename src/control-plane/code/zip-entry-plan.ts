import path from 'node:path';
import { quoteName, refusedZip } from './unzip-errors.js';

/**
 * The pure half of safe extraction: from what a zip's central directory says, decide which directories,
 * files and symbolic links to create, refusing anything that could write outside the code root or be
 * ambiguous. No I/O here, so every rule is unit-testable on plain data.
 */

export type ZipEntryKind = 'file' | 'directory' | 'symlink';

/** One central-directory entry, decoded but not yet trusted. */
export interface ZipEntryInfo {
  /** Position in the central directory, to find the entry again. */
  index: number;
  /** The file name exactly as decoded from the archive. */
  name: string;
  kind: ZipEntryKind;
  /** Whether the entry's unix mode has any execute bit (false when not made on unix). */
  executable: boolean;
  /** Uncompressed size as declared by the header: checked up front, never trusted while writing. */
  declaredSize: number;
}

export interface PlannedFile {
  index: number;
  /** Relative POSIX path under the code root, normalised. */
  path: string;
  mode: 0o644 | 0o755;
}

export interface PlannedSymlink {
  index: number;
  path: string;
}

export interface ExtractionPlan {
  /** Every directory to create, explicit or implied by a nested entry, parents before children. */
  directories: string[];
  files: PlannedFile[];
  symlinks: PlannedSymlink[];
  declaredBytes: number;
}

const MAX_SEGMENT_BYTES = 255;
/**
 * Longest relative path an entry may have. Linux refuses paths of 4,096 bytes and more (ENAMETOOLONG) and the
 * code root itself takes some (`<dataDir>/code/<sha>/` here, `/var/task/` in the sandbox); macOS caps paths at
 * 1,024. 2,048 leaves room for both and is far beyond any real package.
 */
export const MAX_PATH_BYTES = 2048;
/** Most path segments (directories and the file name) an entry may have. */
export const MAX_PATH_DEPTH = 128;
/** Linux follows at most 40 links while resolving one path. */
const MAX_LINK_HOPS = 40;

const isAbsoluteName = (name: string): boolean => name.startsWith('/') || /^[A-Za-z]:/.test(name);

/**
 * Turns an entry name into a normalised relative POSIX path ('' for the root itself), refusing NUL bytes,
 * absolute names (`/x`, `C:\x`, `\\x`) and `..` segments. Backslashes count as separators.
 */
export function normalizeEntryName(name: string): string {
  if (name.includes('\0')) throw refusedZip(`entry ${quoteName(name)} contains a NUL byte.`);
  const slashed = name.replace(/\\/g, '/');
  if (isAbsoluteName(slashed)) throw refusedZip(`entry ${quoteName(name)} has an absolute path.`);
  const segments = slashed.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw refusedZip(`entry ${quoteName(name)} escapes the code root.`);
  if (segments.some((s) => Buffer.byteLength(s) > MAX_SEGMENT_BYTES)) {
    throw refusedZip(`entry ${quoteName(name)} has a path segment longer than ${MAX_SEGMENT_BYTES} bytes.`);
  }
  const normalized = segments.join('/');
  if (Buffer.byteLength(normalized) > MAX_PATH_BYTES) {
    throw refusedZip(`entry ${quoteName(name)} has a path longer than ${MAX_PATH_BYTES} bytes.`);
  }
  if (segments.length > MAX_PATH_DEPTH) {
    throw refusedZip(`entry ${quoteName(name)} is nested deeper than ${MAX_PATH_DEPTH} levels.`);
  }
  // Belt and braces: whatever the rules above missed, the path must stay under the root.
  const root = path.posix.resolve('/code-root');
  const resolved = path.posix.resolve(root, normalized);
  if (resolved !== root && !resolved.startsWith(`${root}/`)) {
    throw refusedZip(`entry ${quoteName(name)} escapes the code root.`);
  }
  return normalized;
}

const describeKind = (kind: ZipEntryKind): string => (kind === 'directory' ? 'directory' : 'file');

/** Records each entry's path once, refusing duplicates and a file and a directory at one path. */
function collectEntries(entries: readonly ZipEntryInfo[]): Map<string, ZipEntryInfo> {
  const byPath = new Map<string, ZipEntryInfo>();
  for (const entry of entries) {
    const normalized = normalizeEntryName(entry.name);
    if (normalized === '') {
      if (entry.kind === 'directory') continue; // "./" names the root, which exists anyway
      throw refusedZip(`entry ${quoteName(entry.name)} has no file name.`);
    }
    const previous = byPath.get(normalized);
    if (previous !== undefined) {
      if (describeKind(previous.kind) === describeKind(entry.kind)) {
        throw refusedZip(`duplicate entry ${quoteName(normalized)}.`);
      }
      throw refusedZip(`entry ${quoteName(normalized)} is both a file and a directory.`);
    }
    byPath.set(normalized, entry);
  }
  return byPath;
}

/** Adds the parents of `entryPath` to `directories`, refusing a path that goes through a file or a link. */
function addParents(entryPath: string, byPath: ReadonlyMap<string, ZipEntryInfo>, directories: Set<string>): void {
  const segments = entryPath.split('/');
  for (let depth = 1; depth < segments.length; depth += 1) {
    const parent = segments.slice(0, depth).join('/');
    const kind = byPath.get(parent)?.kind;
    if (kind === 'symlink') {
      throw refusedZip(`entry ${quoteName(entryPath)} is inside symbolic link ${quoteName(parent)}.`);
    }
    if (kind === 'file') throw refusedZip(`entry ${quoteName(parent)} is both a file and a directory.`);
    directories.add(parent);
  }
}

const depthOf = (p: string): number => p.split('/').length;

/** Checks every entry name and their relations; throws a LambdaError on the first refusal. */
export function planExtraction(entries: readonly ZipEntryInfo[]): ExtractionPlan {
  const byPath = collectEntries(entries);
  const directories = new Set<string>();
  const files: PlannedFile[] = [];
  const symlinks: PlannedSymlink[] = [];
  for (const [entryPath, entry] of byPath) {
    addParents(entryPath, byPath, directories);
    if (entry.kind === 'directory') directories.add(entryPath);
    else if (entry.kind === 'symlink') symlinks.push({ index: entry.index, path: entryPath });
    else files.push({ index: entry.index, path: entryPath, mode: entry.executable ? 0o755 : 0o644 });
  }
  const declaredBytes = entries.reduce((sum, entry) => sum + entry.declaredSize, 0);
  const sortedDirectories = [...directories].sort((a, b) => depthOf(a) - depthOf(b) || a.localeCompare(b));
  return { directories: sortedDirectories, files, symlinks, declaredBytes };
}

type LinkResolution = 'inside' | 'outside' | 'loop';

/**
 * Where `target`, read from the link at `linkPath`, ends up when resolved the way the kernel
 * would: `..` pops a level, and a link met mid-path is replaced by its own target (so `s -> .` then
 * `t -> s/..` is caught, which purely lexical resolution would miss).
 */
function resolveLink(linkPath: string, target: string, links: ReadonlyMap<string, string>): LinkResolution {
  const parts = linkPath.split('/').slice(0, -1);
  let pending = target.split('/');
  let hops = 0;
  while (pending.length > 0) {
    const [segment, ...rest] = pending;
    pending = rest;
    if (segment === undefined || segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (parts.length === 0) return 'outside';
      parts.pop();
      continue;
    }
    const linkTarget = links.get([...parts, segment].join('/'));
    if (linkTarget !== undefined && pending.length > 0) {
      hops += 1;
      if (hops > MAX_LINK_HOPS) return 'loop';
      if (isAbsoluteName(linkTarget)) return 'outside';
      pending = [...linkTarget.split('/'), ...pending];
      continue;
    }
    parts.push(segment);
  }
  return 'inside';
}

/**
 * Refuses any symbolic link whose target is empty, absolute, holds a NUL or a backslash, resolves outside
 * the root, or loops through links mid-path. `links` maps each link's normalised path to its target as stored
 * in the zip.
 */
export function checkSymlinkTargets(links: ReadonlyMap<string, string>): void {
  for (const [linkPath, target] of links) {
    if (target === '' || target.includes('\0') || target.includes('\\')) {
      throw refusedZip(`symbolic link ${quoteName(linkPath)} has an invalid target ${quoteName(target)}.`);
    }
    const resolution = isAbsoluteName(target) ? 'outside' : resolveLink(linkPath, target, links);
    if (resolution === 'outside') {
      throw refusedZip(`symbolic link ${quoteName(linkPath)} points outside the code root (${quoteName(target)}).`);
    }
    if (resolution === 'loop') {
      throw refusedZip(`symbolic link ${quoteName(linkPath)} loops (${quoteName(target)}).`);
    }
  }
}
