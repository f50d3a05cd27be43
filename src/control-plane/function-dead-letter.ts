import { invalidParameter, validationError } from '../shared/errors.js';
import { describeViolation, formatViolations } from '../shared/violations.js';
import type { Scope } from './function-ref.js';
import { checkOwnQueue } from './queue-arn.js';

/**
 * `DeadLetterConfig.TargetArn` of CreateFunction and UpdateFunctionConfiguration: where an asynchronous
 * invocation goes once it has failed every attempt (or expired). Part of a version's configuration: a
 * published version keeps the target it was published with. lambdock delivers to its own SQS queues;
 * an SNS topic is refused rather than accepted and never written to.
 */

/** ResourceArn, as AWS prints it in its constraint message. */
export const RESOURCE_ARN_PATTERN = '(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()';
const RESOURCE_ARN = new RegExp(`^(?:${RESOURCE_ARN_PATTERN})$`, 's');
const RESOURCE_ARN_MAX_LENGTH = 10000;

export interface DeadLetterInput {
  TargetArn?: string;
}

function constraint(value: string, rule: string): never {
  throw validationError(formatViolations([describeViolation('deadLetterConfig.targetArn', value, rule)]));
}

/**
 * The target after a create (`current` undefined) or an update. As on AWS, `DeadLetterConfig: {}` changes
 * nothing (the recorded UpdateFunctionConfiguration answer still shows the target) and `TargetArn: ""`
 * removes it.
 */
export function resolveDeadLetterTarget(input: DeadLetterInput | undefined, current: string | undefined, scope: Scope): string | undefined {
  const target = input?.TargetArn;
  if (target === undefined) return current;
  if (target.length > RESOURCE_ARN_MAX_LENGTH) constraint(target, `Member must have length less than or equal to ${RESOURCE_ARN_MAX_LENGTH}`);
  if (!RESOURCE_ARN.test(target)) constraint(target, `Member must satisfy regular expression pattern: ${RESOURCE_ARN_PATTERN}`);
  if (target === '') return undefined;
  checkDeliverable(target, scope);
  return target;
}

function checkDeliverable(target: string, scope: Scope): void {
  const service = target.split(':')[2];
  if (service === 'sns') {
    throw invalidParameter(
      'lambdock cannot send failed asynchronous invocations to an SNS topic yet: use an SQS queue ARN as DeadLetterConfig.TargetArn.',
    );
  }
  if (service !== 'sqs') throw invalidParameter(`DeadLetterConfig.TargetArn must be an SQS queue ARN, got ${target}.`);
  checkOwnQueue(target, scope, 'failed asynchronous invocations');
}
