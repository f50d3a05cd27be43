import { copyFile, link, lstat, mkdir, readdir, readlink, rm, symlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Lays layer trees over one another into `dest`, in order: a later layer's file replaces an earlier
 * one's at the same path (a file replaces a directory and a directory a file, as unzipping the layers in
 * order under /opt does on AWS). Files are hard-linked, not copied (the trees are immutable, on the same
 * disk), so a merge costs one link per file; symbolic links are recreated as they are.
 */
export async function mergeTrees(sources: readonly string[], dest: string): Promise<void> {
  await mkdir(dest, { recursive: true, mode: 0o755 });
  for (const source of sources) await overlay(source, dest);
}

async function overlay(source: string, dest: string): Promise<void> {
  for (const entry of await readdir(source, { withFileTypes: true })) {
    const from = path.join(source, entry.name);
    const to = path.join(dest, entry.name);
    const existing = await lstat(to).catch(() => undefined);
    if (entry.isDirectory()) {
      if (existing !== undefined && !existing.isDirectory()) await rm(to, { force: true });
      if (existing === undefined || !existing.isDirectory()) await mkdir(to, { mode: 0o755 });
      await overlay(from, to);
      continue;
    }
    if (existing !== undefined) await rm(to, { recursive: true, force: true });
    if (entry.isSymbolicLink()) {
      await symlink(await readlink(from), to);
    } else if (entry.isFile()) {
      await link(from, to).catch(async (error: NodeJS.ErrnoException) => {
        // Another disk or a file system without hard links: a copy does the same.
        if (error.code !== 'EXDEV' && error.code !== 'EPERM' && error.code !== 'EMLINK') throw error;
        await copyFile(from, to);
      });
    }
  }
}
