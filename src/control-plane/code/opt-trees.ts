import { createHash, randomUUID } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CodeRef } from '../function-model.js';
import type { CodeStore } from './code-store.js';
import { mergeTrees } from './layer-merge.js';

export interface OptTreesOptions {
  /** Whether a sandbox has this tree bind-mounted at /opt (such a tree stays). */
  isTreeInUse?: (treePath: string) => boolean;
  /** How long a tree no sandbox mounts stays after it was last asked for. Default 10 min. */
  idleMs?: number;
  /** How often unused trees are looked for. Default 1 min. */
  collectEveryMs?: number;
  now?: () => number;
  onError?: (error: unknown) => void;
}

/**
 * What sandboxes mount read-only at /opt: one tree per combination of layers (in order), under
 * `<dataDir>/opt/<sha256 of the layers' SHA-256s>`, built by hard-linking the layers' unpacked trees from
 * the code store over one another (later layers over earlier ones). A layer is stored and unpacked once
 * however many functions use it; a combination costs one link per file. Trees are a cache: rebuilt when
 * missing, removed once no sandbox mounts them and none was asked for in a while, all of them at start-up.
 */
export class OptTrees {
  readonly root: string;
  private readonly building = new Map<string, Promise<void>>();
  /** Trees being removed: asking for one again waits for that, then builds it afresh. */
  private readonly removing = new Map<string, Promise<void>>();
  /** Trees known to be complete → when they were last asked for (ms). */
  private readonly lastAsked = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    dataDir: string,
    private readonly code: CodeStore,
    private readonly options: OptTreesOptions = {},
  ) {
    this.root = path.join(dataDir, 'opt');
  }

  /** The tree of this combination of layers (pure: it may not exist yet). */
  getTreePath(layers: readonly CodeRef[]): string {
    const digest = createHash('sha256').update(layers.map((layer) => layer.sha256Hex).join(',')).digest('hex');
    return path.join(this.root, digest);
  }

  /** Makes sure the tree of `layers` exists (unpacking the layers first) and answers its path; undefined for none. */
  async ensure(layers: readonly CodeRef[]): Promise<string | undefined> {
    if (layers.length === 0) return undefined;
    const tree = this.getTreePath(layers);
    if (!this.lastAsked.has(tree)) {
      let work = this.building.get(tree);
      if (work === undefined) {
        const removal = this.removing.get(tree) ?? Promise.resolve();
        work = removal.then(() => this.build(layers, tree)).finally(() => this.building.delete(tree));
        this.building.set(tree, work);
      }
      await work;
    }
    this.lastAsked.set(tree, this.now());
    this.startCollecting();
    return tree;
  }

  private async build(layers: readonly CodeRef[], tree: string): Promise<void> {
    for (const layer of layers) await this.code.unpack(layer);
    if (await stat(tree).then(() => true, () => false)) return;
    const staging = `${tree}.partial-${randomUUID()}`;
    try {
      await mergeTrees(layers.map((layer) => this.code.getTreePath(layer.sha256Hex)), staging);
      await rename(staging, tree).catch(async (error: unknown) => {
        // Built by someone else meanwhile: theirs is the same.
        if (!(await stat(tree).then(() => true, () => false))) throw error;
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** Removes the trees no sandbox mounts that were not asked for within `idleMs`; answers how many went. */
  async collectUnused(): Promise<number> {
    const idleMs = this.options.idleMs ?? 600_000;
    let removed = 0;
    for (const [tree, asked] of [...this.lastAsked]) {
      if (this.now() - asked < idleMs || this.options.isTreeInUse?.(tree) === true || this.building.has(tree)) continue;
      this.lastAsked.delete(tree);
      const removal = rm(tree, { recursive: true, force: true }).finally(() => this.removing.delete(tree));
      this.removing.set(tree, removal.catch(() => undefined));
      await removal;
      removed += 1;
    }
    return removed;
  }

  /** At start-up, before any sandbox: every tree goes (they are rebuilt when asked for). */
  async sweep(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }

  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private startCollecting(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      this.collectUnused().catch((error: unknown) => this.options.onError?.(error));
    }, this.options.collectEveryMs ?? 60_000);
    this.timer.unref();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
