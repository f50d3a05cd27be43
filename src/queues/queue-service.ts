import { randomUUID } from 'node:crypto';
import { QUEUE_DEFAULTS, checkSettableAttributes, findDifferentAttribute, getNumericAttribute, getRequestedAttributes } from './queue-attributes.js';
import { QueueError, invalidValue, missingParameter, queueDoesNotExist } from './queue-error.js';
import { checkQueueName, isQueueName, getNameOfArn, getNameOfUrl, getQueueArn, getQueueUrl, type QueueScope } from './queue-names.js';
import type { QueueRecord, QueueStore } from './queue-store.js';
import type { QueueWakeups } from './queue-wakeups.js';
import type { MessageAttributeValue, QueueSender } from './queue-sender.js';
import type { QueueContext } from './queue-requests.js';
import { MessageOperations } from './message-operations.js';

const MAX_LIST_RESULTS = 1000;

const now = (): number => Date.now();
const seconds = (ms: number): number => Math.floor(ms / 1000);

const encodeToken = (name: string): string => Buffer.from(name, 'utf8').toString('base64');
const decodeToken = (token: string): string => Buffer.from(token, 'base64').toString('utf8');

/**
 * The SQS-compatible queues of the installation: queue lifecycle and attributes here, messages in
 * MessageOperations. Also the QueueSender the rest of lambdock sends through.
 */
export class QueueService implements QueueSender {
  readonly messages: MessageOperations;

  constructor(
    private readonly store: QueueStore,
    wakeups: QueueWakeups,
    private readonly scope: QueueScope,
  ) {
    this.messages = new MessageOperations(store, wakeups, (url) => this.fetchQueueOfUrl(url), now, scope.accountId);
  }

  private async fetchQueueOfUrl(url: string | undefined): Promise<QueueRecord> {
    if (url === undefined || url === '') throw missingParameter('QueueUrl');
    const name = getNameOfUrl(this.scope, url);
    const queue = name === undefined ? undefined : await this.store.fetchQueue(name);
    if (queue === undefined) throw queueDoesNotExist();
    return queue;
  }

  async createQueue(input: { QueueName?: string; Attributes?: Record<string, string> }, context: QueueContext): Promise<{ QueueUrl: string }> {
    const name = input.QueueName;
    if (name === undefined) throw missingParameter('QueueName');
    checkQueueName(name);
    const attributes = checkSettableAttributes(input.Attributes ?? {});
    const createdSeconds = seconds(now());
    const { created, queue } = await this.store.createQueue({ name, attributes, createdSeconds, modifiedSeconds: createdSeconds, generation: randomUUID() });
    const different = created ? undefined : findDifferentAttribute(queue.attributes, attributes);
    if (different !== undefined) {
      throw new QueueError('QueueNameExists', `A queue already exists with the same name and a different value for attribute ${different}`);
    }
    return { QueueUrl: getQueueUrl(this.scope, context.host, name) };
  }

  async getQueueUrl(input: { QueueName?: string; QueueOwnerAWSAccountId?: string }, context: QueueContext): Promise<{ QueueUrl: string }> {
    if (input.QueueName === undefined) throw missingParameter('QueueName');
    const owner = input.QueueOwnerAWSAccountId;
    if ((owner !== undefined && owner !== this.scope.accountId) || !isQueueName(input.QueueName) || (await this.store.fetchQueue(input.QueueName)) === undefined) {
      throw queueDoesNotExist();
    }
    return { QueueUrl: getQueueUrl(this.scope, context.host, input.QueueName) };
  }

  async listQueues(input: { QueueNamePrefix?: string; NextToken?: string; MaxResults?: number }, context: QueueContext): Promise<{ QueueUrls?: string[]; NextToken?: string }> {
    const max = input.MaxResults;
    if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > MAX_LIST_RESULTS)) {
      throw invalidValue(max, 'MaxResults', `MaxResults must be an integer between 1 and ${MAX_LIST_RESULTS}.`);
    }
    const after = input.NextToken === undefined || input.NextToken === '' ? undefined : decodeToken(input.NextToken);
    const limit = max ?? MAX_LIST_RESULTS;
    const names = await this.store.listQueues(input.QueueNamePrefix ?? '', after, limit + 1);
    const page = names.slice(0, limit);
    const urls = page.map((name) => getQueueUrl(this.scope, context.host, name));
    const more = max !== undefined && names.length > limit;
    return { ...(urls.length > 0 ? { QueueUrls: urls } : {}), ...(more ? { NextToken: encodeToken(page[page.length - 1] as string) } : {}) };
  }

  async deleteQueue(input: { QueueUrl?: string }): Promise<Record<string, never>> {
    const queue = await this.fetchQueueOfUrl(input.QueueUrl);
    if (!(await this.store.removeQueue(queue.name))) throw queueDoesNotExist();
    return {};
  }

  async purgeQueue(input: { QueueUrl?: string }): Promise<Record<string, never>> {
    const queue = await this.fetchQueueOfUrl(input.QueueUrl);
    if (!(await this.store.purgeQueue(queue.name))) throw queueDoesNotExist();
    return {};
  }

  async getQueueAttributes(input: { QueueUrl?: string; AttributeNames?: string[] }): Promise<{ Attributes?: Record<string, string> }> {
    const queue = await this.fetchQueueOfUrl(input.QueueUrl);
    const names = getRequestedAttributes(input.AttributeNames, queue.attributes);
    const wantsCounts = names.some((n) => n.startsWith('ApproximateNumberOfMessages'));
    const counts = wantsCounts ? await this.store.countMessages(queue.name, now(), getNumericAttribute(queue.attributes, 'MessageRetentionPeriod') * 1000) : undefined;
    const computed: Record<string, string | undefined> = {
      QueueArn: getQueueArn(this.scope, queue.name),
      ApproximateNumberOfMessages: counts && String(counts.visible),
      ApproximateNumberOfMessagesNotVisible: counts && String(counts.notVisible),
      ApproximateNumberOfMessagesDelayed: counts && String(counts.delayed),
      CreatedTimestamp: String(queue.createdSeconds),
      LastModifiedTimestamp: String(queue.modifiedSeconds),
    };
    const attributes: Record<string, string> = {};
    for (const name of names) {
      const value = name in computed ? computed[name] : (queue.attributes[name] ?? QUEUE_DEFAULTS[name]);
      if (value !== undefined) attributes[name] = value;
    }
    return Object.keys(attributes).length === 0 ? {} : { Attributes: attributes };
  }

  async setQueueAttributes(input: { QueueUrl?: string; Attributes?: Record<string, string> }): Promise<Record<string, never>> {
    const queue = await this.fetchQueueOfUrl(input.QueueUrl);
    if (input.Attributes === undefined) throw missingParameter('Attribute.1.Name');
    const attributes = checkSettableAttributes(input.Attributes);
    if (!(await this.store.updateAttributes(queue.name, attributes, seconds(now())))) throw queueDoesNotExist();
    return {};
  }

  async sendByArn(queueArn: string, message: { body: string; attributes?: Record<string, MessageAttributeValue> }): Promise<{ messageId: string }> {
    const name = getNameOfArn(this.scope, queueArn);
    const queue = name === undefined ? undefined : await this.store.fetchQueue(name);
    if (queue === undefined) throw queueDoesNotExist();
    const sent = await this.messages.sendToQueue(
      queue,
      { MessageBody: message.body, ...(message.attributes === undefined ? {} : { MessageAttributes: message.attributes }) },
      this.scope.accountId,
    );
    return { messageId: sent.MessageId };
  }
}

