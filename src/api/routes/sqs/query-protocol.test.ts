import { describe, expect, it } from 'vitest';
import { QueueError } from '../../../queues/queue-error.js';
import { escapeXml, getQueryInput, parseForm, renderQueryError, renderQueryOutput } from './query-protocol.js';

describe('SQS query protocol', () => {
  it('maps flattened form parameters to the action input', () => {
    const form = parseForm(
      'Action=SendMessageBatch&QueueUrl=http%3A%2F%2Fh%2F000000000000%2Fq' +
        '&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=two&SendMessageBatchRequestEntry.2.DelaySeconds=5' +
        '&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=one' +
        '&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=k&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=Binary' +
        '&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.BinaryValue=AAH%2F',
    );
    expect(getQueryInput('SendMessageBatch', form, undefined)).toEqual({
      QueueUrl: 'http://h/000000000000/q',
      Entries: [
        { Id: 'a', MessageBody: 'one', MessageAttributes: { k: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 255]) } } },
        { Id: 'b', MessageBody: 'two', DelaySeconds: 5 },
      ],
    });
    const create = parseForm('Action=CreateQueue&QueueName=q&Attribute.1.Name=DelaySeconds&Attribute.1.Value=3&Attribute.2.Name=VisibilityTimeout&Attribute.2.Value=9');
    expect(getQueryInput('CreateQueue', create, undefined)).toEqual({ QueueName: 'q', Attributes: { DelaySeconds: '3', VisibilityTimeout: '9' } });
    const receive = parseForm('Action=ReceiveMessage&AttributeName.1=All&MessageAttributeName.1=a&MaxNumberOfMessages=10');
    expect(getQueryInput('ReceiveMessage', receive, 'http://h/000000000000/q')).toEqual({
      QueueUrl: 'http://h/000000000000/q',
      AttributeNames: ['All'],
      MessageAttributeNames: ['a'],
      MaxNumberOfMessages: 10,
    });
    expect(() => getQueryInput('ReceiveMessage', parseForm('MaxNumberOfMessages=ten'), undefined)).toThrow(
      'Value ten for parameter MaxNumberOfMessages is invalid. Reason: Must be an integer.',
    );
  });

  it('renders outputs in the model’s XML (flattened lists and maps, bytes in base64)', () => {
    const xml = renderQueryOutput(
      'ReceiveMessage',
      {
        Messages: [
          { MessageId: 'm', Body: 'a\r\n<b>', Attributes: { SentTimestamp: '1' }, MessageAttributes: { k: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 255]) } } },
        ],
      },
      'r1',
    );
    expect(xml).toBe(
      '<?xml version="1.0"?><ReceiveMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ReceiveMessageResult><Message><MessageId>m</MessageId>' +
        '<Body>a&#xD;\n&lt;b&gt;</Body><Attribute><Name>SentTimestamp</Name><Value>1</Value></Attribute>' +
        '<MessageAttribute><Name>k</Name><Value><DataType>Binary</DataType><BinaryValue>AP8=</BinaryValue></Value></MessageAttribute></Message>' +
        '</ReceiveMessageResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></ReceiveMessageResponse>',
    );
    expect(renderQueryOutput('DeleteMessageBatch', { Successful: [{ Id: 'a' }], Failed: [] }, 'r')).toContain(
      '<DeleteMessageBatchResult><DeleteMessageBatchResultEntry><Id>a</Id></DeleteMessageBatchResultEntry></DeleteMessageBatchResult>',
    );
    expect(renderQueryOutput('PurgeQueue', {}, 'r')).not.toContain('PurgeQueueResult');
    expect(escapeXml(`"'&`)).toBe('&quot;&apos;&amp;');
  });

  it('renders an error as AWS does', () => {
    expect(renderQueryError(new QueueError('QueueDoesNotExist', 'The specified queue does not exist.'), 'r')).toBe(
      '<?xml version="1.0"?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type>' +
        '<Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist.</Message><Detail/></Error>' +
        '<RequestId>r</RequestId></ErrorResponse>',
    );
  });
});
