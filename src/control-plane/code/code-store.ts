import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { CodeRef } from '../function-model.js';
import { LambdaError, tooLarge } from '../../shared/errors.js';
import { Semaphore } from '../../shared/semaphore.js';
import { digestCode } from './code-digest.js';
import { extractZipSafely, inspectZipSafely } from './safe-unzip.js';

export const MAX_ZIPPED_BYTES = 52_428_800;
export const MAX_UNZIPPED_BYTES = 262_144_000;
/** Trees unpacked at once: each reads its zip (≤ 50 MB) into memory. */
const UNPACKS_AT_ONCE = 2;

/**
 * Who holds a piece of code. The function store counts holders atomically with the records that hold
 * them: `$LATEST` of each function today, published versions later (each its own holder).
 */
export interface CodeReferences {
  countCodeReferences(sha256Hex: string): Promise<number>;
}

export interface CodeStoreOptions {
  references: CodeReferences;
  /**
   * Whether a sandbox has this tree bind-mounted. A tree removed under a running container empties its
   * /var/task (and `docker exec` then fails: its working directory is gone), so such a tree waits.
   */
  isTreeInUse?: (treePath: string) => boolean;
  /** How often code that was in use when released is looked at again. Default 2 s. */
  retryMs?: number;
  /** Told of a removal that failed in the background. */
  onError?: (error: unknown, sha256Hex: string) => void;
}

/** Code written to the store for a request that has not committed yet: held until `release()`. */
export interface StagedCode {
  ref: CodeRef;
  /** Lets go of the request's hold; the code goes if nothing else references it. */
  release(): Promise<void>;
}

const SHA_NAME = /^([0-9a-f]{64})(\.zip)?$/;

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Function code, content-addressed by SHA-256 under `<dataDir>/code`: the zip as uploaded (`<sha>.zip`)
 * and its safely extracted tree (`<sha>/`), which sandboxes mount read-only at /var/task. Both are
 * immutable once written, so one tree serves every function and version with that code.
 *
 * Lifetime: a request stages its zip (held in memory by that request) before it commits a record that
 * references it; the tree is unpacked in the background. Code goes once no record references it, no
 * request holds it and no sandbox has its tree mounted. Work on one SHA is serialised.
 */
export class CodeStore {
  readonly root: string;
  private readonly holds = new Map<string, number>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly unpacking = new Map<string, Promise<void>>();
  private readonly waiting = new Set<string>();
  /** Trees known to be complete: the invoke path asks for them without touching the disk. */
  private readonly unpacked = new Set<string>();
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly unpacks = new Semaphore(UNPACKS_AT_ONCE);

  constructor(
    dataDir: string,
    private readonly options: CodeStoreOptions,
  ) {
    this.root = path.join(dataDir, 'code');
  }

  getTreePath(sha256Hex: string): string {
    return path.join(this.root, sha256Hex);
  }

  getZipPath(sha256Hex: string): string {
    return path.join(this.root, `${sha256Hex}.zip`);
  }

  /**
   * Checks a zip without storing it: size, central directory, names, links, limits. Refusals are
   * InvalidParameterValueException (RequestEntityTooLargeException past 50 MB).
   */
  async check(zip: Buffer): Promise<CodeRef> {
    if (zip.length > MAX_ZIPPED_BYTES) throw tooLarge(`Zipped size must be smaller than ${MAX_ZIPPED_BYTES} bytes`);
    const summary = await inspectZipSafely(zip, { maxUnzippedBytes: MAX_UNZIPPED_BYTES });
    const digest = digestCode(zip);
    return { sha256Hex: digest.sha256Hex, codeSha256: digest.codeSha256, size: digest.size, unzippedSize: summary.declaredBytes };
  }

  /** Checks a zip and writes it to the store, held for the caller. Nothing is written when it is refused. */
  async stage(zip: Buffer): Promise<StagedCode> {
    const ref = await this.check(zip);
    const sha = ref.sha256Hex;
    this.hold(sha);
    try {
      await this.withLock(sha, async () => {
        const zipPath = this.getZipPath(sha);
        if (await exists(zipPath)) return;
        await mkdir(this.root, { recursive: true, mode: 0o755 });
        const tmp = `${zipPath}.${randomUUID()}.tmp`;
        try {
          await writeFile(tmp, zip, { mode: 0o644 });
          await rename(tmp, zipPath);
        } catch (error) {
          await rm(tmp, { force: true });
          throw error;
        }
      });
    } catch (error) {
      await this.unhold(sha);
      throw error;
    }
    let released = false;
    return {
      ref,
      release: async () => {
        if (released) return;
        released = true;
        await this.unhold(sha);
      },
    };
  }

  /**
   * The unzipped size of stored code: what its ref says, or (records from before it was kept) what its
   * stored zip declares; 0 when the zip is not here.
   */
  async fetchUnzippedSize(ref: CodeRef): Promise<number> {
    if (ref.unzippedSize !== undefined) return ref.unzippedSize;
    const zip = await readFile(this.getZipPath(ref.sha256Hex)).catch(() => undefined);
    return zip === undefined ? 0 : (await inspectZipSafely(zip, { maxUnzippedBytes: Number.MAX_SAFE_INTEGER })).declaredBytes;
  }

  /** Whether this store has the code (its zip or its tree): a worker fetches what it has not. */
  async hasCode(sha256Hex: string): Promise<boolean> {
    if (this.unpacked.has(sha256Hex)) return true;
    return (await exists(this.getZipPath(sha256Hex))) || (await exists(this.getTreePath(sha256Hex)));
  }

  /**
   * Makes sure the tree of `ref` exists, unpacking its stored zip if not (one unpack per SHA at a time).
   * Damaged data found while unpacking is an InvalidZipFileException.
   */
  async unpack(ref: CodeRef): Promise<void> {
    // A hot-reload folder is mounted as it is, an image function runs its image: nothing to unpack.
    if (ref.hostFolder !== undefined || ref.image !== undefined) return;
    const sha = ref.sha256Hex;
    if (this.unpacked.has(sha)) return;
    const running = this.unpacking.get(sha);
    if (running !== undefined) return running;
    const work = this.unpackOnce(sha).finally(() => this.unpacking.delete(sha));
    this.unpacking.set(sha, work);
    return work;
  }

  private async unpackOnce(sha: string): Promise<void> {
    this.hold(sha);
    try {
      await this.withLock(sha, async () => {
        const tree = this.getTreePath(sha);
        if (!(await exists(tree))) await this.unpacks.run(() => this.extract(sha, tree));
        this.unpacked.add(sha);
      });
    } finally {
      await this.unhold(sha);
    }
  }

  private async extract(sha: string, tree: string): Promise<void> {
    const zip = await readFile(this.getZipPath(sha));
    try {
      await extractZipSafely(zip, tree, { maxUnzippedBytes: MAX_UNZIPPED_BYTES });
    } catch (error) {
      if (await exists(tree)) return; // another process sharing the data dir unpacked it meanwhile
      if (error instanceof LambdaError && error.status < 500) {
        throw new LambdaError('InvalidZipFileException', error.message, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Removes the zip and tree of `sha` if nothing references or holds it and no sandbox has it mounted;
   * code still mounted is looked at again later. Answers whether it was removed.
   */
  async collect(sha: string): Promise<boolean> {
    return this.withLock(sha, async () => {
      if ((this.holds.get(sha) ?? 0) > 0) return false;
      if ((await this.options.references.countCodeReferences(sha)) > 0) return false;
      if ((this.holds.get(sha) ?? 0) > 0) return false;
      const tree = this.getTreePath(sha);
      if (this.options.isTreeInUse?.(tree) === true) {
        this.waitFor(sha);
        return false;
      }
      this.waiting.delete(sha);
      this.unpacked.delete(sha);
      await rm(tree, { recursive: true, force: true });
      await rm(this.getZipPath(sha), { force: true });
      return true;
    });
  }

  /**
   * At start-up, before serving: removes what a stopped process left half-written (temporary zips,
   * partial trees) and all code nothing references. Answers how many entries went.
   */
  async sweep(): Promise<number> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    let removed = 0;
    const shas = new Set<string>();
    for (const name of names) {
      const match = SHA_NAME.exec(name);
      if (match?.[1] !== undefined) {
        shas.add(match[1]);
      } else if (name.endsWith('.tmp') || name.includes('.partial-')) {
        await rm(path.join(this.root, name), { recursive: true, force: true });
        removed += 1;
      }
    }
    for (const sha of shas) if (await this.collect(sha)) removed += 1;
    return removed;
  }

  /** Stops looking again at code that was in use. */
  close(): void {
    if (this.retryTimer !== undefined) clearInterval(this.retryTimer);
    this.retryTimer = undefined;
  }

  private hold(sha: string): void {
    this.holds.set(sha, (this.holds.get(sha) ?? 0) + 1);
  }

  private async unhold(sha: string): Promise<void> {
    const left = (this.holds.get(sha) ?? 1) - 1;
    if (left > 0) {
      this.holds.set(sha, left);
      return;
    }
    this.holds.delete(sha);
    await this.collect(sha);
  }

  private waitFor(sha: string): void {
    this.waiting.add(sha);
    if (this.retryTimer !== undefined) return;
    this.retryTimer = setInterval(() => {
      for (const waiting of [...this.waiting]) {
        this.collect(waiting).catch((error: unknown) => this.options.onError?.(error, waiting));
      }
      if (this.waiting.size === 0) this.close();
    }, this.options.retryMs ?? 2000);
    this.retryTimer.unref();
  }

  private withLock<T>(sha: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(sha) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.locks.set(sha, settled);
    void settled.then(() => {
      if (this.locks.get(sha) === settled) this.locks.delete(sha);
    });
    return next;
  }
}
