import type { QueueService } from '../../../queues/queue-service.js';
import type { QueueContext } from '../../../queues/queue-requests.js';
import { QueueError } from '../../../queues/queue-error.js';

/** One SQS action: its input (AWS's member names, either protocol) to its output, through the service. */
type Operation = (queues: QueueService, input: never, context: QueueContext) => Promise<object>;

/** The actions lambdock serves. */
export const SQS_OPERATIONS = {
  CreateQueue: (q, input: Parameters<QueueService['createQueue']>[0], c) => q.createQueue(input, c),
  GetQueueUrl: (q, input: Parameters<QueueService['getQueueUrl']>[0], c) => q.getQueueUrl(input, c),
  ListQueues: (q, input: Parameters<QueueService['listQueues']>[0], c) => q.listQueues(input, c),
  DeleteQueue: (q, input: Parameters<QueueService['deleteQueue']>[0]) => q.deleteQueue(input),
  PurgeQueue: (q, input: Parameters<QueueService['purgeQueue']>[0]) => q.purgeQueue(input),
  GetQueueAttributes: (q, input: Parameters<QueueService['getQueueAttributes']>[0]) => q.getQueueAttributes(input),
  SetQueueAttributes: (q, input: Parameters<QueueService['setQueueAttributes']>[0]) => q.setQueueAttributes(input),
  SendMessage: (q, input: Parameters<QueueService['messages']['sendMessage']>[0], c) => q.messages.sendMessage(input, c),
  SendMessageBatch: (q, input: Parameters<QueueService['messages']['sendMessageBatch']>[0], c) => q.messages.sendMessageBatch(input, c),
  ReceiveMessage: (q, input: Parameters<QueueService['messages']['receiveMessage']>[0], c) => q.messages.receiveMessage(input, c),
  DeleteMessage: (q, input: Parameters<QueueService['messages']['deleteMessage']>[0]) => q.messages.deleteMessage(input),
  DeleteMessageBatch: (q, input: Parameters<QueueService['messages']['deleteMessageBatch']>[0]) => q.messages.deleteMessageBatch(input),
  ChangeMessageVisibility: (q, input: Parameters<QueueService['messages']['changeMessageVisibility']>[0]) => q.messages.changeMessageVisibility(input),
  ChangeMessageVisibilityBatch: (q, input: Parameters<QueueService['messages']['changeMessageVisibilityBatch']>[0]) =>
    q.messages.changeMessageVisibilityBatch(input),
} satisfies Record<string, Operation>;

export type SqsAction = keyof typeof SQS_OPERATIONS;

/** SQS actions lambdock does not serve yet (the rest of AWS's 2012-11-05 model). */
const UNSUPPORTED = new Set([
  'AddPermission',
  'RemovePermission',
  'TagQueue',
  'UntagQueue',
  'ListQueueTags',
  'ListDeadLetterSourceQueues',
  'StartMessageMoveTask',
  'CancelMessageMoveTask',
  'ListMessageMoveTasks',
]);

/** The action, or the AWS error for one lambdock does not serve (known to SQS) or SQS does not have. */
export function getOperation(action: string | undefined): SqsAction {
  if (action !== undefined && Object.hasOwn(SQS_OPERATIONS, action)) return action as SqsAction;
  if (action !== undefined && UNSUPPORTED.has(action)) {
    throw new QueueError('UnsupportedOperation', `lambdock does not support the SQS action ${action} yet.`);
  }
  throw new QueueError('InvalidAction', `The action ${action ?? '(none)'} is not valid for this endpoint.`);
}

export function runOperation(queues: QueueService, action: SqsAction, input: object, context: QueueContext): Promise<object> {
  return (SQS_OPERATIONS[action] as (q: QueueService, i: object, c: QueueContext) => Promise<object>)(queues, input, context);
}
