import { SharedAttempt } from '../shared/shared-attempt.js';
import type { Preparer } from './function-service.js';

/**
 * A Preparer that makes sure the runtime images exist before a function turns Active. One build runs at a
 * time, shared by every activation that needs it; once built, the images are not built again. A failed
 * build fails the activations waiting on it (the function turns Failed, saying why), and the next
 * activation builds again: one bad build does not fail every later create.
 */
export function createImagePreparer(build: SharedAttempt<unknown>): Preparer {
  return async () => {
    try {
      await build.get();
    } catch (error) {
      throw new Error(`lambdock could not build its runtime images: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  };
}
