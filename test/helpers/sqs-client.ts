import { SQSClient, SQSServiceException } from '@aws-sdk/client-sqs';
import { expect } from 'vitest';
import type { TestLambdock } from './test-lambdock.js';

/** An SQS client on a test lambdock's endpoint (the same one as the Lambda API). */
export function sqsClient(t: TestLambdock): SQSClient {
  return new SQSClient({
    endpoint: t.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}

/** Awaits an SQS call that must fail with an AWS error, and returns that error. */
export async function sqsError(promise: Promise<unknown>): Promise<SQSServiceException & { Code?: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SQSServiceException);
  return error as SQSServiceException & { Code?: string };
}
