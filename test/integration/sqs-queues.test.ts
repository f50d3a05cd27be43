import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  TagQueueCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { sqsClient, sqsError } from '../helpers/sqs-client.js';

let t: TestLambdock;
let sqs: SQSClient;
let host: string;

beforeAll(async () => {
  t = await startTestLambdock();
  sqs = sqsClient(t);
  host = new URL(t.url).host;
});
afterAll(async () => {
  sqs?.destroy();
  await t?.close();
});

describe('SQS queues (CreateQueue, GetQueueUrl, ListQueues, attributes, DeleteQueue)', () => {
  it('creates a queue idempotently, finds, lists and deletes it', async () => {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: 'life', Attributes: { VisibilityTimeout: '20' } }));
    expect(created.QueueUrl).toBe(`http://${host}/000000000000/life`);
    const again = await sqs.send(new CreateQueueCommand({ QueueName: 'life', Attributes: { VisibilityTimeout: '20' } }));
    expect(again.QueueUrl).toBe(created.QueueUrl);
    // No attributes: the queue that exists, whatever it has.
    expect((await sqs.send(new CreateQueueCommand({ QueueName: 'life' }))).QueueUrl).toBe(created.QueueUrl);
    const differs = await sqsError(sqs.send(new CreateQueueCommand({ QueueName: 'life', Attributes: { DelaySeconds: '1' } })));
    expect(differs.name).toBe('QueueNameExists');
    expect(differs.Code).toBe('QueueAlreadyExists');
    expect(differs.message).toBe('A queue already exists with the same name and a different value for attribute DelaySeconds');

    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: 'life' }))).QueueUrl).toBe(created.QueueUrl);
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'li' }))).QueueUrls).toEqual([created.QueueUrl]);

    await sqs.send(new DeleteQueueCommand({ QueueUrl: created.QueueUrl }));
    const gone = await sqsError(sqs.send(new GetQueueUrlCommand({ QueueName: 'life' })));
    expect(gone.name).toBe('QueueDoesNotExist');
    expect(gone.Code).toBe('AWS.SimpleQueueService.NonExistentQueue');
    expect(gone.message).toBe('The specified queue does not exist.');
    expect(gone.$metadata.httpStatusCode).toBe(400);
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'li' }))).QueueUrls).toBeUndefined();
  });

  it('pages ListQueues with MaxResults and NextToken, by prefix', async () => {
    const names = ['page-a', 'page-b', 'page-c', 'other-x'];
    for (const name of names) await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const first = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'page-', MaxResults: 2 }));
    expect(first.QueueUrls).toEqual([`http://${host}/000000000000/page-a`, `http://${host}/000000000000/page-b`]);
    expect(first.NextToken).toBeTruthy();
    const second = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'page-', MaxResults: 2, NextToken: first.NextToken }));
    expect(second.QueueUrls).toEqual([`http://${host}/000000000000/page-c`]);
    expect(second.NextToken).toBeUndefined();
    const all = await sqs.send(new ListQueuesCommand({}));
    expect(all.QueueUrls).toEqual(expect.arrayContaining(names.map((n) => `http://${host}/000000000000/${n}`)));
    const bad = await sqsError(sqs.send(new ListQueuesCommand({ MaxResults: 1001 })));
    expect(bad.Code).toBe('InvalidParameterValue');
    expect(bad.message).toBe('Value 1001 for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.');
    for (const name of names) await sqs.send(new DeleteQueueCommand({ QueueUrl: `${t.url}/000000000000/${name}` }));
  });

  it('answers GetQueueAttributes All with the defaults, what was set and the counts', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'attrs', Attributes: { DelaySeconds: '0', MessageRetentionPeriod: '600' } }));
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: '69', Policy: '{"Version":"2012-10-17"}' } }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'now' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'later', DelaySeconds: 60 }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    expect(Attributes).toEqual({
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:attrs',
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '1',
      CreatedTimestamp: expect.stringMatching(/^\d{10}$/),
      LastModifiedTimestamp: expect.stringMatching(/^\d{10}$/),
      VisibilityTimeout: '69',
      DelaySeconds: '0',
      MaximumMessageSize: '1048576',
      MessageRetentionPeriod: '600',
      ReceiveMessageWaitTimeSeconds: '0',
      SqsManagedSseEnabled: 'true',
      Policy: '{"Version":"2012-10-17"}',
    });
    const some = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn', 'DelaySeconds'] }));
    expect(some.Attributes).toEqual({ QueueArn: 'arn:aws:sqs:us-east-1:000000000000:attrs', DelaySeconds: '0' });
    expect((await sqs.send(new GetQueueAttributesCommand({ QueueUrl }))).Attributes).toBeUndefined();

    await sqs.send(new PurgeQueueCommand({ QueueUrl }));
    const purged = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesDelayed'] }));
    expect(purged.Attributes).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesDelayed: '0' });
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  });

  it('refuses bad names, attributes, FIFO queues, unknown queues and actions with AWS errors', async () => {
    const badName = await sqsError(sqs.send(new CreateQueueCommand({ QueueName: 'bad name' })));
    expect(badName.Code).toBe('InvalidParameterValue');
    expect(badName.message).toBe('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');

    for (const input of [{ QueueName: 'jobs.fifo', Attributes: { FifoQueue: 'true' } }, { QueueName: 'jobs', Attributes: { FifoQueue: 'true' } }, { QueueName: 'jobs.fifo' }]) {
      const fifo = await sqsError(sqs.send(new CreateQueueCommand(input)));
      expect(fifo.Code).toBe('InvalidParameterValue');
      expect(fifo.message).toMatch(/^lambdock does not support FIFO queues yet/);
    }
    const unknown = await sqsError(sqs.send(new CreateQueueCommand({ QueueName: 'x', Attributes: { ContentBasedDeduplication: 'true' } })));
    expect(unknown.name).toBe('InvalidAttributeName');
    expect(unknown.message).toBe('Unknown Attribute ContentBasedDeduplication.');
    const badValue = await sqsError(sqs.send(new CreateQueueCommand({ QueueName: 'x', Attributes: { VisibilityTimeout: '43201' } })));
    expect(badValue.Code).toBe('InvalidAttributeValue');
    expect(badValue.message).toBe('Invalid value for the parameter VisibilityTimeout.');

    const missing = await sqsError(sqs.send(new GetQueueAttributesCommand({ QueueUrl: `${t.url}/000000000000/nope`, AttributeNames: ['All'] })));
    expect(missing.name).toBe('QueueDoesNotExist');
    expect(missing.message).toBe('The specified queue does not exist.');

    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'errs' }));
    const badAttribute = await sqsError(sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Nope' as 'All'] })));
    expect(badAttribute.name).toBe('InvalidAttributeName');
    expect(badAttribute.message).toBe('Unknown Attribute Nope.');
    const unsupported = await sqsError(sqs.send(new TagQueueCommand({ QueueUrl, Tags: { a: 'b' } })));
    expect(unsupported.name).toBe('UnsupportedOperation');
    expect(unsupported.message).toBe('lambdock does not support the SQS action TagQueue yet.');
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  });

  it('answers the wire format of an unknown queue and an unknown action exactly', async () => {
    const post = (target: string, body: object) =>
      fetch(`${t.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target }, body: JSON.stringify(body) });
    const missing = await post('AmazonSQS.GetQueueUrl', { QueueName: 'nope' });
    expect(missing.status).toBe(400);
    expect(missing.headers.get('x-amzn-query-error')).toBe('AWS.SimpleQueueService.NonExistentQueue;Sender');
    expect(await missing.json()).toEqual({ __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' });
    const unknown = await post('AmazonSQS.FlyToTheMoon', {});
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('x-amzn-query-error')).toBe('InvalidAction;Sender');
    expect(await unknown.json()).toEqual({ __type: 'com.amazon.coral.service#UnknownOperationException', message: 'The action FlyToTheMoon is not valid for this endpoint.' });
    // A name no queue can have finds nothing (not one of a queue's own Redis structures).
    await post('AmazonSQS.CreateQueue', { QueueName: 'holder' });
    for (const name of ['holder:messages', 'holder:visible', '../holder']) {
      const odd = await post('AmazonSQS.GetQueueUrl', { QueueName: name });
      expect(odd.status).toBe(400);
      expect(((await odd.json()) as { __type: string }).__type).toBe('com.amazonaws.sqs#QueueDoesNotExist');
    }
    // A member of the wrong type is the caller's error, not a 500.
    const { QueueUrl } = (await (await post('AmazonSQS.GetQueueUrl', { QueueName: 'holder' })).json()) as { QueueUrl: string };
    for (const body of [{ QueueUrl, MessageBody: 42 }, { QueueUrl, MessageBody: 'x', DelaySeconds: '5' }, { QueueUrl: 7 }, { QueueUrl, Entries: 'x' }]) {
      const typed = await post(body.Entries === undefined ? 'AmazonSQS.SendMessage' : 'AmazonSQS.SendMessageBatch', body);
      expect(typed.status).toBe(400);
      expect(((await typed.json()) as { __type: string }).__type).toBe('com.amazonaws.sqs#SerializationException');
    }
    // Not SQS at all: the Lambda API's not-found answer, unchanged.
    const lambda = await fetch(`${t.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(lambda.status).toBe(404);
    expect(lambda.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
  });
});
