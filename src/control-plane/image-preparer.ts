import { withDeadline } from '../shared/deadline.js';
import type { SharedAttempt } from '../shared/shared-attempt.js';
import { ActivationRefusal } from './activation-outcome.js';
import type { ImageInspector } from './code/image-code.js';
import type { FunctionRecord } from './function-model.js';
import type { Preparer } from './function-service.js';

/** Longest an activation waits for the runtime images (a first build of every image takes about a minute). */
const BUILD_WAIT_DEFAULT_MS = 600_000;

/** The build a function waits for: one for every image, or the one of its runtime's image. */
export type ImageBuild = SharedAttempt<unknown> | ((record: FunctionRecord) => SharedAttempt<unknown>);

/**
 * A Preparer that makes sure the runtime image exists before a function turns Active. One build runs at a
 * time, shared by every activation that needs it; once built, the image is not built again. A failed
 * build fails the activations waiting on it (the function turns Failed, saying why), and the next
 * activation builds again: one bad build does not fail every later create. A build that does not end
 * (an engine that stopped answering) fails them after `waitMs` rather than leaving them Pending.
 */
export function createImagePreparer(build: ImageBuild, waitMs = BUILD_WAIT_DEFAULT_MS): Preparer {
  return async (record) => {
    const attempt = typeof build === 'function' ? build(record) : build;
    try {
      await withDeadline(attempt.get(), waitMs, () => new Error(`the build did not finish within ${waitMs / 1000} s`));
    } catch (error) {
      throw new Error(`lambdock could not build its runtime images: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  };
}

/**
 * The Preparer of role `all`: a .zip function waits for its runtime image (`runtimeImages`); an image
 * function's image must still be on the engine when its change is applied (removed meanwhile, the
 * function fails with AWS's ImageDeleted).
 */
export function createFunctionPreparer(runtimeImages: Preparer, images: ImageInspector): Preparer {
  return async (record) => {
    const image = record.code.image;
    if (image === undefined) return runtimeImages(record);
    if ((await images.inspect(image.id)) === undefined) {
      throw new ActivationRefusal(`The image ${image.resolvedUri} (${image.uri}) is no longer on the engine.`, 'ImageDeleted');
    }
  };
}
