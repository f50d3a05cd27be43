import type Dockerode from 'dockerode';
import { join } from 'node:path';
import { ensureBaseImage, fetchImage, removeImageQuietly, type EnsuredBaseImage } from './base-images.js';
import {
  CONTEXT_HASH_LABEL,
  getContextHash,
  isIgnoredContextPath,
  loadContextEntries,
  type ContextEntry,
} from './context-hash.js';
import { buildImageFromDir, getMessage, type ExtraContextDir } from './docker-build.js';
import { getDockerfileBaseImages } from './dockerfile.js';
import { ImageError } from './image-error.js';
import { silentImageLogger, type ImageLogger } from './image-logger.js';
import { ensureNpmBundle, getNpmBundleHash, loadNpmBundleFiles } from './npm-bundle.js';
import { RUNTIME_IMAGES, type RuntimeImageSpec } from './runtime-catalog.js';

export const MANAGED_LABEL = 'lambdock.managed';
export const RUNTIME_FAMILY_LABEL = 'lambdock.runtime-family';

export interface EnsureRuntimeImagesOptions {
  /** The repository's runtimes/ folder (one build context per family). */
  runtimesDir: string;
  /** The repository's docker/base/ folder (offline stand-ins). */
  dockerBaseDir: string;
  /** Where pinned npm installs are kept (the SDK, Node binaries); default `<runtimesDir>/../.cache`. */
  cacheDir?: string;
  logger?: ImageLogger;
  /** Rebuild even when the image's context hash is current. */
  force?: boolean;
  /** false: never try a registry for base images. Default true. */
  pull?: boolean;
  pullIdleTimeoutMs?: number;
  /** Only these images (default: every entry of RUNTIME_IMAGES). */
  images?: readonly RuntimeImageSpec[];
}

export interface EnsuredRuntimeImage {
  readonly tag: string;
  readonly runtimes: readonly string[];
  readonly imageId: string;
  readonly action: 'current' | 'built';
  readonly contextHash: string;
  readonly bases: readonly EnsuredBaseImage[];
  readonly durationMs: number;
}

/**
 * Makes sure every runtime image exists and matches its build context: base images first (local, pulled
 * or offline stand-in), then a build only when the image's `lambdock.context-hash` label differs from the
 * hash of runtimes/<family>/ + base image ids. When all are current this costs a few inspects.
 */
export async function ensureRuntimeImages(
  docker: Dockerode,
  options: EnsureRuntimeImagesOptions,
): Promise<EnsuredRuntimeImage[]> {
  const results: EnsuredRuntimeImage[] = [];
  for (const spec of options.images ?? RUNTIME_IMAGES) {
    results.push(await ensureRuntimeImage(docker, spec, options));
  }
  await removeReplacedImages(docker, options.logger ?? silentImageLogger);
  return results;
}

/**
 * Removes lambdock's runtime images that a rebuild untagged but could not remove then, because a
 * container still used them (an environment of the old image, alive while the new one was built): those
 * containers are gone by the next build, and nothing else would ever remove the images.
 */
async function removeReplacedImages(docker: Dockerode, logger: ImageLogger): Promise<void> {
  const replaced = await docker.listImages({ filters: { dangling: ['true'], label: [`${MANAGED_LABEL}=true`] } });
  for (const image of replaced) await removeImageQuietly(docker, image.Id, logger);
}

export async function ensureRuntimeImage(
  docker: Dockerode,
  spec: RuntimeImageSpec,
  options: EnsureRuntimeImagesOptions,
): Promise<EnsuredRuntimeImage> {
  const logger = options.logger ?? silentImageLogger;
  const started = performance.now();
  const contextDir = join(options.runtimesDir, spec.contextDir);

  const entries = await loadContextEntries(contextDir).catch((error: unknown) => {
    throw new ImageError('BuildContextInvalid', spec.tag, `Cannot read build context ${contextDir}: ${getMessage(error)}`, {
      cause: error,
    });
  });
  const dockerfile = entries.find((entry) => entry.path === 'Dockerfile' && entry.kind === 'file');
  if (dockerfile === undefined) {
    throw new ImageError('BuildContextInvalid', spec.tag, `${contextDir} has no Dockerfile`);
  }
  const baseTags = getDockerfileBaseImages(Buffer.from(dockerfile.content).toString('utf8'), spec.buildArgs);
  const unresolved = baseTags.find((tag) => tag.includes('$'));
  if (unresolved !== undefined) {
    const message = `${contextDir}/Dockerfile uses a variable base image (${unresolved})`;
    throw new ImageError('BuildContextInvalid', spec.tag, message);
  }

  const cacheDir = options.cacheDir ?? join(options.runtimesDir, '..', '.cache');
  const bases: EnsuredBaseImage[] = [];
  for (const tag of baseTags) {
    bases.push(
      await ensureBaseImage(docker, tag, {
        dockerBaseDir: options.dockerBaseDir,
        cacheDir,
        logger,
        pull: options.pull,
        pullIdleTimeoutMs: options.pullIdleTimeoutMs,
      }),
    );
  }
  const contextHash = getContextHash(
    [...entries, ...(await loadSpecEntries(spec, options.runtimesDir))],
    bases.map((base) => base.id),
  );

  const existing = await fetchImage(docker, spec.tag);
  const existingHash = existing?.Config?.Labels?.[CONTEXT_HASH_LABEL];
  const result = (imageId: string, action: EnsuredRuntimeImage['action']): EnsuredRuntimeImage => {
    const durationMs = Math.round(performance.now() - started);
    return { tag: spec.tag, runtimes: spec.runtimes, imageId, action, contextHash, bases, durationMs };
  };
  if (existing !== undefined && existingHash === contextHash && options.force !== true) {
    return result(existing.Id, 'current');
  }

  const reason = existing === undefined ? 'missing' : options.force === true ? 'forced' : 'context changed';
  logger.info({ tag: spec.tag, reason, contextHash }, 'Building runtime image');
  const extraDirs: ExtraContextDir[] = [];
  for (const bundle of spec.npmBundles ?? []) {
    const installed = await ensureNpmBundle(join(options.runtimesDir, bundle.dir), cacheDir, { tag: spec.tag, logger });
    extraDirs.push({ dir: installed.nodeModulesDir, contextPath: `${bundle.contextPath}/node_modules` });
  }
  const { imageId } = await buildImageFromDir(docker, contextDir, {
    tag: spec.tag,
    labels: { [MANAGED_LABEL]: 'true', [CONTEXT_HASH_LABEL]: contextHash, [RUNTIME_FAMILY_LABEL]: spec.family },
    ignore: isIgnoredContextPath,
    buildArgs: spec.buildArgs,
    extraDirs,
  });
  logger.info({ tag: spec.tag, imageId, durationMs: Math.round(performance.now() - started) }, 'Built runtime image');

  if (existing !== undefined && existing.Id !== imageId) await removeImageQuietly(docker, existing.Id, logger);
  return result(imageId, 'built');
}

/**
 * What a spec adds to its context's identity: its build arguments and, for each npm bundle, the pinned
 * manifest and lock file (an install is determined by them, so thousands of installed files need no
 * hashing). None for a spec without either, so such images keep the hash of their folder alone.
 */
async function loadSpecEntries(spec: RuntimeImageSpec, runtimesDir: string): Promise<ContextEntry[]> {
  const entries: ContextEntry[] = [];
  if (spec.buildArgs !== undefined) {
    const args = Object.entries(spec.buildArgs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    entries.push({ path: '../build-args', kind: 'file', mode: 0, content: JSON.stringify(args) });
  }
  for (const bundle of spec.npmBundles ?? []) {
    const files = await loadNpmBundleFiles(join(runtimesDir, bundle.dir), spec.tag);
    entries.push({ path: `${bundle.contextPath}/package.json`, kind: 'file', mode: 0, content: files.packageJson });
    entries.push({ path: `${bundle.contextPath}/package-lock.json`, kind: 'file', mode: 0, content: files.lockFile });
    entries.push({ path: `${bundle.contextPath}/recipe`, kind: 'file', mode: 0, content: getNpmBundleHash(files) });
  }
  return entries;
}
