import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { sqsClient, sqsError } from '../helpers/sqs-client.js';

let t: TestLambdock;
let sqs: SQSClient;

beforeAll(async () => {
  t = await startTestLambdock();
  sqs = sqsClient(t);
});
afterAll(async () => {
  sqs?.destroy();
  await t?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const createQueue = async (name: string, attributes?: Record<string, string>) =>
  (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl as string;
const receive = (QueueUrl: string, extra: Partial<ConstructorParameters<typeof ReceiveMessageCommand>[0]> = {}) =>
  sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'], ...extra }));

describe('SQS messages', () => {
  it('sends, receives and deletes a message, with its system attributes', async () => {
    const QueueUrl = await createQueue('basic');
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'test' }));
    expect(sent.MD5OfMessageBody).toBe('098f6bcd4621d373cade4e832627b4f6');
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    const { Messages } = await receive(QueueUrl);
    expect(Messages).toHaveLength(1);
    const [message] = Messages ?? [];
    expect(message).toMatchObject({ MessageId: sent.MessageId, Body: 'test', MD5OfBody: sent.MD5OfMessageBody });
    expect(message?.Attributes).toEqual({
      SenderId: 'test',
      SentTimestamp: expect.stringMatching(/^\d{13}$/),
      ApproximateReceiveCount: '1',
      ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
    });
    // In flight: not received again.
    expect((await receive(QueueUrl)).Messages).toBeUndefined();
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message?.ReceiptHandle }));
    const counts = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    expect(counts.Attributes).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });

    const invalid = await sqsError(sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: 'garbage' })));
    expect(invalid.name).toBe('ReceiptHandleIsInvalid');
    expect(invalid.message).toBe('The input receipt handle "garbage" is not a valid receipt handle.');
    const empty = await sqsError(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '' })));
    expect(empty.Code).toBe('MissingParameter');
    expect(empty.message).toBe('The request must contain the parameter MessageBody.');
    const tooMany = await sqsError(receive(QueueUrl, { MaxNumberOfMessages: 11 }));
    expect(tooMany.Code).toBe('InvalidParameterValue');
    expect(tooMany.message).toBe('Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.');
    const waitTooLong = await sqsError(receive(QueueUrl, { WaitTimeSeconds: 21 }));
    expect(waitTooLong.message).toBe('Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.');
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  });

  it('round-trips message attributes (the SDK checks the MD5s) and filters them by name', async () => {
    const QueueUrl = await createQueue('attributes');
    const MessageAttributes = {
      General: { DataType: 'String', StringValue: 'Kenobi' },
      Hello: { DataType: 'String', StringValue: 'There' },
      'Help.Me': { DataType: 'String', StringValue: 'Me' },
      Count: { DataType: 'Number', StringValue: '42' },
      Blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 255]) },
    };
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'msg', MessageAttributes }));
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    const all = (await receive(QueueUrl, { VisibilityTimeout: 0 })).Messages?.[0];
    expect(all?.MessageAttributes).toEqual(MessageAttributes);
    expect(all?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    const some = (await receive(QueueUrl, { VisibilityTimeout: 0, MessageAttributeNames: ['Hel.*'] })).Messages?.[0];
    expect(Object.keys(some?.MessageAttributes ?? {})).toEqual(['Hello', 'Help.Me']);
    expect(some?.MD5OfMessageAttributes).toBe('83fee93c1bcd8b9a5a923ffacdc636c7');
    const none = (await receive(QueueUrl, { MessageAttributeNames: [] })).Messages?.[0];
    expect(none?.MessageAttributes).toBeUndefined();
    const bad = await sqsError(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageAttributes: { ErrorDetails: { DataType: 'String', StringValue: '' } } })));
    expect(bad.message).toBe("Message (user) attribute 'ErrorDetails' must contain a non-empty value of type 'String'.");
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  });

  it('makes an undeleted message visible again after its visibility timeout, with a new receipt and count 2', async () => {
    const QueueUrl = await createQueue('visibility');
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'again' }));
    const first = (await receive(QueueUrl, { VisibilityTimeout: 1 })).Messages?.[0];
    expect(first?.Attributes?.ApproximateReceiveCount).toBe('1');
    const second = (await receive(QueueUrl, { WaitTimeSeconds: 5 })).Messages?.[0];
    expect(second?.MessageId).toBe(first?.MessageId);
    expect(second?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(second?.Attributes?.ApproximateFirstReceiveTimestamp).toBe(first?.Attributes?.ApproximateFirstReceiveTimestamp);
    expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
    // Only the latest receipt deletes (an older one is a no-op, as in AWS).
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first?.ReceiptHandle }));
    const counts = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }));
    expect(counts.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('1');
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: second?.ReceiptHandle }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  });

  it('changes a message visibility: 0 makes it receivable at once, and an unknown receipt is refused', async () => {
    const QueueUrl = await createQueue('change-visibility');
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'm' }));
    const first = (await receive(QueueUrl, { VisibilityTimeout: 600 })).Messages?.[0];
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: first?.ReceiptHandle, VisibilityTimeout: 0 }));
    const second = (await receive(QueueUrl)).Messages?.[0];
    expect(second?.MessageId).toBe(first?.MessageId);
    const stale = await sqsError(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: first?.ReceiptHandle, VisibilityTimeout: 10 })));
    expect(stale.Code).toBe('InvalidParameterValue');
    expect(stale.message).toBe(
      `Value ${first?.ReceiptHandle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
    );
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  });

  it('delays a message by DelaySeconds (counted as delayed meanwhile)', async () => {
    const QueueUrl = await createQueue('delay');
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'later', DelaySeconds: 1 }));
    expect((await receive(QueueUrl)).Messages).toBeUndefined();
    const counts = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    expect(counts.Attributes?.ApproximateNumberOfMessagesDelayed).toBe('1');
    expect(counts.Attributes?.ApproximateNumberOfMessages).toBe('0');
    const started = Date.now();
    const late = (await receive(QueueUrl, { WaitTimeSeconds: 5 })).Messages?.[0];
    expect(late?.Body).toBe('later');
    expect(Date.now() - started).toBeLessThan(4_000);
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  });

  it('long-polls: returns soon after a send, and empty after WaitTimeSeconds', async () => {
    const QueueUrl = await createQueue('long-poll');
    const started = Date.now();
    const polling = receive(QueueUrl, { WaitTimeSeconds: 5 });
    await sleep(500);
    const sentAt = Date.now();
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'wake' }));
    const { Messages } = await polling;
    expect(Messages?.[0]?.Body).toBe('wake');
    expect(Date.now() - sentAt).toBeLessThan(1_000);
    expect(sentAt - started).toBeGreaterThanOrEqual(400);

    const emptyStarted = Date.now();
    expect((await receive(QueueUrl, { WaitTimeSeconds: 2 })).Messages).toBeUndefined();
    const waited = Date.now() - emptyStarted;
    expect(waited).toBeGreaterThanOrEqual(1_900);
    expect(waited).toBeLessThan(4_500);
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  });

  it('sends and deletes in batches, failing only the bad entries', async () => {
    const QueueUrl = await createQueue('batch');
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'a', MessageBody: 'one', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } },
          { Id: 'b', MessageBody: 'two' },
          { Id: 'c', MessageBody: 'three', DelaySeconds: 901 },
        ],
      }),
    );
    expect(sent.Successful?.map((s) => s.Id)).toEqual(['a', 'b']);
    expect(sent.Failed).toEqual([{ Id: 'c', SenderFault: true, Code: 'InvalidParameterValue', Message: 'Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.' }]);
    const { Messages = [] } = await receive(QueueUrl, { MaxNumberOfMessages: 10 });
    expect(Messages.map((m) => m.Body).sort()).toEqual(['one', 'two']);
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl, Entries: [...Messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })), { Id: 'bad', ReceiptHandle: 'nope' }] }),
    );
    expect(deleted.Successful?.map((s) => s.Id)).toEqual(['d0', 'd1']);
    expect(deleted.Failed).toEqual([{ Id: 'bad', SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: 'The input receipt handle "nope" is not a valid receipt handle.' }]);
    const tooMany = await sqsError(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x' })) })));
    expect(tooMany.name).toBe('TooManyEntriesInBatchRequest');
    expect(tooMany.message).toBe('Maximum number of entries per request are 10. You have sent 11.');
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  });
});
