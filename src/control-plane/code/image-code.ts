import { invalidParameter } from '../../shared/errors.js';
import type { Architecture } from '../architecture.js';

/** The image a container-image function runs, as its ImageUri resolved when it was set. */
export interface FunctionImage {
  /** `Code.ImageUri` as given. */
  uri: string;
  /** `<repository>@sha256:<hex>`: the image the function runs, whatever the tag names later. */
  resolvedUri: string;
  /** The engine's id of it (`sha256:<hex>`): what its containers are created from. */
  id: string;
  /** The image's own ENTRYPOINT, CMD and WORKDIR (ImageConfig replaces them). */
  entrypoint: string[];
  cmd: string[];
  workingDir: string;
}

/**
 * A container-image function's code (PackageType Image): an image on the engine, nothing stored by
 * lambdock. Its SHA-256 fields are the image's digest in hex, as AWS's `CodeSha256` of an image function.
 */
export interface ImageCodeRef {
  sha256Hex: string;
  codeSha256: string;
  size: 0;
  hostFolder?: undefined;
  image: FunctionImage;
  unzippedSize?: undefined;
}

/** What lambdock needs to know of an image on the engine (`docker image inspect`). */
export interface InspectedImage {
  /** The image's id, `sha256:<64 hex>` (the digest of its config: stable for the same content). */
  id: string;
  /** Whether it has `/bin/sh`: lambdock starts function containers through it (output pipe, extensions). */
  hasShell: boolean;
  entrypoint: readonly string[];
  cmd: readonly string[];
  /** The image's WORKDIR ('' when it sets none). */
  workingDir: string;
  /** Docker's name of its architecture (`amd64`, `arm64`). */
  architecture: string;
}

/** Finds images by reference (`name:tag`, `name@sha256:…`, an id): undefined when there is none. */
export interface ImageInspector {
  inspect(reference: string): Promise<InspectedImage | undefined>;
}

/** `ImageConfig` of a function (CreateFunction / UpdateFunctionConfiguration): what replaces the image's own. */
export interface ImageConfig {
  entryPoint?: string[];
  command?: string[];
  workingDirectory?: string;
}

/** `ImageConfig` as the API names it. */
export interface ImageConfigInput {
  EntryPoint?: unknown;
  Command?: unknown;
  WorkingDirectory?: unknown;
  [other: string]: unknown;
}

const IMAGE_CONFIG_MEMBERS = new Set(['EntryPoint', 'Command', 'WorkingDirectory']);
/** The model's limits: at most 1,500 strings in EntryPoint and Command, WorkingDirectory ≤ 1,000 characters. */
const MAX_LIST = 1500;
const MAX_WORKING_DIRECTORY = 1000;
const DOCKER_ARCHITECTURES: Record<Architecture, string> = { x86_64: 'amd64', arm64: 'arm64' };

export const missingImage = (uri: string) => invalidParameter(`Source image ${uri} does not exist. Provide a valid source image.`);

function checkList(member: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw invalidParameter(`ImageConfig.${member} must be a list of strings.`);
  }
  if (value.length > MAX_LIST) throw invalidParameter(`ImageConfig.${member} may hold at most ${MAX_LIST} strings.`);
  return [...(value as string[])];
}

/**
 * An `ImageConfig` checked: EntryPoint, Command, WorkingDirectory, each optional. It replaces the stored
 * one whole (`{}` removes it, as on AWS); undefined when it sets nothing.
 */
export function resolveImageConfig(input: ImageConfigInput): ImageConfig | undefined {
  const unknown = Object.keys(input).filter((key) => !IMAGE_CONFIG_MEMBERS.has(key));
  if (unknown.length > 0) throw invalidParameter(`ImageConfig has no member ${unknown.join(', ')}: it takes EntryPoint, Command and WorkingDirectory.`);
  const config: ImageConfig = {};
  if (input.EntryPoint !== undefined) config.entryPoint = checkList('EntryPoint', input.EntryPoint);
  if (input.Command !== undefined) config.command = checkList('Command', input.Command);
  if (input.WorkingDirectory !== undefined) {
    if (typeof input.WorkingDirectory !== 'string') throw invalidParameter('ImageConfig.WorkingDirectory must be a string.');
    if (input.WorkingDirectory.length > MAX_WORKING_DIRECTORY) {
      throw invalidParameter(`ImageConfig.WorkingDirectory may be at most ${MAX_WORKING_DIRECTORY} characters long.`);
    }
    config.workingDirectory = input.WorkingDirectory;
  }
  return Object.keys(config).length === 0 ? undefined : config;
}

/** `ImageConfigResponse` of a FunctionConfiguration, in AWS's member order. */
export function toImageConfigResponse(config: ImageConfig): Record<string, unknown> {
  return {
    ImageConfig: {
      ...(config.command === undefined ? {} : { Command: config.command }),
      ...(config.entryPoint === undefined ? {} : { EntryPoint: config.entryPoint }),
      ...(config.workingDirectory === undefined ? {} : { WorkingDirectory: config.workingDirectory }),
    },
  };
}

/** `repo:tag` → `repo` (a registry's port is not a tag), and `repo@sha256:…` → `repo`. */
export function getRepository(uri: string): string {
  const withoutDigest = uri.split('@')[0] ?? uri;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
}

/**
 * The code of an image function: the image `uri` names now, pinned by its id (as AWS pins the digest an
 * ImageUri resolves to: retagging the image later does not change the function until UpdateFunctionCode).
 * An image of another architecture than the function's is refused here, not at the first invoke.
 */
export async function resolveImageCode(uri: string, inspector: ImageInspector, architectures: readonly Architecture[]): Promise<ImageCodeRef> {
  if (uri.trim() === '' || /\s/.test(uri)) throw invalidParameter(`Source image ${uri} is not valid. Provide a valid source image.`);
  const image = await inspector.inspect(uri);
  if (image === undefined) throw missingImage(uri);
  if (!image.hasShell) {
    throw invalidParameter(
      `lambdock starts function containers through the image's /bin/sh (to collect their output and start their extensions), ` +
        `and ${uri} has none: build it on a base with a shell (AWS's base images and lambdock's runtime images have one).`,
    );
  }
  const architecture = architectures[0] ?? 'x86_64';
  if (image.architecture !== '' && image.architecture !== DOCKER_ARCHITECTURES[architecture]) {
    throw invalidParameter(
      `The image ${uri} is built for ${image.architecture}, but the function's architecture is ${architecture}: ` +
        `build the image for ${DOCKER_ARCHITECTURES[architecture]} or set Architectures to match it.`,
    );
  }
  const hex = image.id.replace(/^sha256:/, '');
  return {
    sha256Hex: hex,
    codeSha256: hex,
    size: 0,
    image: {
      uri,
      resolvedUri: `${getRepository(uri)}@sha256:${hex}`,
      id: image.id,
      entrypoint: [...image.entrypoint],
      cmd: [...image.cmd],
      workingDir: image.workingDir,
    },
  };
}

/** What a container of an image function runs, and where: the ImageConfig over the image's own settings. */
export function getImageCommand(code: ImageCodeRef, config: ImageConfig | undefined): { command: string[]; workingDir?: string } {
  const entrypoint = config?.entryPoint ?? code.image.entrypoint;
  // As Docker does: an entrypoint set in place of the image's drops the image's CMD too.
  const cmd = config?.command ?? (config?.entryPoint === undefined ? code.image.cmd : []);
  const workingDir = config?.workingDirectory ?? code.image.workingDir;
  return { command: [...entrypoint, ...cmd], ...(workingDir === '' ? {} : { workingDir }) };
}
