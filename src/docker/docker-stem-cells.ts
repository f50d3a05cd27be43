import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { copyFile, link, mkdir, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { StemCell, StemCellFactory, StemCellFit, StemClaim, StemShimKind } from '../sandbox/stem-cell.js';
import type { ContainerDriver, NetworkSlot, NetworkSlotProvider, OutputPipe, OutputPipeProvider, ScratchDisk, ScratchDiskProvider } from './container-driver.js';
import { STEM_CELL_FILES } from './container-driver.js';

const run = promisify(execFile);

/** What the shim writes once it is parked (stem.mjs); lambdock drops everything up to and including it. */
export const PARKED_MARKER = '\0lambdock-stem-cell-parked\n';

/** How long a new stem cell may take to park (its container start and the runtime's boot). */
const PARK_TIMEOUT_MS = 20_000;

export interface StemShim {
  /** The Node.js shim: its wrapper script (AWS_LAMBDA_EXEC_WRAPPER) and module, as their text. */
  wrapper: string;
  shim: string;
  /** The shell shim of the other runtimes, as its text. */
  execShim: string;
}

export interface DockerStemCellsOptions {
  /** The data dir: the slots live under `<dataDir>/stem/`, beside the code trees they link to. */
  dataDir: string;
  /** The shims' files. */
  shim: StemShim;
  parkTimeoutMs?: number;
}

/**
 * Makes stem cells on the engine: a /tmp disk, a network slot and an output pipe as a cold start would,
 * empty slot folders for /var/task and /opt, the shim and the claim pipe in the output folder, and the
 * generic container of the fit, started and waited for until its runtime says it is parked.
 */
export class DockerStemCells implements StemCellFactory {
  private readonly root: string;

  constructor(
    private readonly driver: ContainerDriver,
    private readonly scratch: ScratchDiskProvider,
    private readonly network: NetworkSlotProvider,
    private readonly outputs: OutputPipeProvider,
    private readonly options: DockerStemCellsOptions,
  ) {
    this.root = path.join(options.dataDir, 'stem');
  }

  async createStemCell(fit: StemCellFit): Promise<StemCell> {
    const stemId = randomBytes(16).toString('hex');
    const [disk, slot, output] = await Promise.allSettled([
      this.scratch.createScratchDisk(fit.tmpMb, {}),
      this.network.acquireNetworkSlot(),
      this.outputs.createOutputPipe(`stem-${stemId}`),
    ]);
    const slotDir = path.join(this.root, stemId);
    const releaseResources = async () => {
      await rm(slotDir, { recursive: true, force: true });
      await Promise.all([
        disk.status === 'fulfilled' ? disk.value.release() : undefined,
        slot.status === 'fulfilled' ? slot.value.release() : undefined,
        output.status === 'fulfilled' ? output.value.close() : undefined,
      ]);
    };
    if (disk.status !== 'fulfilled' || slot.status !== 'fulfilled' || output.status !== 'fulfilled') {
      await releaseResources().catch(() => undefined);
      throw [disk, slot, output].find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason;
    }
    let claimFd: number | undefined;
    try {
      claimFd = await this.prepareFiles(fit.shim, slotDir, output.value.hostDir);
      const cell = new DockerStemCell(this.driver, fit.key, stemId, slotDir, claimFd, disk.value, slot.value, output.value);
      await cell.boot(fit, this.options.parkTimeoutMs ?? PARK_TIMEOUT_MS);
      return cell;
    } catch (error) {
      if (claimFd !== undefined) closeSync(claimFd);
      await releaseResources().catch(() => undefined);
      throw error;
    }
  }

  /** The slots, the shim, and the claim pipe, held open read-write by lambdock (the shim's open never waits, and it reads until a whole line came). */
  private async prepareFiles(kind: StemShimKind, slotDir: string, outputDir: string): Promise<number> {
    await mkdir(path.join(slotDir, 'task'), { recursive: true, mode: 0o755 });
    await mkdir(path.join(slotDir, 'opt'), { mode: 0o755 });
    if (kind === 'node') {
      await writeFile(path.join(outputDir, STEM_CELL_FILES.wrapper), this.options.shim.wrapper, { mode: 0o755 });
      await writeFile(path.join(outputDir, STEM_CELL_FILES.shim), this.options.shim.shim, { mode: 0o644 });
      await writeFile(path.join(outputDir, STEM_CELL_FILES.warm), "exports.handler = async () => 'warm';\n", { mode: 0o644 });
    } else {
      await writeFile(path.join(outputDir, STEM_CELL_FILES.execShim), this.options.shim.execShim, { mode: 0o755 });
    }
    const claim = path.join(outputDir, STEM_CELL_FILES.claim);
    await run('mkfifo', ['-m', '0644', claim]);
    return openSync(claim, constants.O_RDWR | constants.O_NONBLOCK);
  }
}

/**
 * The output pipe as a claimer gets it: the marker a restarted shim prints again as it parks (a reset
 * starts the container over) is left out of the function's log. The shim writes it in one write below
 * PIPE_BUF, so it arrives whole in one chunk.
 */
function withoutMarker(pipe: OutputPipe): OutputPipe {
  const marker = Buffer.from(PARKED_MARKER, 'latin1');
  const strip = (chunk: Buffer): Buffer => {
    const at = chunk.indexOf(marker);
    return at < 0 ? chunk : strip(Buffer.concat([chunk.subarray(0, at), chunk.subarray(at + marker.length)]));
  };
  return {
    hostDir: pipe.hostDir,
    read: (onOutput) =>
      pipe.read((chunk) => {
        const kept = strip(chunk);
        if (kept.length > 0) onOutput(kept);
      }),
    drain: () => pipe.drain(),
    close: () => pipe.close(),
  };
}

class DockerStemCell implements StemCell {
  containerId = '';
  alive = true;
  private unwatch: (() => void) | undefined;
  private filled = false;
  private released: Promise<void> | undefined;
  /** How its shim takes a claim, and the variables of its own start (the exec shim unsets those the function has not). */
  private shim: StemShimKind = 'node';
  private ownVariables: string[] = [];

  constructor(
    private readonly driver: ContainerDriver,
    readonly key: string,
    readonly id: string,
    private readonly slotDir: string,
    private claimFd: number | undefined,
    readonly scratchDisk: ScratchDisk,
    readonly networkSlot: NetworkSlot,
    private readonly pipe: OutputPipe,
  ) {
    this.output = withoutMarker(pipe);
  }

  readonly output: OutputPipe;

  /** Creates and starts the container; resolves once the shim is parked, rejects when it dies or takes too long. */
  async boot(fit: StemCellFit, timeoutMs: number): Promise<void> {
    let tail = '';
    let timer: NodeJS.Timeout | undefined;
    const parked = new Promise<void>((resolve, reject) => {
      // Until the claim, the stem cell's output is nobody's: it is dropped, after a look for the marker.
      this.pipe.read((chunk) => {
        tail = (tail + chunk.toString('latin1')).slice(-2 * PARKED_MARKER.length);
        if (tail.includes(PARKED_MARKER)) resolve();
      });
      timer = setTimeout(() => reject(new Error(`the stem cell ${this.id} did not park within ${timeoutMs} ms`)), timeoutMs);
      this.unwatch = this.driver.watchExits((exited) => {
        if (exited !== this.containerId) return;
        this.alive = false;
        reject(new Error(`the stem cell ${this.id} stopped before it was claimed`));
      });
    });
    parked.catch(() => undefined);
    this.shim = fit.shim;
    try {
      const spec = fit.containerSpec({
          stemId: this.id,
          scratch: this.scratchDisk,
          networkMode: `container:${this.networkSlot.holderId}`,
          outputDir: this.output.hostDir,
          codeDir: path.join(this.slotDir, 'task'),
          optDir: path.join(this.slotDir, 'opt'),
        });
      this.ownVariables = Object.keys(spec.env);
      this.containerId = await this.driver.createContainer(spec);
      await this.driver.startContainer(this.containerId);
      await parked;
    } catch (error) {
      if (this.containerId !== '') await this.driver.removeContainer(this.containerId).catch(() => undefined);
      this.unwatch?.();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  adopt(): void {
    this.unwatch?.();
    this.unwatch = undefined;
  }

  async deliver(claim: StemClaim): Promise<void> {
    if (!this.filled) {
      await Promise.all([
        claim.codeDir === undefined ? undefined : linkTree(claim.codeDir, path.join(this.slotDir, 'task')),
        claim.optDir === undefined ? undefined : linkTree(claim.optDir, path.join(this.slotDir, 'opt')),
      ]);
      this.filled = true;
    }
    if (this.claimFd === undefined) throw new Error(`the stem cell ${this.id} was released`);
    const line = this.shim === 'node' ? JSON.stringify({ env: claim.env }) : getShellClaim(claim.env, this.ownVariables);
    await writeAll(this.claimFd, Buffer.from(`${line}\n`, 'utf8'));
  }

  async releaseSlots(): Promise<void> {
    if (this.claimFd !== undefined) closeSync(this.claimFd);
    this.claimFd = undefined;
    await rm(this.slotDir, { recursive: true, force: true });
  }

  release(): Promise<void> {
    this.released ??= (async () => {
      this.adopt();
      this.alive = false;
      await this.driver.removeContainer(this.containerId);
      await this.releaseSlots();
      await Promise.all([this.scratchDisk.release(), this.networkSlot.release(), this.output.close()]);
    })();
    return this.released;
  }
}

const SHELL_SAFE = /^[A-Za-z0-9_./:,=@%+-]*$/;
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The exec shim's claim: one line of shell that unsets the stem cell's own variables the function does
 * not have, then exports each of the function's. A value of only safe characters goes as it is; any other
 * as printf %b octal escapes of its UTF-8 bytes (so newlines and quotes survive, on one line), with a
 * sentinel that keeps the trailing newlines a command substitution would strip.
 */
export function getShellClaim(env: Record<string, string>, ownVariables: readonly string[]): string {
  const parts: string[] = [];
  const unset = ownVariables.filter((name) => !Object.hasOwn(env, name) && SHELL_NAME.test(name));
  if (unset.length > 0) parts.push(`unset ${unset.join(' ')}`);
  for (const [name, value] of Object.entries(env)) {
    if (!SHELL_NAME.test(name)) continue;
    if (SHELL_SAFE.test(value)) {
      parts.push(`export ${name}='${value}'`);
      continue;
    }
    const escaped = [...Buffer.from(value, 'utf8')]
      .map((byte) => {
        const char = String.fromCharCode(byte);
        return byte < 0x80 && /[A-Za-z0-9_./:,=@%+-]/.test(char) ? char : `\\0${byte.toString(8).padStart(3, '0')}`;
      })
      .join('');
    parts.push(`${name}=$(printf '%b_' '${escaped}'); ${name}=\${${name}%_}; export ${name}`);
  }
  return parts.join('; ');
}

/** Writes all of `data` to a non-blocking pipe (a claim is far below the pipe's 64 KiB: one write, in practice). */
async function writeAll(fd: number, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(fd, data, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
}

/**
 * Recreates the tree `from` under `to` with hard links (the code trees and the slots are in the same data
 * dir, so on one filesystem), copying where a link is refused; symbolic links are recreated as they are.
 */
export async function linkTree(from: string, to: string): Promise<void> {
  const entries = await readdir(from, { withFileTypes: true });
  await Promise.all(
    entries.map(async (entry) => {
      const source = path.join(from, entry.name);
      const target = path.join(to, entry.name);
      if (entry.isDirectory()) {
        await mkdir(target, { mode: 0o755 });
        return linkTree(source, target);
      }
      if (entry.isSymbolicLink()) return symlink(await readlink(source), target);
      try {
        await link(source, target);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EXDEV' && code !== 'EPERM') throw error;
        await copyFile(source, target);
      }
    }),
  );
}
