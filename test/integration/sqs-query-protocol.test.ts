import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

let t: TestLambdock;
let host: string;

beforeAll(async () => {
  t = await startTestLambdock();
  host = new URL(t.url).host;
});
afterAll(async () => {
  await t?.close();
});

/** A query-protocol request, as older CLIs and SDKs send it: a form POSTed to `/` or to the queue URL. */
async function query(path: string, params: Record<string, string>): Promise<{ status: number; type: string | null; xml: string }> {
  const response = await fetch(`${t.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new URLSearchParams({ Version: '2012-11-05', ...params }).toString(),
  });
  return { status: response.status, type: response.headers.get('content-type'), xml: await response.text() };
}

const between = (xml: string, tag: string): string | undefined => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];

describe('SQS query protocol (form in, XML out)', () => {
  it('creates a queue, sends with attributes, receives and deletes, in AWS XML', async () => {
    const created = await query('/', { Action: 'CreateQueue', QueueName: 'q-form', 'Attribute.1.Name': 'VisibilityTimeout', 'Attribute.1.Value': '40' });
    expect(created.status).toBe(200);
    expect(created.type).toMatch(/^text\/xml/);
    const url = `http://${host}/000000000000/q-form`;
    expect(created.xml).toContain(`<CreateQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><CreateQueueResult><QueueUrl>${url}</QueueUrl></CreateQueueResult><ResponseMetadata><RequestId>`);

    const sent = await query('/000000000000/q-form', {
      Action: 'SendMessage',
      MessageBody: 'a <b> & c',
      'MessageAttribute.1.Name': 'MyAttribute',
      'MessageAttribute.1.Value.DataType': 'String',
      'MessageAttribute.1.Value.StringValue': 'foobar',
    });
    expect(sent.status).toBe(200);
    expect(between(sent.xml, 'MD5OfMessageAttributes')).toBe('adb59cd4678ea5a855436b949cd07ab6');
    expect(sent.xml).toMatch(/<SendMessageResult><MessageId>[0-9a-f-]{36}<\/MessageId><MD5OfMessageBody>[0-9a-f]{32}<\/MD5OfMessageBody>/);

    const attributes = await query('/', { Action: 'GetQueueAttributes', QueueUrl: url, 'AttributeName.1': 'VisibilityTimeout', 'AttributeName.2': 'ApproximateNumberOfMessages' });
    expect(attributes.xml).toContain(
      '<GetQueueAttributesResult><Attribute><Name>VisibilityTimeout</Name><Value>40</Value></Attribute><Attribute><Name>ApproximateNumberOfMessages</Name><Value>1</Value></Attribute></GetQueueAttributesResult>',
    );

    const received = await query('/000000000000/q-form', { Action: 'ReceiveMessage', 'AttributeName.1': 'ApproximateReceiveCount', 'MessageAttributeName.1': 'All' });
    expect(received.xml).toContain('<Body>a &lt;b&gt; &amp; c</Body>');
    expect(received.xml).toContain('<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>');
    expect(received.xml).toContain('<MessageAttribute><Name>MyAttribute</Name><Value><DataType>String</DataType><StringValue>foobar</StringValue></Value></MessageAttribute>');
    const handle = between(received.xml, 'ReceiptHandle') as string;

    const deleted = await query('/000000000000/q-form', { Action: 'DeleteMessage', ReceiptHandle: handle });
    expect(deleted.xml).toMatch(/^<\?xml version="1.0"\?><DeleteMessageResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/"><ResponseMetadata><RequestId>[^<]+<\/RequestId><\/ResponseMetadata><\/DeleteMessageResponse>$/);
    const listed = await query('/', { Action: 'ListQueues', QueueNamePrefix: 'q-f' });
    expect(listed.xml).toContain(`<ListQueuesResult><QueueUrl>${url}</QueueUrl></ListQueuesResult>`);
    expect((await query('/', { Action: 'DeleteQueue', QueueUrl: url })).status).toBe(200);
  });

  it('answers errors as an XML ErrorResponse', async () => {
    const missing = await query('/000000000000/nope', { Action: 'SendMessage', MessageBody: 'x' });
    expect(missing.status).toBe(400);
    expect(missing.xml).toMatch(
      /^<\?xml version="1.0"\?><ErrorResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/"><Error><Type>Sender<\/Type><Code>AWS.SimpleQueueService.NonExistentQueue<\/Code><Message>The specified queue does not exist.<\/Message><Detail\/><\/Error><RequestId>[^<]+<\/RequestId><\/ErrorResponse>$/,
    );
    const unknown = await query('/', { Action: 'Teleport' });
    expect(unknown.status).toBe(400);
    expect(between(unknown.xml, 'Code')).toBe('InvalidAction');
    expect(between(unknown.xml, 'Message')).toBe('The action Teleport is not valid for this endpoint.');
  });
});
