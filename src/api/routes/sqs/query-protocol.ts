import { invalidValue } from '../../../queues/queue-error.js';
import type { QueueError } from '../../../queues/queue-error.js';
import type { MessageAttributeValue } from '../../../queues/queue-sender.js';

/** AWS's query protocol for SQS (form-encoded `Action=…&Version=2012-11-05`, XML answers): older CLIs and SDKs. */
export const XML_NAMESPACE = 'http://queue.amazonaws.com/doc/2012-11-05/';
type Params = Record<string, string>;

export function parseForm(body: string): Params {
  return Object.fromEntries(new URLSearchParams(body));
}

const str = (p: Params, name: string): string | undefined => p[name];

function int(p: Params, name: string): number | undefined {
  const raw = p[name];
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw.trim())) throw invalidValue(raw, name, 'Must be an integer.');
  return Number(raw);
}

/** `Prefix.1…`, `Prefix.2…`: the sub-parameters of each member, in member order. */
function members(p: Params, prefix: string): Params[] {
  const byIndex = new Map<number, Params>();
  for (const [key, value] of Object.entries(p)) {
    const match = new RegExp(`^${prefix.replace('.', '\\.')}\\.(\\d+)(?:\\.(.*))?$`).exec(key);
    if (match === null) continue;
    const index = Number(match[1]);
    const sub = byIndex.get(index) ?? {};
    sub[match[2] ?? ''] = value;
    byIndex.set(index, sub);
  }
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, sub]) => sub);
}

const list = (p: Params, prefix: string): string[] | undefined => {
  const values = members(p, prefix).map((m) => m[''] ?? '');
  return values.length === 0 ? undefined : values;
};

function map(p: Params, prefix: string, key: string, value: string): Record<string, string> | undefined {
  const entries = members(p, prefix).map((m) => [m[key] ?? '', m[value] ?? ''] as const);
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

function messageAttributes(p: Params, prefix: string): Record<string, MessageAttributeValue> | undefined {
  const entries = members(p, prefix).map((m): [string, MessageAttributeValue] => {
    const binary = m['Value.BinaryValue'];
    const value: MessageAttributeValue = { DataType: m['Value.DataType'] ?? '' };
    if (m['Value.StringValue'] !== undefined) value.StringValue = m['Value.StringValue'];
    if (binary !== undefined) value.BinaryValue = Buffer.from(binary, 'base64');
    return [m.Name ?? '', value];
  });
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

const compact = (input: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));

function sendEntry(p: Params): Record<string, unknown> {
  return compact({
    MessageBody: str(p, 'MessageBody'),
    DelaySeconds: int(p, 'DelaySeconds'),
    MessageAttributes: messageAttributes(p, 'MessageAttribute'),
    MessageSystemAttributes: messageAttributes(p, 'MessageSystemAttribute'),
    MessageDeduplicationId: str(p, 'MessageDeduplicationId'),
    MessageGroupId: str(p, 'MessageGroupId'),
  });
}

const entries = (p: Params, prefix: string, each: (m: Params) => Record<string, unknown>): Array<Record<string, unknown>> | undefined => {
  const all = members(p, prefix).map(each);
  return all.length === 0 ? undefined : all;
};

/** The input of one action from its form parameters (AWS's flattened names: `Attribute.1.Name`, …). */
export function getQueryInput(action: string, p: Params, pathQueueUrl: string | undefined): Record<string, unknown> {
  const QueueUrl = str(p, 'QueueUrl') ?? pathQueueUrl;
  switch (action) {
    case 'CreateQueue':
      return compact({ QueueName: str(p, 'QueueName'), Attributes: map(p, 'Attribute', 'Name', 'Value'), tags: map(p, 'Tag', 'Key', 'Value') });
    case 'GetQueueUrl':
      return compact({ QueueName: str(p, 'QueueName'), QueueOwnerAWSAccountId: str(p, 'QueueOwnerAWSAccountId') });
    case 'ListQueues':
      return compact({ QueueNamePrefix: str(p, 'QueueNamePrefix'), NextToken: str(p, 'NextToken'), MaxResults: int(p, 'MaxResults') });
    case 'GetQueueAttributes':
      return compact({ QueueUrl, AttributeNames: list(p, 'AttributeName') });
    case 'SetQueueAttributes':
      return compact({ QueueUrl, Attributes: map(p, 'Attribute', 'Name', 'Value') });
    case 'SendMessage':
      return compact({ QueueUrl, ...sendEntry(p) });
    case 'SendMessageBatch':
      return compact({ QueueUrl, Entries: entries(p, 'SendMessageBatchRequestEntry', (m) => compact({ Id: str(m, 'Id'), ...sendEntry(m) })) });
    case 'ReceiveMessage':
      return compact({
        QueueUrl,
        AttributeNames: list(p, 'AttributeName'),
        MessageSystemAttributeNames: list(p, 'MessageSystemAttributeName'),
        MessageAttributeNames: list(p, 'MessageAttributeName'),
        MaxNumberOfMessages: int(p, 'MaxNumberOfMessages'),
        VisibilityTimeout: int(p, 'VisibilityTimeout'),
        WaitTimeSeconds: int(p, 'WaitTimeSeconds'),
      });
    case 'DeleteMessage':
      return compact({ QueueUrl, ReceiptHandle: str(p, 'ReceiptHandle') });
    case 'DeleteMessageBatch':
      return compact({ QueueUrl, Entries: entries(p, 'DeleteMessageBatchRequestEntry', (m) => compact({ Id: str(m, 'Id'), ReceiptHandle: str(m, 'ReceiptHandle') })) });
    case 'ChangeMessageVisibility':
      return compact({ QueueUrl, ReceiptHandle: str(p, 'ReceiptHandle'), VisibilityTimeout: int(p, 'VisibilityTimeout') });
    case 'ChangeMessageVisibilityBatch':
      return compact({
        QueueUrl,
        Entries: entries(p, 'ChangeMessageVisibilityBatchRequestEntry', (m) =>
          compact({ Id: str(m, 'Id'), ReceiptHandle: str(m, 'ReceiptHandle'), VisibilityTimeout: int(m, 'VisibilityTimeout') }),
        ),
      });
    default:
      return compact({ QueueUrl });
  }
}

/** XML text and attribute escaping; a carriage return survives as a character reference. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;' })[c] as string);
}

const element = (name: string, content: string): string => `<${name}>${content}</${name}>`;

/** The element name of each list member (AWS's flattened lists), by member name and action. */
function listMemberName(action: string, member: string): string {
  switch (member) {
    case 'QueueUrls':
      return 'QueueUrl';
    case 'Messages':
      return 'Message';
    case 'Successful':
      return `${action}ResultEntry`;
    case 'Failed':
      return 'BatchResultErrorEntry';
    default:
      return member;
  }
}

/** The element name of each map entry (`Attributes` → `Attribute`, `MessageAttributes` → `MessageAttribute`). */
const mapEntryName = (member: string): string => member.replace(/s$/, '');

function renderValue(action: string, name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Uint8Array) return element(name, Buffer.from(value).toString('base64'));
  if (Array.isArray(value)) return value.map((v) => renderValue(action, listMemberName(action, name), v)).join('');
  if (typeof value === 'object') {
    if (name === 'Attributes' || name === 'MessageAttributes') {
      return Object.entries(value as Record<string, unknown>)
        .map(([key, v]) => element(mapEntryName(name), element('Name', escapeXml(key)) + renderValue(action, 'Value', v)))
        .join('');
    }
    return element(name, renderMembers(action, value as Record<string, unknown>));
  }
  return element(name, escapeXml(String(value)));
}

const renderMembers = (action: string, members: Record<string, unknown>): string =>
  Object.entries(members).map(([name, value]) => renderValue(action, name, value)).join('');

/** `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…` (no Result element for an empty output). */
export function renderQueryOutput(action: string, output: object, requestId: string): string {
  const members = renderMembers(action, output as Record<string, unknown>);
  const result = Object.keys(output).length === 0 ? '' : element(`${action}Result`, members);
  return (
    `<?xml version="1.0"?><${action}Response xmlns="${XML_NAMESPACE}">${result}` +
    `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function renderQueryError(error: QueueError, requestId: string): string {
  return (
    `<?xml version="1.0"?><ErrorResponse xmlns="${XML_NAMESPACE}"><Error><Type>${error.fault}</Type>` +
    `<Code>${escapeXml(error.queryCode)}</Code><Message>${escapeXml(error.message)}</Message><Detail/></Error>` +
    `<RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`
  );
}
