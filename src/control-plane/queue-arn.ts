import { invalidParameter } from '../shared/errors.js';
import type { Scope } from './function-ref.js';

/** `arn:<partition>:sqs:<region>:<account>:<queue>` (a FIFO queue's name ends in `.fifo`). */
const SQS_ARN = /^arn:aws[a-zA-Z-]*:sqs:([a-z0-9-]+):(\d{12}):([a-zA-Z0-9_-]{1,80})(\.fifo)?$/;

/**
 * Refuses a queue ARN lambdock's own queue cannot deliver `what` to: not a queue ARN, a FIFO queue, or a
 * queue of another region or account. Accepting one would drop what is sent there.
 */
export function checkOwnQueue(arn: string, scope: Scope, what: string): void {
  const match = SQS_ARN.exec(arn);
  if (match === null) throw invalidParameter(`${arn} is not an SQS queue ARN (arn:aws:sqs:<region>:<account>:<queue>).`);
  if (match[4] !== undefined) throw invalidParameter(`lambdock sends ${what} to standard queues only, not to the FIFO queue ${arn}.`);
  if (match[1] !== scope.region || match[2] !== scope.accountId) {
    throw invalidParameter(
      `lambdock can only send ${what} to its own queues (region ${scope.region}, account ${scope.accountId}): ${arn} is not one of them.`,
    );
  }
}
