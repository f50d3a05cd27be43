/**
 * Which Docker image runs which Lambda runtime. Pure data: one image per runtime family, built from
 * `runtimes/<contextDir>/` (its Dockerfile names the base image; several families may share a context
 * and differ by build arguments, as the Node.js versions do).
 */
export interface RuntimeImageSpec {
  /** Family name, also the folder under `runtimes/`. */
  readonly family: string;
  readonly tag: string;
  readonly contextDir: string;
  /** Lambda `Runtime` values this image serves. */
  readonly runtimes: readonly string[];
  /** Build arguments (`ARG`s, substituted in `FROM` too): one context can build several images. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** npm package sets installed on the host and added to the build context (see npm-bundle.ts). */
  readonly npmBundles?: readonly NpmBundleSpec[];
}

export interface NpmBundleSpec {
  /** Folder under runtimes/ holding a package.json and its package-lock.json. */
  readonly dir: string;
  /** Where that install's node_modules/ appears in the build context (`<contextPath>/node_modules/`). */
  readonly contextPath: string;
}

/** The AWS SDK for JavaScript v3 clients every Node.js image carries in /var/runtime/node_modules. */
export const NODEJS_SDK_BUNDLE: NpmBundleSpec = { dir: 'nodejs-sdk', contextPath: 'sdk' };

export const RUNTIME_IMAGE_REPOSITORY = 'lambdock-runtime';

export const RUNTIME_IMAGES = [
  {
    family: 'nodejs20.x',
    tag: `${RUNTIME_IMAGE_REPOSITORY}:nodejs20.x`,
    contextDir: 'nodejs',
    runtimes: ['nodejs20.x'],
    buildArgs: { NODE_MAJOR: '20' },
    npmBundles: [NODEJS_SDK_BUNDLE],
  },
  {
    family: 'nodejs22.x',
    tag: `${RUNTIME_IMAGE_REPOSITORY}:nodejs22.x`,
    contextDir: 'nodejs',
    runtimes: ['nodejs22.x'],
    buildArgs: { NODE_MAJOR: '22' },
    npmBundles: [NODEJS_SDK_BUNDLE],
  },
  {
    family: 'nodejs24.x',
    tag: `${RUNTIME_IMAGE_REPOSITORY}:nodejs24.x`,
    contextDir: 'nodejs',
    runtimes: ['nodejs24.x'],
    buildArgs: { NODE_MAJOR: '24' },
    npmBundles: [NODEJS_SDK_BUNDLE],
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
