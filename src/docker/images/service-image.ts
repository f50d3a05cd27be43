import type Dockerode from 'dockerode';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureBaseImage, fetchImage, removeImageQuietly, type EnsuredBaseImage } from './base-images.js';
import { CONTEXT_HASH_LABEL, getContextHash, loadContextEntries } from './context-hash.js';
import { buildImageFromDir, getMessage } from './docker-build.js';
import { getDockerfileBaseImages } from './dockerfile.js';
import { parseDockerignore } from './dockerignore.js';
import { ImageError } from './image-error.js';
import { silentImageLogger, type ImageLogger } from './image-logger.js';

/** The lambdock service image: compose's api and worker, and the image testcontainers users start. */
export const SERVICE_IMAGE_TAG = 'lambdock:local';
export const SERVICE_DOCKERFILE = 'docker/Dockerfile';
export const SERVICE_IMAGE_LABEL = 'lambdock.service-image';

export interface EnsureServiceImageOptions {
  /** The repository's root: the build context (less what .dockerignore leaves out). */
  repoRoot: string;
  /** The repository's docker/base/ folder (offline stand-ins of the base images). */
  dockerBaseDir: string;
  cacheDir?: string;
  logger?: ImageLogger;
  force?: boolean;
  pull?: boolean;
}

export interface EnsuredServiceImage {
  readonly tag: string;
  readonly imageId: string;
  readonly action: 'current' | 'built';
  readonly contextHash: string;
  readonly bases: readonly EnsuredBaseImage[];
  readonly durationMs: number;
}

/**
 * Makes sure lambdock:local exists and matches the repository: its base images first, then a build only
 * when the image's context hash differs. The hash covers the context as it is sent (the files
 * .dockerignore keeps) except node_modules, which package-lock.json stands for (hashing 200 MB of
 * installed files at every run would cost more than it tells), plus the base images' ids.
 */
export async function ensureServiceImage(docker: Dockerode, options: EnsureServiceImageOptions): Promise<EnsuredServiceImage> {
  const logger = options.logger ?? silentImageLogger;
  const started = performance.now();
  const tag = SERVICE_IMAGE_TAG;
  const dockerignore = await readFile(join(options.repoRoot, '.dockerignore'), 'utf8').catch(() => '');
  const isIgnored = parseDockerignore(dockerignore);
  const dockerfile = await readFile(join(options.repoRoot, SERVICE_DOCKERFILE), 'utf8').catch((error: unknown) => {
    throw new ImageError('BuildContextInvalid', tag, `Cannot read ${SERVICE_DOCKERFILE}: ${getMessage(error)}`, { cause: error });
  });
  const bases: EnsuredBaseImage[] = [];
  for (const base of getDockerfileBaseImages(dockerfile)) {
    bases.push(
      await ensureBaseImage(docker, base, { dockerBaseDir: options.dockerBaseDir, cacheDir: options.cacheDir, logger, pull: options.pull }),
    );
  }
  const entries = await loadContextEntries(options.repoRoot, (path) => isIgnored(path) || path === 'node_modules' || path.startsWith('node_modules/'));
  const contextHash = getContextHash(entries, bases.map((base) => base.id));

  const existing = await fetchImage(docker, tag);
  const result = (imageId: string, action: EnsuredServiceImage['action']): EnsuredServiceImage => ({
    tag,
    imageId,
    action,
    contextHash,
    bases,
    durationMs: Math.round(performance.now() - started),
  });
  // Earlier builds a running lambdock container kept (untagged, not removable then): free by now, mostly.
  const replaced = await docker.listImages({ filters: { dangling: ['true'], label: [`${SERVICE_IMAGE_LABEL}=true`] } });
  for (const image of replaced) await removeImageQuietly(docker, image.Id, logger);
  if (existing !== undefined && existing.Config?.Labels?.[CONTEXT_HASH_LABEL] === contextHash && options.force !== true) {
    return result(existing.Id, 'current');
  }
  const reason = existing === undefined ? 'missing' : options.force === true ? 'forced' : 'context changed';
  logger.info({ tag, reason, contextHash }, 'Building the lambdock image');
  const { imageId } = await buildImageFromDir(docker, options.repoRoot, {
    tag,
    dockerfile: SERVICE_DOCKERFILE,
    labels: { [SERVICE_IMAGE_LABEL]: 'true', [CONTEXT_HASH_LABEL]: contextHash },
    ignore: isIgnored,
  });
  logger.info({ tag, imageId, durationMs: Math.round(performance.now() - started) }, 'Built the lambdock image');
  if (existing !== undefined && existing.Id !== imageId) await removeImageQuietly(docker, existing.Id, logger);
  return result(imageId, 'built');
}
