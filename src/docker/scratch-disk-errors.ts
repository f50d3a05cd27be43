import { LambdaError } from '../shared/errors.js';

/**
 * The invocation's environment could not get a /tmp disk. AWS has no exception for a host out of block
 * devices; the nearest is its generic 500 `ServiceException` (retryable): the fault is the service's, not the
 * caller's, and it goes away when other environments end. The message says which limit was hit.
 */
export class ScratchDiskUnavailableError extends LambdaError {
  constructor(
    readonly reason: 'LoopDeviceLimitReached' | 'NoFreeLoopDevice',
    message: string,
    cause?: unknown,
  ) {
    super('ServiceException', message, { retryable: true, ...(cause === undefined ? {} : { cause }) });
  }
}

export const loopDeviceLimitReached = (max: number): ScratchDiskUnavailableError =>
  new ScratchDiskUnavailableError(
    'LoopDeviceLimitReached',
    `Lambda could not create the execution environment's /tmp: lambdock already holds its limit of ${max} loop devices ` +
      '(LAMBDOCK_MAX_LOOP_DEVICES). Try again when other execution environments have ended.',
  );

export const noFreeLoopDevice = (cause: unknown): ScratchDiskUnavailableError =>
  new ScratchDiskUnavailableError(
    'NoFreeLoopDevice',
    "Lambda could not create the execution environment's /tmp: the host has no free loop device. " +
      'Try again when other execution environments have ended.',
    cause,
  );

/** losetup's words for "every loop device is taken and no new one can be made". */
export const NO_FREE_LOOP_DEVICE = /cannot find an unused loop device|could not find any free loop device|no free loop device/i;
