import { expect } from 'vitest';
import { LambdaError } from '../../src/shared/errors.js';

/** Calls `fn`, expecting it to throw a LambdaError, and returns it. */
export function lambdaErrorOf(fn: () => unknown): LambdaError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(LambdaError);
    return error as LambdaError;
  }
  throw new Error('expected a LambdaError, nothing was thrown');
}
