import { LambdaServiceException } from '@aws-sdk/client-lambda';
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

/** Awaits a call of the AWS SDK that must fail with an AWS error, and returns that error. */
export async function awsError(promise: Promise<unknown>): Promise<LambdaServiceException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LambdaServiceException);
  return error as LambdaServiceException;
}
