import type Dockerode from 'dockerode';
import { SharedAttempt } from '../../shared/shared-attempt.js';
import { ensureRuntimeImage, type EnsureRuntimeImagesOptions, type EnsuredRuntimeImage } from './image-builder.js';
import { getRuntimeImage, RUNTIME_IMAGES, type RuntimeImageSpec } from './runtime-catalog.js';

export interface RuntimeImageBuildsOptions extends Omit<EnsureRuntimeImagesOptions, 'images'> {
  /** false: build nothing (images are made elsewhere, e.g. by `npm run images`); every attempt succeeds. */
  enabled: boolean;
  /** Told after each image is built or found current. */
  onReady?: (spec: RuntimeImageSpec) => void;
}

/**
 * One build attempt per runtime image (a SharedAttempt: shared while it runs, kept once it succeeds,
 * forgotten when it fails so that the next caller tries again). A function waits only for its own
 * runtime's image, so an image this host cannot build (python3.11 without Debian's Python) fails the
 * functions of that runtime only. Builds run one at a time: hosts have few cores.
 */
export class RuntimeImageBuilds {
  private readonly attempts = new Map<string, SharedAttempt<EnsuredRuntimeImage | undefined>>();
  private readonly none = new SharedAttempt<EnsuredRuntimeImage | undefined>(async () => undefined);
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly build: (spec: RuntimeImageSpec) => Promise<EnsuredRuntimeImage | undefined>,
    private readonly onReady: (spec: RuntimeImageSpec) => void = () => undefined,
    private readonly images: readonly RuntimeImageSpec[] = RUNTIME_IMAGES,
  ) {
    for (const spec of images) {
      this.attempts.set(
        spec.family,
        new SharedAttempt(async () => {
          const built = await this.oneAtATime(() => this.build(spec));
          this.onReady(spec);
          return built;
        }),
      );
    }
  }

  static forDocker(docker: Dockerode, options: RuntimeImageBuildsOptions): RuntimeImageBuilds {
    const { enabled, onReady, ...buildOptions } = options;
    return new RuntimeImageBuilds(
      async (spec) => (enabled ? ensureRuntimeImage(docker, spec, buildOptions) : undefined),
      onReady,
    );
  }

  /** The attempt that makes the image of `runtime`; one that always succeeds for a runtime with no image. */
  forRuntime(runtime: string): SharedAttempt<EnsuredRuntimeImage | undefined> {
    const family = getRuntimeImage(runtime)?.family;
    return (family === undefined ? undefined : this.attempts.get(family)) ?? this.none;
  }

  /** Starts every image's build (in catalog order); resolves with each one's outcome. */
  startAll(): Promise<Array<PromiseSettledResult<EnsuredRuntimeImage | undefined>>> {
    return Promise.allSettled(this.images.map((spec) => this.attempts.get(spec.family)?.get() ?? Promise.resolve(undefined)));
  }

  /** The last attempts, settled, without starting any (for shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.attempts.values()].map((attempt) => attempt.settled()));
  }

  private oneAtATime<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
