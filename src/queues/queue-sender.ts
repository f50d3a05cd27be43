/** A message attribute as SQS carries it (`BinaryValue` as bytes; SQS's list values are reserved and unused). */
export type MessageAttributeValue = { DataType: string; StringValue?: string; BinaryValue?: Uint8Array };

/**
 * What the rest of lambdock uses to put messages on a queue from inside the api process (async
 * invocation records, dead-letter messages).
 */
export interface QueueSender {
  /**
   * Sends one message to the queue with this ARN (arn:aws:sqs:<region>:<account>:<name>). Throws a typed
   * error whose code is 'QueueDoesNotExist' (AWS.SimpleQueueService.NonExistentQueue) when there is no such queue.
   */
  sendByArn(queueArn: string, message: { body: string; attributes?: Record<string, MessageAttributeValue> }): Promise<{ messageId: string }>;
}
