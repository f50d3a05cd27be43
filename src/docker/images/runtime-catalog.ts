/**
 * Which Docker image runs which Lambda runtime. Pure data: one image per runtime family, built from
 * `runtimes/<contextDir>/` (its Dockerfile names the base image).
 */
export interface RuntimeImageSpec {
  /** Family name, also the folder under `runtimes/`. */
  readonly family: string;
  readonly tag: string;
  readonly contextDir: string;
  /** Lambda `Runtime` values this image serves. */
  readonly runtimes: readonly string[];
}

export const RUNTIME_IMAGE_REPOSITORY = 'lambdock-runtime';

export const RUNTIME_IMAGES = [
  {
    family: 'nodejs20.x',
    tag: `${RUNTIME_IMAGE_REPOSITORY}:nodejs20.x`,
    contextDir: 'nodejs20.x',
    runtimes: ['nodejs20.x'],
  },
  {
    family: 'provided',
    tag: `${RUNTIME_IMAGE_REPOSITORY}:provided`,
    contextDir: 'provided',
    runtimes: ['provided.al2023', 'provided.al2'],
  },
  {
    family: 'python3.11',
    tag: `${RUNTIME_IMAGE_REPOSITORY}:python3.11`,
    contextDir: 'python3.11',
    runtimes: ['python3.11'],
  },
] as const satisfies readonly RuntimeImageSpec[];

export type SupportedRuntime = (typeof RUNTIME_IMAGES)[number]['runtimes'][number];

export const SUPPORTED_RUNTIMES: readonly SupportedRuntime[] = RUNTIME_IMAGES.flatMap((image) => image.runtimes);

export function isSupportedRuntime(runtime: string): runtime is SupportedRuntime {
  return (SUPPORTED_RUNTIMES as readonly string[]).includes(runtime);
}

export function getRuntimeImage(runtime: string): RuntimeImageSpec | undefined {
  return RUNTIME_IMAGES.find((image) => (image.runtimes as readonly string[]).includes(runtime));
}

/** The image tag for a Lambda `Runtime` value, or undefined when lambdock does not support it. */
export function getRuntimeImageTag(runtime: string): string | undefined {
  return getRuntimeImage(runtime)?.tag;
}
