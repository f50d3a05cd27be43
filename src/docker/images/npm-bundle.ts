import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { getMessage } from './docker-build.js';
import { ImageError } from './image-error.js';
import { silentImageLogger, type ImageLogger } from './image-logger.js';

const execFileAsync = promisify(execFile);

/**
 * Package sets pinned by a package.json + package-lock.json of their own (the runtime images' AWS SDK,
 * the Node.js binaries of the offline stand-ins), installed on the host with `npm ci --ignore-scripts`
 * into `.cache/npm-bundles/<name>-<hash>/` and reused until the lock file changes. The project's own
 * `npm ci` never installs these.
 */

/** Bump when what an install contains changes for the same lock file (e.g. what is pruned). */
const BUNDLE_RECIPE = 'npm-bundle-v1: npm ci --ignore-scripts --omit=dev; dist-types/ and *.d.ts removed';
const COMPLETE_MARKER = '.lambdock-complete';
const INSTALL_TIMEOUT_MS = 10 * 60_000;

export interface NpmBundleFiles {
  readonly packageJson: Buffer;
  readonly lockFile: Buffer;
}

export interface InstalledNpmBundle {
  /** The installed `node_modules/` folder. */
  readonly nodeModulesDir: string;
  readonly hash: string;
}

/** Reads `<dir>/package.json` and `<dir>/package-lock.json` (both required: installs are pinned). */
export async function loadNpmBundleFiles(dir: string, tag: string): Promise<NpmBundleFiles> {
  try {
    const [packageJson, lockFile] = await Promise.all([
      readFile(join(dir, 'package.json')),
      readFile(join(dir, 'package-lock.json')),
    ]);
    return { packageJson, lockFile };
  } catch (error) {
    const message = `Cannot read the pinned npm package set in ${dir} (package.json + package-lock.json): ${getMessage(error)}`;
    throw new ImageError('BuildContextInvalid', tag, message, { cause: error });
  }
}

/** The identity of an install: the manifest, the lock file and how it is installed. Pure. */
export function getNpmBundleHash(files: NpmBundleFiles): string {
  return createHash('sha256')
    .update(`${BUNDLE_RECIPE}\n`)
    .update(files.packageJson)
    .update('\0')
    .update(files.lockFile)
    .digest('hex')
    .slice(0, 16);
}

/**
 * The installed `node_modules/` of the package set in `dir`, installing it first when the cache has no
 * complete install of this lock file. Installs go to a temporary folder renamed into place, so an
 * interrupted install is never mistaken for a complete one; older installs of the same set are removed.
 */
export async function ensureNpmBundle(
  dir: string,
  cacheDir: string,
  options: { tag: string; logger?: ImageLogger },
): Promise<InstalledNpmBundle> {
  const logger = options.logger ?? silentImageLogger;
  const files = await loadNpmBundleFiles(dir, options.tag);
  const hash = getNpmBundleHash(files);
  const name = basename(dir);
  const root = join(cacheDir, 'npm-bundles');
  const target = join(root, `${name}-${hash}`);
  const nodeModulesDir = join(target, 'node_modules');
  if (await exists(join(target, COMPLETE_MARKER))) return { nodeModulesDir, hash };

  await mkdir(root, { recursive: true });
  const started = performance.now();
  logger.info({ bundle: name, hash, cache: target }, 'Installing pinned npm packages');
  const work = await mkdtemp(join(root, `.${name}-${hash}-`));
  try {
    await writeFile(join(work, 'package.json'), files.packageJson);
    await writeFile(join(work, 'package-lock.json'), files.lockFile);
    await runNpmCi(work, options.tag);
    // A set with no packages installs no node_modules/: the context still gets an (empty) folder.
    await mkdir(join(work, 'node_modules'), { recursive: true });
    await pruneForRuntime(join(work, 'node_modules'));
    await writeFile(join(work, COMPLETE_MARKER), `${BUNDLE_RECIPE}\n`);
    // Another process (a second `npm run images`, a worker starting) may have put the same install in
    // place meanwhile: keep that one (it may be in use); only a leftover without the marker is replaced.
    if (await exists(join(target, COMPLETE_MARKER))) {
      await rm(work, { recursive: true, force: true });
    } else {
      await rm(target, { recursive: true, force: true });
      await rename(work, target).catch(async (error: unknown) => {
        if (!(await exists(join(target, COMPLETE_MARKER)))) throw error;
        await rm(work, { recursive: true, force: true });
      });
    }
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw error;
  }
  await removeOtherInstalls(root, name, hash);
  logger.info({ bundle: name, hash, durationMs: Math.round(performance.now() - started) }, 'Installed pinned npm packages');
  return { nodeModulesDir, hash };
}

async function runNpmCi(dir: string, tag: string): Promise<void> {
  try {
    await execFileAsync('npm', ['ci', '--ignore-scripts', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir,
      timeout: INSTALL_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    const detail = typeof stderr === 'string' && stderr.trim() !== '' ? stderr.trim() : getMessage(error);
    throw new ImageError('ImageBuildFailed', tag, `npm ci in ${dir} failed (npm and the npm registry are needed once, then .cache/ is reused): ${detail}`, {
      cause: error,
    });
  }
}

/** Type declarations are never loaded at run time and are most of the SDK's size. */
async function pruneForRuntime(nodeModulesDir: string): Promise<void> {
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === 'dist-types') await rm(path, { recursive: true, force: true });
        else await walk(path);
      } else if (entry.isFile() && /\.d\.[cm]?ts$/.test(entry.name)) {
        await rm(path, { force: true });
      }
    }
  };
  await walk(nodeModulesDir);
}

async function removeOtherInstalls(root: string, name: string, keep: string): Promise<void> {
  const pattern = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-[0-9a-f]{16}$`);
  for (const entry of await readdir(root)) {
    if (pattern.test(entry) && entry !== `${name}-${keep}`) await rm(join(root, entry), { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

