import type Dockerode from 'dockerode';
import { posix, relative, resolve } from 'node:path';
import { pack, type PackOptions } from 'tar-fs';
import { followDockerStream } from './build-stream.js';
import { ImageError } from './image-error.js';

export interface DockerBuildOptions {
  tag: string;
  labels: Record<string, string>;
  /** Relative paths (with `/`) to leave out of the context. */
  ignore?: (relativePath: string) => boolean;
  /** The Dockerfile's path in the context (`-f`); `Dockerfile` by default. */
  dockerfile?: string;
  /** `--build-arg`s. */
  buildArgs?: Readonly<Record<string, string>>;
  /** More folders packed into the context, each under its own path (e.g. an npm install from .cache/). */
  extraDirs?: readonly ExtraContextDir[];
  onLog?: (line: string) => void;
}

export interface ExtraContextDir {
  readonly dir: string;
  /** Relative path in the context, with `/` separators. */
  readonly contextPath: string;
}

export interface DockerBuildResult {
  imageId: string;
  logTail: readonly string[];
}

/**
 * Builds `contextDir` (with its Dockerfile) through the Engine API's legacy builder. The context goes as
 * a tar with permission bits intact (no umask: a 1777 /tmp stays 1777) and root ownership. Throws an
 * ImageError with the build output's tail when the stream reports an error.
 */
export async function buildImageFromDir(
  docker: Dockerode,
  contextDirectory: string,
  options: DockerBuildOptions,
): Promise<DockerBuildResult> {
  const context = packContext(resolve(contextDirectory), options);
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(context as unknown as NodeJS.ReadableStream, {
      t: options.tag,
      labels: options.labels,
      ...(options.dockerfile === undefined ? {} : { dockerfile: options.dockerfile }),
      ...(options.buildArgs === undefined ? {} : { buildargs: options.buildArgs }),
      version: '1',
      rm: true,
      forcerm: true,
    });
  } catch (error) {
    context.destroy();
    throw new ImageError('ImageBuildFailed', options.tag, `Docker refused to build ${options.tag}: ${getMessage(error)}`, {
      cause: error,
    });
  }
  const outcome = await followDockerStream(stream, (event) => {
    if (event.stream !== undefined && event.stream.trim() !== '') options.onLog?.(event.stream.trimEnd());
  }).catch((error: unknown) => {
    throw new ImageError('ImageBuildFailed', options.tag, `Lost the build of ${options.tag}: ${getMessage(error)}`, {
      cause: error,
    });
  });
  if (outcome.error !== undefined || outcome.imageId === undefined) {
    const reason = outcome.error ?? 'the builder reported no image id';
    throw new ImageError('ImageBuildFailed', options.tag, `Building ${options.tag} failed: ${reason}`, {
      logTail: outcome.logTail,
    });
  }
  // The legacy builder reports only a short id ("Successfully built 0123456789ab"): read the full one.
  const info = await docker.getImage(outcome.imageId).inspect();
  return { imageId: info.Id, logTail: outcome.logTail };
}

/** One tar stream: the context folder, then each extra folder under its context path. */
export function packContext(contextDir: string, options: Pick<DockerBuildOptions, 'ignore' | 'extraDirs'>): ReturnType<typeof pack> {
  const ignore = options.ignore;
  const extras = options.extraDirs ?? [];
  // tar-fs supports `umask`; its type definitions lag behind.
  const packExtra = (index: number, into: NonNullable<PackOptions['pack']>): void => {
    const extra = extras[index];
    if (extra === undefined) return;
    const extraOptions: PackOptions & { umask: number } = {
      umask: 0,
      pack: into,
      finalize: index === extras.length - 1,
      finish: (same) => packExtra(index + 1, same),
      map: (header) => ({ ...header, name: posix.join(extra.contextPath, header.name), uid: 0, gid: 0 }),
    };
    pack(resolve(extra.dir), extraOptions);
  };
  const packOptions: PackOptions & { umask: number } = {
    umask: 0,
    ignore: ignore === undefined ? undefined : (name) => ignore(relative(contextDir, name).split('\\').join('/')),
    map: (header) => ({ ...header, uid: 0, gid: 0 }),
    finalize: extras.length === 0,
    finish: (same) => packExtra(0, same),
  };
  return pack(contextDir, packOptions);
}

export function getMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
