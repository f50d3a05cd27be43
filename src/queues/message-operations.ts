import { randomUUID } from 'node:crypto';
import { getNumericAttribute } from './queue-attributes.js';
import { QueueError, invalidParameter, invalidValue, missingParameter, queueDoesNotExist } from './queue-error.js';
import {
  checkBatch,
  checkBatchSize,
  checkBody,
  checkDelaySeconds,
  checkMessageAttributes,
  checkMessageSize,
  checkRange,
  decodeReceipt,
  encodeReceipt,
  filterAttributes,
  getMessageBytes,
  type Receipt,
} from './message-checks.js';
import { getAttributesMd5, getBodyMd5 } from './message-md5.js';
import type { QueueRecord, QueueStore, ReceivedMessage, StoredAttribute, StoredMessage } from './queue-store.js';
import type { QueueWakeups } from './queue-wakeups.js';
import type { MessageAttributeValue } from './queue-sender.js';
import type { BatchFailure, OutputMessage, QueueContext, ReceiveRequestInput, SendEntry, SendResult } from './queue-requests.js';

/** A long poll re-reads Redis at least this often, should a wake-up be lost (a reconnecting subscriber). */
const LONG_POLL_RECHECK_MS = 2_000;
const MAX_VISIBILITY_SECONDS = 43_200;
const SYSTEM_ATTRIBUTES = ['SenderId', 'SentTimestamp', 'ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp', 'AWSTraceHeader', 'MessageGroupId'];

const toStored = (attributes: Record<string, MessageAttributeValue>): Record<string, StoredAttribute> =>
  Object.fromEntries(
    Object.entries(attributes).map(([name, v]) => [
      name,
      { DataType: v.DataType, ...(v.BinaryValue === undefined ? { StringValue: v.StringValue ?? '' } : { BinaryValue: Buffer.from(v.BinaryValue).toString('base64') }) },
    ]),
  );

const fromStored = (attributes: Record<string, StoredAttribute>): Record<string, MessageAttributeValue> =>
  Object.fromEntries(
    Object.entries(attributes).map(([name, v]) => [
      name,
      { DataType: v.DataType, ...(v.BinaryValue === undefined ? { StringValue: v.StringValue ?? '' } : { BinaryValue: Buffer.from(v.BinaryValue, 'base64') }) },
    ]),
  );

/** A batch entry's error, as the batch's Failed list carries it (the query code, as AWS does). */
const toFailure = (id: string, error: unknown): BatchFailure => {
  if (!(error instanceof QueueError)) throw error;
  return { Id: id, SenderFault: error.fault === 'Sender', Code: error.queryCode, Message: error.message };
};

const receiptHandleIsInvalid = (handle: string): QueueError =>
  new QueueError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`);

/** SendMessage(Batch), ReceiveMessage (long polls included), DeleteMessage(Batch), ChangeMessageVisibility(Batch). */
export class MessageOperations {
  constructor(
    private readonly store: QueueStore,
    private readonly wakeups: QueueWakeups,
    private readonly fetchQueue: (url: string | undefined) => Promise<QueueRecord>,
    private readonly now: () => number,
    /** SenderId of what a caller sends when its request names no access key. */
    private readonly defaultSenderId: string,
  ) {}

  /** Checks one message and builds what is stored; `bytes` is its size for the batch limit. */
  private prepare(queue: QueueRecord, entry: SendEntry, senderId: string): { message: StoredMessage; visibleAtMs: number; bytes: number; result: SendResult } {
    const body = checkBody(entry.MessageBody);
    const attributesSize = checkMessageAttributes(entry.MessageAttributes);
    checkMessageSize(body, attributesSize, getNumericAttribute(queue.attributes, 'MaximumMessageSize'));
    const delay = entry.DelaySeconds ?? getNumericAttribute(queue.attributes, 'DelaySeconds');
    checkDelaySeconds(delay);
    if (entry.MessageDeduplicationId !== undefined) {
      throw invalidValue(entry.MessageDeduplicationId, 'MessageDeduplicationId', 'The request includes a parameter that is not valid for this queue type.');
    }
    const trace = entry.MessageSystemAttributes?.AWSTraceHeader?.StringValue;
    const system = {
      ...(trace === undefined ? {} : { AWSTraceHeader: trace }),
      ...(entry.MessageGroupId === undefined ? {} : { MessageGroupId: entry.MessageGroupId }),
    };
    const sentMs = this.now();
    const attributes = entry.MessageAttributes !== undefined && Object.keys(entry.MessageAttributes).length > 0 ? entry.MessageAttributes : undefined;
    const md5Attributes = getAttributesMd5(attributes);
    const message: StoredMessage = {
      id: randomUUID(),
      body,
      md5Body: getBodyMd5(body),
      ...(attributes === undefined ? {} : { attributes: toStored(attributes) }),
      sentMs,
      senderId,
      ...(Object.keys(system).length === 0 ? {} : { system }),
    };
    const result: SendResult = { MessageId: message.id, MD5OfMessageBody: message.md5Body, ...(md5Attributes === undefined ? {} : { MD5OfMessageAttributes: md5Attributes }) };
    return { message, visibleAtMs: sentMs + delay * 1000, bytes: getMessageBytes(body, attributesSize), result };
  }

  async sendToQueue(queue: QueueRecord, entry: SendEntry, senderId: string): Promise<SendResult> {
    const prepared = this.prepare(queue, entry, senderId);
    if (!(await this.store.sendMessages(queue.name, [prepared]))) throw queueDoesNotExist();
    return prepared.result;
  }

  async sendMessage(input: SendEntry & { QueueUrl?: string }, context: QueueContext): Promise<SendResult> {
    const queue = await this.fetchQueue(input.QueueUrl);
    return this.sendToQueue(queue, input, context.senderId ?? this.defaultSenderId);
  }

  async sendMessageBatch(
    input: { QueueUrl?: string; Entries?: Array<SendEntry & { Id?: string }> },
    context: QueueContext,
  ): Promise<{ Successful: Array<SendResult & { Id: string }>; Failed: BatchFailure[] }> {
    const queue = await this.fetchQueue(input.QueueUrl);
    checkBatch(input.Entries, 'SendMessageBatchRequestEntry');
    const entries = input.Entries as Array<SendEntry & { Id: string }>;
    checkBatchSize(entries.reduce((sum, e) => sum + Buffer.byteLength(e.MessageBody ?? '', 'utf8'), 0));
    const successful: Array<SendResult & { Id: string }> = [];
    const failed: BatchFailure[] = [];
    const prepared: Array<ReturnType<MessageOperations['prepare']>> = [];
    for (const entry of entries) {
      try {
        const one = this.prepare(queue, entry, context.senderId ?? this.defaultSenderId);
        prepared.push(one);
        successful.push({ Id: entry.Id, ...one.result });
      } catch (error) {
        failed.push(toFailure(entry.Id, error));
      }
    }
    checkBatchSize(prepared.reduce((sum, p) => sum + p.bytes, 0));
    if (prepared.length > 0 && !(await this.store.sendMessages(queue.name, prepared))) throw queueDoesNotExist();
    return { Successful: successful, Failed: failed };
  }

  async receiveMessage(input: ReceiveRequestInput, context: QueueContext): Promise<{ Messages?: OutputMessage[] }> {
    const queue = await this.fetchQueue(input.QueueUrl);
    const max = input.MaxNumberOfMessages ?? 1;
    checkRange(max, 'MaxNumberOfMessages', 1, 10, 'Must be between 1 and 10, if provided.');
    const wait = input.WaitTimeSeconds ?? getNumericAttribute(queue.attributes, 'ReceiveMessageWaitTimeSeconds');
    checkRange(wait, 'WaitTimeSeconds', 0, 20, 'Must be >= 0 and <= 20, if provided.');
    const visibility = input.VisibilityTimeout ?? getNumericAttribute(queue.attributes, 'VisibilityTimeout');
    checkRange(visibility, 'VisibilityTimeout', 0, MAX_VISIBILITY_SECONDS, `Must be >= 0 and <= ${MAX_VISIBILITY_SECONDS}, if provided.`);
    const deadline = this.now() + wait * 1000;
    const watch = this.wakeups.watch(queue.name);
    try {
      for (;;) {
        const nowMs = this.now();
        const result = await this.store.receiveMessages(queue.name, {
          nowMs,
          max,
          visibilityMs: visibility * 1000,
          retentionMs: getNumericAttribute(queue.attributes, 'MessageRetentionPeriod') * 1000,
          tokens: Array.from({ length: max }, () => randomUUID()),
        });
        if (result === undefined) throw queueDoesNotExist();
        if (result.received.length > 0) return { Messages: result.received.map((r) => this.toOutput(queue, r, input)) };
        if (nowMs >= deadline || context.signal?.aborted === true) return {};
        const next = result.nextVisibleAtMs !== undefined && result.nextVisibleAtMs > nowMs ? result.nextVisibleAtMs : Number.POSITIVE_INFINITY;
        await watch.wait(Math.min(deadline, next, nowMs + LONG_POLL_RECHECK_MS), context.signal);
      }
    } finally {
      watch.close();
    }
  }

  private toOutput(queue: QueueRecord, received: ReceivedMessage, input: ReceiveRequestInput): OutputMessage {
    const { message } = received;
    const system: Record<string, string> = {
      SenderId: message.senderId,
      SentTimestamp: String(message.sentMs),
      ApproximateReceiveCount: String(received.receiveCount),
      ApproximateFirstReceiveTimestamp: String(received.firstReceiveMs),
      ...message.system,
    };
    const asked = [...(input.AttributeNames ?? []), ...(input.MessageSystemAttributeNames ?? [])];
    const names = asked.includes('All') ? SYSTEM_ATTRIBUTES : asked;
    const attributes = Object.fromEntries(names.filter((n) => system[n] !== undefined).map((n) => [n, system[n] as string]));
    const stored = filterAttributes(message.attributes, input.MessageAttributeNames);
    const messageAttributes = stored === undefined ? undefined : fromStored(stored);
    const md5 = getAttributesMd5(messageAttributes);
    const receipt = encodeReceipt({ queueName: queue.name, generation: queue.generation, messageId: message.id, token: received.token });
    return {
      MessageId: message.id,
      ReceiptHandle: receipt,
      MD5OfBody: message.md5Body,
      Body: message.body,
      ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
      ...(md5 === undefined ? {} : { MD5OfMessageAttributes: md5, MessageAttributes: messageAttributes }),
    };
  }

  private decode(queue: QueueRecord, handle: string | undefined): Receipt {
    if (handle === undefined || handle === '') throw missingParameter('ReceiptHandle');
    const receipt = decodeReceipt(handle, queue.name);
    if (receipt === undefined) throw receiptHandleIsInvalid(handle);
    return receipt;
  }

  /** Deletes by receipts; each entry's outcome (an invalid handle is that entry's error). */
  private async remove(queue: QueueRecord, handles: Array<string | undefined>): Promise<Array<QueueError | undefined>> {
    const outcomes: Array<QueueError | undefined> = [];
    const receipts: Array<{ index: number; receipt: Receipt }> = [];
    handles.forEach((handle, index) => {
      try {
        receipts.push({ index, receipt: this.decode(queue, handle) });
        outcomes.push(undefined);
      } catch (error) {
        outcomes.push(error as QueueError);
      }
    });
    // Receipts of a former queue of this name are a no-op, as stale receipts are.
    for (const generation of new Set(receipts.map((r) => r.receipt.generation))) {
      const mine = receipts.filter((r) => r.receipt.generation === generation);
      const done = await this.store.removeMessages(queue.name, generation, mine.map((r) => ({ id: r.receipt.messageId, token: r.receipt.token })));
      if (done === undefined) throw queueDoesNotExist();
    }
    return outcomes;
  }

  async deleteMessage(input: { QueueUrl?: string; ReceiptHandle?: string }): Promise<Record<string, never>> {
    const queue = await this.fetchQueue(input.QueueUrl);
    const [outcome] = await this.remove(queue, [input.ReceiptHandle]);
    if (outcome !== undefined) throw outcome;
    return {};
  }

  async deleteMessageBatch(input: { QueueUrl?: string; Entries?: Array<{ Id?: string; ReceiptHandle?: string }> }): Promise<{ Successful: Array<{ Id: string }>; Failed: BatchFailure[] }> {
    const queue = await this.fetchQueue(input.QueueUrl);
    checkBatch(input.Entries, 'DeleteMessageBatchRequestEntry');
    const entries = input.Entries as Array<{ Id: string; ReceiptHandle?: string }>;
    const outcomes = await this.remove(queue, entries.map((e) => e.ReceiptHandle));
    return {
      Successful: entries.filter((_, i) => outcomes[i] === undefined).map((e) => ({ Id: e.Id })),
      Failed: entries.flatMap((e, i) => (outcomes[i] === undefined ? [] : [toFailure(e.Id, outcomes[i])])),
    };
  }

  /** Changes visibility by receipts; each entry's outcome. */
  private async changeVisibility(queue: QueueRecord, entries: Array<{ ReceiptHandle?: string; VisibilityTimeout?: number }>): Promise<Array<QueueError | undefined>> {
    const nowMs = this.now();
    const outcomes: Array<QueueError | undefined> = [];
    for (const entry of entries) {
      try {
        const receipt = this.decode(queue, entry.ReceiptHandle);
        const timeout = entry.VisibilityTimeout;
        if (timeout === undefined) throw missingParameter('VisibilityTimeout');
        checkRange(timeout, 'VisibilityTimeout', 0, MAX_VISIBILITY_SECONDS, `Must be >= 0 and <= ${MAX_VISIBILITY_SECONDS}, if provided.`);
        const [changed] =
          (await this.store.changeVisibility(queue.name, receipt.generation, nowMs, [{ id: receipt.messageId, token: receipt.token, visibleAtMs: nowMs + timeout * 1000 }])) ??
          [];
        if (changed === undefined) throw queueDoesNotExist();
        if (!changed) {
          throw invalidParameter(
            `Value ${entry.ReceiptHandle ?? ''} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
          );
        }
        outcomes.push(undefined);
      } catch (error) {
        if (!(error instanceof QueueError) || error.code === 'QueueDoesNotExist') throw error;
        outcomes.push(error);
      }
    }
    return outcomes;
  }

  async changeMessageVisibility(input: { QueueUrl?: string; ReceiptHandle?: string; VisibilityTimeout?: number }): Promise<Record<string, never>> {
    const queue = await this.fetchQueue(input.QueueUrl);
    const [outcome] = await this.changeVisibility(queue, [input]);
    if (outcome !== undefined) throw outcome;
    return {};
  }

  async changeMessageVisibilityBatch(input: {
    QueueUrl?: string;
    Entries?: Array<{ Id?: string; ReceiptHandle?: string; VisibilityTimeout?: number }>;
  }): Promise<{ Successful: Array<{ Id: string }>; Failed: BatchFailure[] }> {
    const queue = await this.fetchQueue(input.QueueUrl);
    checkBatch(input.Entries, 'ChangeMessageVisibilityBatchRequestEntry');
    const entries = input.Entries as Array<{ Id: string; ReceiptHandle?: string; VisibilityTimeout?: number }>;
    const outcomes = await this.changeVisibility(queue, entries);
    return {
      Successful: entries.filter((_, i) => outcomes[i] === undefined).map((e) => ({ Id: e.Id })),
      Failed: entries.flatMap((e, i) => (outcomes[i] === undefined ? [] : [toFailure(e.Id, outcomes[i])])),
    };
  }
}
