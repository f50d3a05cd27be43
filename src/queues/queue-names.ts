import { invalidParameter } from './queue-error.js';
import { FIFO_NOT_SUPPORTED } from './queue-attributes.js';

/** Where the queues are: this installation's region and account. */
export interface QueueScope {
  region: string;
  accountId: string;
}

const QUEUE_NAME = /^[a-zA-Z0-9_-]{1,80}$/;

/** Whether `name` can be a queue's name at all (a lookup of anything else finds no queue). */
export const isQueueName = (name: string): boolean => QUEUE_NAME.test(name);

/** A queue name CreateQueue accepts (FIFO names are refused: lambdock has no FIFO queues yet). */
export function checkQueueName(name: string): void {
  if (name.endsWith('.fifo')) throw invalidParameter(FIFO_NOT_SUPPORTED);
  if (!QUEUE_NAME.test(name)) throw invalidParameter('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
}

export const getQueueArn = (scope: QueueScope, name: string): string => `arn:aws:sqs:${scope.region}:${scope.accountId}:${name}`;

/** `http://<host>/<account>/<name>`, on the host the caller reached (as LocalStack's default strategy does). */
export const getQueueUrl = (scope: QueueScope, host: string, name: string): string => `http://${host}/${scope.accountId}/${name}`;

/** The queue name in one of this installation's ARNs, or undefined. */
export function getNameOfArn(scope: QueueScope, arn: string): string | undefined {
  const parts = arn.split(':');
  if (parts.length !== 6 || parts[0] !== 'arn' || parts[2] !== 'sqs') return undefined;
  if (parts[3] !== scope.region || parts[4] !== scope.accountId) return undefined;
  const name = parts[5] ?? '';
  return QUEUE_NAME.test(name) ? name : undefined;
}

/** The queue name in a queue URL (`…/<account>/<name>`, any host), or undefined when it is not one of this account's. */
export function getNameOfUrl(scope: QueueScope, url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url;
  }
  const segments = path.split('/').filter(Boolean);
  const [account, name] = segments.slice(-2);
  if (segments.length < 2 || account !== scope.accountId || name === undefined) return undefined;
  return QUEUE_NAME.test(name) ? name : undefined;
}
