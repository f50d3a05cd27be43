import { describe, expect, it } from 'vitest';
import { lambdaErrorOf } from '../../test/helpers/lambda-error-of.js';
import { resolveDeadLetterTarget } from './function-dead-letter.js';

const scope = { region: 'us-east-1', accountId: '000000000000' };
const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:dlq';

describe('resolveDeadLetterTarget', () => {
  it('stores an SQS queue of this region and account', () => {
    expect(resolveDeadLetterTarget({ TargetArn: QUEUE }, undefined, scope)).toBe(QUEUE);
  });

  it('keeps the current target when DeadLetterConfig or its TargetArn is absent, as AWS does', () => {
    expect(resolveDeadLetterTarget(undefined, QUEUE, scope)).toBe(QUEUE);
    expect(resolveDeadLetterTarget({}, QUEUE, scope)).toBe(QUEUE);
    expect(resolveDeadLetterTarget({}, undefined, scope)).toBeUndefined();
  });

  it('removes the target when TargetArn is ""', () => {
    expect(resolveDeadLetterTarget({ TargetArn: '' }, QUEUE, scope)).toBeUndefined();
  });

  it("answers a malformed ARN with AWS's ResourceArn constraint", () => {
    const error = lambdaErrorOf(() => resolveDeadLetterTarget({ TargetArn: 'not-an-arn' }, undefined, scope));
    expect(error.code).toBe('ValidationException');
    expect(error.message).toBe(
      "1 validation error detected: Value 'not-an-arn' at 'deadLetterConfig.targetArn' failed to satisfy constraint: " +
        'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()',
    );
  });

  it('refuses an SNS topic: lambdock cannot publish to one yet', () => {
    const error = lambdaErrorOf(() => resolveDeadLetterTarget({ TargetArn: 'arn:aws:sns:us-east-1:000000000000:topic' }, undefined, scope));
    expect(error.code).toBe('InvalidParameterValueException');
    expect(error.message).toMatch(/cannot send failed asynchronous invocations to an SNS topic yet/);
  });

  it('refuses what its own queue could not receive: another service, a FIFO queue, another region or account', () => {
    for (const arn of [
      'arn:aws:s3:::bucket',
      'arn:aws:sqs:us-east-1:000000000000:dlq.fifo',
      'arn:aws:sqs:eu-west-1:000000000000:dlq',
      'arn:aws:sqs:us-east-1:111111111111:dlq',
      'arn:aws:sqs:us-east-1:000000000000:',
    ]) {
      expect(lambdaErrorOf(() => resolveDeadLetterTarget({ TargetArn: arn }, undefined, scope)).code).toBe('InvalidParameterValueException');
    }
  });
});
