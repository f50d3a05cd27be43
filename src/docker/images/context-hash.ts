import { createHash } from 'node:crypto';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/**
 * The identity of a build context: every file's path, kind, permission bits and content, plus the ids of
 * the base images. An image labelled with the same hash is current; anything else means rebuild.
 */
export const CONTEXT_HASH_LABEL = 'lambdock.context-hash';

export interface ContextEntry {
  /** Relative to the context root, with `/` separators. */
  readonly path: string;
  readonly kind: 'file' | 'directory' | 'symlink';
  /** Permission bits (`mode & 0o7777`). */
  readonly mode: number;
  /** File bytes or symlink target; empty for directories. */
  readonly content: Uint8Array | string;
}

const IGNORED_NAMES = new Set(['node_modules', '.git', '.DS_Store', '__pycache__']);
const TEST_FILE = /\.(test|spec)\.[cm]?[jt]s$/;

/** Files that never go into a runtime image's context (tests beside the runtime code, VCS, deps). */
export function isIgnoredContextPath(relativePath: string): boolean {
  const segments = relativePath.split(/[\\/]/);
  const name = segments[segments.length - 1] ?? '';
  return segments.some((segment) => IGNORED_NAMES.has(segment)) || TEST_FILE.test(name);
}

export function getContextHash(entries: readonly ContextEntry[], baseImageIds: readonly string[]): string {
  const hash = createHash('sha256');
  hash.update('lambdock-context-v1\n');
  for (const id of baseImageIds) hash.update(`base\0${id}\n`);
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const entry of sorted) {
    const contentHash = createHash('sha256').update(entry.content).digest('hex');
    hash.update(`${entry.kind}\0${entry.path}\0${entry.mode.toString(8)}\0${contentHash}\n`);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** Reads a context folder (without ignored paths), the same set `tar-fs` packs with that filter. */
export async function loadContextEntries(root: string, isIgnored: (relativePath: string) => boolean = isIgnoredContextPath): Promise<ContextEntry[]> {
  const entries: ContextEntry[] = [];
  const walk = async (dir: string): Promise<void> => {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const absolute = join(dir, name);
      const path = relative(root, absolute).split(sep).join('/');
      if (isIgnored(path)) continue;
      const stat = await lstat(absolute);
      const mode = stat.mode & 0o7777;
      if (stat.isDirectory()) {
        entries.push({ path, kind: 'directory', mode, content: '' });
        await walk(absolute);
      } else if (stat.isSymbolicLink()) {
        entries.push({ path, kind: 'symlink', mode, content: await readlink(absolute) });
      } else if (stat.isFile()) {
        entries.push({ path, kind: 'file', mode, content: await readFile(absolute) });
      }
    }
  };
  await walk(root);
  return entries;
}
