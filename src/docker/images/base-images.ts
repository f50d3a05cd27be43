import type Dockerode from 'dockerode';
import { followDockerStream } from './build-stream.js';
import { getMessage } from './docker-build.js';
import { ImageError } from './image-error.js';
import { silentImageLogger, type ImageLogger } from './image-logger.js';
import { getStandinSpec, STANDIN_LABEL, STANDIN_RECIPE_LABEL, type StandinSpec } from './standin-catalog.js';
import { buildStandinImage, fetchStandinRecipeHash } from './standin-builder.js';

/** Where a base image came from: already there, pulled from a registry, or assembled offline. */
export type BaseImageSource = 'local' | 'pulled' | 'standin';

export interface EnsuredBaseImage {
  readonly tag: string;
  readonly id: string;
  readonly source: BaseImageSource;
  readonly durationMs: number;
}

export interface EnsureBaseImageOptions {
  /** The repository's docker/base folder (stand-in Dockerfiles and assemble-rootfs.sh). */
  dockerBaseDir: string;
  /** Where stand-ins' pinned npm installs are kept; default `<dockerBaseDir>/../../.cache`. */
  cacheDir?: string;
  logger?: ImageLogger;
  /** A pull that shows no progress for this long is abandoned for the stand-in. Default 30 s. */
  pullIdleTimeoutMs?: number;
  /** false: never try a registry, go straight to the stand-in. Default true. */
  pull?: boolean;
}

export const DEFAULT_PULL_IDLE_TIMEOUT_MS = 30_000;

/**
 * Makes sure `tag` exists locally: a local image wins; else pull it (a registry is reachable: the
 * official image); else build the offline stand-in from host binaries. Throws when none works.
 */
export async function ensureBaseImage(
  docker: Dockerode,
  tag: string,
  options: EnsureBaseImageOptions,
): Promise<EnsuredBaseImage> {
  const logger = options.logger ?? silentImageLogger;
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);

  const local = await fetchImage(docker, tag);
  const spec = getStandinSpec(tag);
  if (local !== undefined) {
    const outdated = spec === undefined ? undefined : await fetchOutdatedStandinReason(local, spec, options.dockerBaseDir);
    if (outdated === undefined) return { tag, id: local.Id, source: 'local', durationMs: elapsed() };
    logger.info({ tag, reason: outdated }, 'Replacing outdated offline stand-in');
  }

  let pullError: unknown;
  if (options.pull !== false) {
    logger.info({ tag }, 'Pulling base image');
    try {
      await pullImage(docker, tag, options.pullIdleTimeoutMs ?? DEFAULT_PULL_IDLE_TIMEOUT_MS);
      const id = await fetchImageId(docker, tag);
      if (id === undefined) throw new Error(`${tag} is still missing after the pull`);
      logger.info({ tag, id, durationMs: elapsed() }, 'Pulled base image');
      if (local !== undefined && local.Id !== id) await removeImageQuietly(docker, local.Id, logger);
      return { tag, id, source: 'pulled', durationMs: elapsed() };
    } catch (error) {
      pullError = error;
      logger.info({ tag, reason: getMessage(error) }, 'Could not pull base image');
    }
  }

  if (spec === undefined) {
    const message = `Base image ${tag} is not local, cannot be pulled and has no offline stand-in`;
    throw new ImageError('BaseImageUnavailable', tag, message, { cause: pullError });
  }
  logger.info({ tag }, 'Assembling offline stand-in from host binaries');
  let imageId: string;
  try {
    ({ imageId } = await buildStandinImage(docker, spec, { dockerBaseDir: options.dockerBaseDir, cacheDir: options.cacheDir, logger }));
  } catch (error) {
    if (local === undefined) throw error;
    logger.info({ tag, reason: getMessage(error) }, 'Keeping outdated offline stand-in: cannot rebuild it here');
    return { tag, id: local.Id, source: 'local', durationMs: elapsed() };
  }
  logger.info({ tag, id: imageId, durationMs: elapsed() }, 'Assembled offline stand-in');
  if (local !== undefined && local.Id !== imageId) await removeImageQuietly(docker, local.Id, logger);
  return { tag, id: imageId, source: 'standin', durationMs: elapsed() };
}

/** Why a local image is a stand-in built from another recipe, or undefined when it is fine as it is. */
async function fetchOutdatedStandinReason(
  image: Dockerode.ImageInspectInfo,
  spec: StandinSpec,
  dockerBaseDir: string,
): Promise<string | undefined> {
  const labels = image.Config?.Labels ?? {};
  if (labels[STANDIN_LABEL] !== 'true') return undefined;
  // Without the recipe (e.g. lambdock in a container with no docker/base/) the stand-in cannot be judged.
  const recipe = await fetchStandinRecipeHash(spec, dockerBaseDir).catch(() => undefined);
  return recipe === undefined || labels[STANDIN_RECIPE_LABEL] === recipe ? undefined : 'recipe changed';
}

/** The local image id of `reference`, or undefined when there is none. */
export async function fetchImageId(docker: Dockerode, reference: string): Promise<string | undefined> {
  return (await fetchImage(docker, reference))?.Id;
}

export async function fetchImage(docker: Dockerode, reference: string): Promise<Dockerode.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(reference).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

/** Pulls `tag`, abandoning it when the stream is silent for `idleTimeoutMs`. Throws on any failure. */
export async function pullImage(docker: Dockerode, tag: string, idleTimeoutMs: number): Promise<void> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => abort.abort(new Error(`no progress for ${idleTimeoutMs} ms`)), idleTimeoutMs);
  };
  arm();
  try {
    const stream = await docker.pull(tag, { abortSignal: abort.signal });
    const outcome = await followDockerStream(stream, arm);
    if (outcome.error !== undefined) {
      throw new ImageError('ImagePullFailed', tag, `Pulling ${tag} failed: ${outcome.error}`, { logTail: outcome.logTail });
    }
  } catch (error) {
    if (abort.signal.aborted) {
      const message = `Pulling ${tag} timed out: ${getMessage(abort.signal.reason)}`;
      throw new ImageError('ImagePullFailed', tag, message, { cause: error });
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Removes a replaced (now untagged) image; one still used by a container or image stays. */
export async function removeImageQuietly(docker: Dockerode, imageId: string, logger: ImageLogger): Promise<void> {
  try {
    await docker.getImage(imageId).remove();
    logger.info({ imageId }, 'Removed replaced image');
  } catch (error) {
    logger.info({ imageId, reason: getMessage(error) }, 'Kept replaced image');
  }
}
