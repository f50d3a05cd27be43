import type { MessageAttributeValue } from './queue-sender.js';

/** The operations' inputs and outputs, in AWS's member names (both wire protocols map to these). */

export interface QueueContext {
  /** The Host the caller reached (queue URLs are built on it). */
  host: string;
  /** The sender's id (the access key of the request's signature), SenderId of what it sends. */
  senderId?: string;
  /** Ends a long poll early (the client left, the server is closing). */
  signal?: AbortSignal;
}

export interface SendEntry {
  MessageBody?: string;
  DelaySeconds?: number;
  MessageAttributes?: Record<string, MessageAttributeValue>;
  MessageSystemAttributes?: Record<string, MessageAttributeValue>;
  MessageDeduplicationId?: string;
  MessageGroupId?: string;
}

export interface SendResult {
  MessageId: string;
  MD5OfMessageBody: string;
  MD5OfMessageAttributes?: string;
}

export interface BatchFailure {
  Id: string;
  SenderFault: boolean;
  Code: string;
  Message: string;
}

export interface ReceiveRequestInput {
  QueueUrl?: string;
  AttributeNames?: string[];
  MessageSystemAttributeNames?: string[];
  MessageAttributeNames?: string[];
  MaxNumberOfMessages?: number;
  VisibilityTimeout?: number;
  WaitTimeSeconds?: number;
  ReceiveRequestAttemptId?: string;
}

export interface OutputMessage {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  Attributes?: Record<string, string>;
  MD5OfMessageAttributes?: string;
  MessageAttributes?: Record<string, MessageAttributeValue>;
}
