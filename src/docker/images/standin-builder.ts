import type Dockerode from 'dockerode';
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, basename, isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import { getContextHash, loadContextEntries } from './context-hash.js';
import { buildImageFromDir, getMessage } from './docker-build.js';
import { ImageError } from './image-error.js';
import { silentImageLogger, type ImageLogger } from './image-logger.js';
import { ensureNpmBundle } from './npm-bundle.js';
import {
  BUSYBOX,
  STANDIN_LABEL,
  STANDIN_RECIPE_LABEL,
  type HostBinary,
  type HostPath,
  type StandinSpec,
} from './standin-catalog.js';

const execFileAsync = promisify(execFile);

export const ASSEMBLE_SCRIPT = 'assemble-rootfs.sh';
const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

export interface StandinBuildOptions {
  /** The repository's docker/base folder. */
  dockerBaseDir: string;
  /** Where pinned npm installs (spec.npmFiles) are kept; default `<dockerBaseDir>/../../.cache`. */
  cacheDir?: string;
  logger?: ImageLogger;
  /** Where to look for host binaries; defaults to this process's PATH plus the sbin folders. */
  searchPath?: string;
}

/**
 * Builds the stand-in for `spec.tag` from this host's binaries: resolves them (clear error naming the
 * packages to install when some are missing), assembles rootfs/ in a temporary folder beside a copy of
 * docker/base/<dir>/, builds it with the legacy builder and removes the folder.
 */
export async function buildStandinImage(
  docker: Dockerode,
  spec: StandinSpec,
  options: StandinBuildOptions,
): Promise<{ imageId: string }> {
  const logger = options.logger ?? silentImageLogger;
  const searchDirs = getSearchDirs(options.searchPath ?? process.env.PATH ?? '');
  const binaries = await resolveHostBinaries(spec.tag, [BUSYBOX, ...spec.binaries], searchDirs, spec.requiredPaths ?? []);
  await warnOnVersionMismatch(spec, binaries, logger);
  const optionalFiles: string[] = [];
  for (const file of spec.optionalFiles) if (await exists(file)) optionalFiles.push(file);
  const npmFiles = await fetchNpmFiles(spec, options, logger);

  const workDir = await mkdtemp(join(tmpdir(), 'lambdock-standin-'));
  try {
    await cp(join(options.dockerBaseDir, spec.dir), workDir, { recursive: true });
    const paths = spec.binaries.map((binary) => binaries.get(binary.name) ?? binary.name);
    await assembleRootfs(spec.tag, join(options.dockerBaseDir, ASSEMBLE_SCRIPT), join(workDir, 'rootfs'), {
      busybox: binaries.get(BUSYBOX.name) ?? BUSYBOX.name,
      files: [...paths, ...(spec.requiredPaths ?? []).map((required) => required.path), ...optionalFiles],
    });
    for (const excluded of spec.excludedPaths ?? []) await removeFromRootfs(join(workDir, 'rootfs'), excluded);
    for (const file of npmFiles) await copyWithLibraries(spec.tag, file.source, join(workDir, 'rootfs'), file.to);
    const recipe = await fetchStandinRecipeHash(spec, options.dockerBaseDir);
    const { imageId } = await buildImageFromDir(docker, workDir, {
      tag: spec.tag,
      labels: { [STANDIN_LABEL]: 'true', [STANDIN_RECIPE_LABEL]: recipe },
    });
    return { imageId };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * Hash of what a stand-in is made from in this repository: docker/base/<dir>/, the assemble script and
 * the binary list. A local stand-in with another hash is rebuilt. (Host binaries are not hashed: after a
 * host upgrade, `docker rmi` the stand-in to rebuild it.)
 */
export async function fetchStandinRecipeHash(spec: StandinSpec, dockerBaseDir: string): Promise<string> {
  const entries = await loadContextEntries(join(dockerBaseDir, spec.dir));
  const script = await readFile(join(dockerBaseDir, ASSEMBLE_SCRIPT));
  const inputs = [BUSYBOX, ...spec.binaries]
    .map((binary) => binary.name)
    .concat(spec.optionalFiles)
    .concat((spec.requiredPaths ?? []).map((required) => required.path))
    .concat((spec.excludedPaths ?? []).map((excluded) => `-${excluded}`))
    .concat((spec.npmFiles ?? []).map((file) => `npm:${file.from}=${file.to}`))
    .join(' ');
  return getContextHash(
    [
      ...entries,
      { path: `../${ASSEMBLE_SCRIPT}`, kind: 'file', mode: 0, content: script },
      { path: '../inputs', kind: 'file', mode: 0, content: inputs },
    ],
    [],
  );
}

/** The installed source of each of spec.npmFiles (installing the pinned packages on first use). */
async function fetchNpmFiles(
  spec: StandinSpec,
  options: StandinBuildOptions,
  logger: ImageLogger,
): Promise<Array<{ source: string; to: string }>> {
  if (spec.npmFiles === undefined || spec.npmFiles.length === 0) return [];
  const cacheDir = options.cacheDir ?? join(options.dockerBaseDir, '..', '..', '.cache');
  const installed = await ensureNpmBundle(join(options.dockerBaseDir, spec.dir), cacheDir, { tag: spec.tag, logger });
  return spec.npmFiles.map((file) => ({ source: join(installed.nodeModulesDir, file.from), to: file.to }));
}

/**
 * Copies `source` to `to` inside `rootfs`, and every library `ldd` lists for it to its own path there
 * unless already present (as assemble-rootfs.sh does for host binaries; the script itself copies only to
 * a file's own path, and stays as it is so the other stand-ins' recipes do not change).
 */
async function copyWithLibraries(tag: string, source: string, rootfs: string, to: string): Promise<void> {
  const copy = async (from: string, dest: string): Promise<void> => {
    await execFileAsync('mkdir', ['-p', dirname(join(rootfs, dest))]);
    await execFileAsync('cp', ['-L', '--preserve=mode', from, join(rootfs, dest)]);
  };
  try {
    await copy(source, to);
    const { stdout } = await execFileAsync('ldd', [source], { timeout: 10_000 });
    if (stdout.includes('not found')) throw new Error(`${source} needs libraries missing on this host:\n${stdout}`);
    for (const library of stdout.match(/\/[^\s)]+/g) ?? []) {
      if (!(await exists(join(rootfs, library)))) await copy(library, library);
    }
  } catch (error) {
    throw new ImageError('ImageBuildFailed', tag, `Adding ${source} to the stand-in for ${tag} failed: ${getMessage(error)}`, {
      cause: error,
    });
  }
}

function getSearchDirs(path: string): string[] {
  const dirs = path.split(delimiter).filter((dir) => dir !== '');
  return [...new Set([...dirs, ...SBIN_DIRS])];
}

/**
 * Absolute path of each binary; throws one error listing every missing binary or required path and its
 * package.
 */
async function resolveHostBinaries(
  tag: string,
  binaries: readonly HostBinary[],
  searchDirs: readonly string[],
  requiredPaths: readonly HostPath[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const missing: Array<{ name: string; install: string }> = [];
  for (const binary of binaries) {
    const path = await findExecutable(binary.name, searchDirs);
    if (path === undefined) missing.push(binary);
    else found.set(binary.name, path);
  }
  for (const required of requiredPaths) {
    if (!(await exists(required.path))) missing.push({ name: required.path, install: required.install });
  }
  if (missing.length > 0) {
    const list = missing.map((binary) => `${binary.name} (install ${binary.install})`).join(', ');
    throw new ImageError(
      'HostBinaryMissing',
      tag,
      `Cannot pull ${tag} and cannot assemble an offline stand-in for it: missing on this host: ${list}`,
    );
  }
  return found;
}

export async function findExecutable(name: string, searchDirs: readonly string[]): Promise<string | undefined> {
  for (const dir of isAbsolute(name) ? ['/'] : searchDirs) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function warnOnVersionMismatch(spec: StandinSpec, binaries: Map<string, string>, logger: ImageLogger): Promise<void> {
  for (const binary of spec.binaries) {
    const path = binaries.get(binary.name);
    if (binary.version === undefined || path === undefined) continue;
    const output = await execFileAsync(path, ['--version'], { timeout: 10_000 }).then(
      (result) => result.stdout.trim(),
      (error: unknown) => `failed: ${getMessage(error)}`,
    );
    if (!binary.version.test(output)) {
      logger.info(
        { tag: spec.tag, binary: path, version: output, expected: String(binary.version) },
        'Warning: host binary version does not match the stand-in tag; building it anyway',
      );
    }
  }
}

async function assembleRootfs(
  tag: string,
  script: string,
  outDir: string,
  input: { busybox: string; files: readonly string[] },
): Promise<void> {
  try {
    await execFileAsync('sh', [script, outDir, ...input.files], {
      env: { ...process.env, BUSYBOX: input.busybox },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    const detail = typeof stderr === 'string' && stderr.trim() !== '' ? stderr.trim() : getMessage(error);
    throw new ImageError('ImageBuildFailed', tag, `Assembling the stand-in for ${tag} failed: ${detail}`, { cause: error });
  }
}

/** Removes `relative` (a trailing `*` matches a name prefix) from the assembled rootfs. */
async function removeFromRootfs(rootfs: string, relative: string): Promise<void> {
  if (!relative.endsWith('*')) {
    await rm(join(rootfs, relative), { recursive: true, force: true });
    return;
  }
  const parent = join(rootfs, dirname(relative));
  const prefix = basename(relative).slice(0, -1);
  const names = await readdir(parent).catch(() => [] as string[]);
  for (const name of names) {
    if (name.startsWith(prefix)) await rm(join(parent, name), { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
