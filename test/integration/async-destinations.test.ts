import { InvokeCommand, PutFunctionConcurrencyCommand, PutFunctionEventInvokeConfigCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeZip } from '../helpers/zip.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

// Where failed and successful events go, read back from lambdock's own queues with the SQS SDK.
const HANDLER = `exports.handler = async (event) => {
  if (event.fail) throw new Error('Test exception (this is intentional)');
  return { ok: true, echo: event };
};`;
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000';

let t: TestLambdock;
let slow: TestLambdock;
let sqs: SQSClient;
let sqsSlow: SQSClient;

const sqsClient = (url: string) => new SQSClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });

async function createQueue(client: SQSClient, name: string): Promise<string> {
  return (await client.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl ?? '';
}

/** The next message of a queue (long polls until one comes, or fails after `timeoutMs`). */
async function nextMessage(client: SQSClient, queueUrl: string, timeoutMs = 30_000): Promise<Message> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const out = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 2, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }),
    );
    const [message] = out.Messages ?? [];
    if (message !== undefined) return message;
  }
  throw new Error(`no message on ${queueUrl} within ${timeoutMs} ms`);
}

const sendEvent = async (harness: TestLambdock, name: string, body: string): Promise<string> => {
  const out = await harness.client.send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: Buffer.from(body) }));
  expect(out.StatusCode).toBe(202);
  return out.$metadata.requestId ?? '';
};

beforeAll(async () => {
  t = await startTestLambdock({ LAMBDOCK_ASYNC_RETRY_DELAYS_MS: '300,600' });
  // AWS's own retry delays (1 and 2 minutes): what decides EventAgeExceeded.
  slow = await startTestLambdock();
  sqs = sqsClient(t.url);
  sqsSlow = sqsClient(slow.url);
  const zip = await nodeZip(HANDLER);
  for (const name of ['failing', 'succeeding', 'dead-lettered', 'unreserved']) await t.createFunction({ FunctionName: name, Code: { ZipFile: zip } });
  await slow.createFunction({ FunctionName: 'aging', Code: { ZipFile: zip } });
});
afterAll(async () => {
  sqs?.destroy();
  sqsSlow?.destroy();
  await t?.close();
  await slow?.close();
});

describe('asynchronous invocation records in lambdock queues', () => {
  it('sends RetriesExhausted with approximateInvokeCount 3 to the on-failure queue after the default two retries, with no message attributes', async () => {
    const queue = await createQueue(sqs, 'failures');
    await t.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'failing', DestinationConfig: { OnFailure: { Destination: `${QUEUE_ARN}:failures` } } }));
    const requestId = await sendEvent(t, 'failing', '{"fail":true}');
    const message = await nextMessage(sqs, queue);
    expect(message.MessageAttributes).toBeUndefined();
    expect(JSON.parse(message.Body ?? '')).toEqual({
      version: '1.0',
      timestamp: expect.stringMatching(/Z$/),
      requestContext: { requestId, functionArn: `${ARN}:failing:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: { fail: true },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: expect.objectContaining({ errorType: 'Error', errorMessage: 'Test exception (this is intentional)' }),
    });
  });

  it('sends the Success record to the on-success queue', async () => {
    const queue = await createQueue(sqs, 'successes');
    await t.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'succeeding', DestinationConfig: { OnSuccess: { Destination: `${QUEUE_ARN}:successes` } } }));
    const requestId = await sendEvent(t, 'succeeding', '{"n":7}');
    const record = JSON.parse((await nextMessage(sqs, queue)).Body ?? '') as Record<string, unknown>;
    expect(record).toMatchObject({
      requestContext: { requestId, functionArn: `${ARN}:succeeding:$LATEST`, condition: 'Success', approximateInvokeCount: 1 },
      requestPayload: { n: 7 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      responsePayload: { ok: true, echo: { n: 7 } },
    });
  });

  it("sends the original event, byte for byte, to the function's dead-letter queue with RequestID, ErrorCode and ErrorMessage", async () => {
    const queue = await createQueue(sqs, 'dead-letters');
    await t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'dead-lettered', DeadLetterConfig: { TargetArn: `${QUEUE_ARN}:dead-letters` } }));
    await t.waitUpdated('dead-lettered');
    await t.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'dead-lettered', MaximumRetryAttempts: 0 }));
    const body = '{"fail": true,   "spaced":  [1, 2]}';
    const requestId = await sendEvent(t, 'dead-lettered', body);
    const message = await nextMessage(sqs, queue);
    expect(message.Body).toBe(body);
    expect(message.MessageAttributes).toEqual({
      RequestID: { DataType: 'String', StringValue: requestId },
      ErrorCode: { DataType: 'Number', StringValue: '200' },
      ErrorMessage: { DataType: 'String', StringValue: 'Test exception (this is intentional)' },
    });
  });

  it('sends ZeroReservedConcurrency, untried, for a function that reserves 0', async () => {
    const queue = await createQueue(sqs, 'zero');
    await t.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'unreserved', DestinationConfig: { OnFailure: { Destination: `${QUEUE_ARN}:zero` } } }));
    await t.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'unreserved', ReservedConcurrentExecutions: 0 }));
    const requestId = await sendEvent(t, 'unreserved', '');
    expect(JSON.parse((await nextMessage(sqs, queue)).Body ?? '')).toEqual({
      version: '1.0',
      timestamp: expect.any(String),
      requestContext: { requestId, functionArn: `${ARN}:unreserved:$LATEST`, condition: 'ZeroReservedConcurrency', approximateInvokeCount: 0 },
      requestPayload: {},
    });
    expect(await t.containersOf('unreserved')).toEqual([]);
  });

  it('gives up at once as EventAgeExceeded when the next retry (1 minute on) would pass MaximumEventAgeInSeconds 60, as AWS does', async () => {
    const queue = await createQueue(sqsSlow, 'expired');
    await slow.client.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: 'aging', MaximumEventAgeInSeconds: 60, DestinationConfig: { OnFailure: { Destination: `${QUEUE_ARN}:expired` } } }),
    );
    const sentAt = Date.now();
    const requestId = await sendEvent(slow, 'aging', '{"fail":true}');
    const message = await nextMessage(sqsSlow, queue, 20_000);
    expect(Date.now() - sentAt).toBeLessThan(20_000);
    expect(JSON.parse(message.Body ?? '')).toMatchObject({
      requestContext: { requestId, condition: 'EventAgeExceeded', approximateInvokeCount: 1 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    });
    const attributes = await sqsSlow.send(new GetQueueAttributesCommand({ QueueUrl: queue, AttributeNames: ['ApproximateNumberOfMessages'] }));
    expect(attributes.Attributes?.ApproximateNumberOfMessages).toBe('0');
  });
});
