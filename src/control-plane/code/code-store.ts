import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { CodeRef } from '../function-model.js';
import { tooLarge } from '../../shared/errors.js';
import { digestCode } from './code-digest.js';
import { extractZipSafely } from './safe-unzip.js';

export const MAX_ZIPPED_BYTES = 52_428_800;
export const MAX_UNZIPPED_BYTES = 262_144_000;

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Function code, content-addressed by SHA-256 under `<dataDir>/code`: the zip as uploaded
 * (`<sha>.zip`) and its safely extracted tree (`<sha>/`), which sandboxes mount read-only at /var/task.
 * Both are immutable once written, so one tree serves every function and version with that code.
 */
export class CodeStore {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'code');
  }

  getTreePath(sha256Hex: string): string {
    return path.join(this.root, sha256Hex);
  }

  getZipPath(sha256Hex: string): string {
    return path.join(this.root, `${sha256Hex}.zip`);
  }

  /** Checks, unpacks and stores a zip. Nothing is stored when the zip is refused. */
  async put(zip: Buffer): Promise<CodeRef> {
    if (zip.length > MAX_ZIPPED_BYTES) throw tooLarge(`Zipped size must be smaller than ${MAX_ZIPPED_BYTES} bytes`);
    const digest = digestCode(zip);
    await mkdir(this.root, { recursive: true, mode: 0o755 });
    const tree = this.getTreePath(digest.sha256Hex);
    if (!(await exists(tree))) {
      try {
        await extractZipSafely(zip, tree, { maxUnzippedBytes: MAX_UNZIPPED_BYTES });
      } catch (error) {
        // Another request may have stored the same code meanwhile: that is success too.
        if (!(await exists(tree))) throw error;
      }
    }
    const zipPath = this.getZipPath(digest.sha256Hex);
    if (!(await exists(zipPath))) {
      const tmp = `${zipPath}.${randomUUID()}.tmp`;
      await writeFile(tmp, zip, { mode: 0o644 });
      await rename(tmp, zipPath);
    }
    return { sha256Hex: digest.sha256Hex, codeSha256: digest.codeSha256, size: digest.size };
  }
}
