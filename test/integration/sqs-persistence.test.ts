import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startTestLambdock } from '../helpers/test-lambdock.js';
import { removeRedisKeys } from '../helpers/role-settings.js';
import { sqsClient } from '../helpers/sqs-client.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const prefix = `${inject('testRunPrefix')}-sqs-${randomUUID().slice(0, 8)}`;

afterAll(async () => {
  await removeRedisKeys(redis, prefix);
  await redis.quit();
});

describe('SQS durability', () => {
  it('keeps messages across a restart of lambdock on the same Redis prefix', async () => {
    const first = await startTestLambdock({ LAMBDOCK_REDIS_PREFIX: prefix });
    const sqs = sqsClient(first);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'durable' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'survives', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } }));
    sqs.destroy();
    await first.close();

    const second = await startTestLambdock({ LAMBDOCK_REDIS_PREFIX: prefix });
    const again = sqsClient(second);
    try {
      const url = `${second.url}/000000000000/durable`;
      const { Messages } = await again.send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['All'] }));
      expect(Messages?.map((m) => [m.Body, m.MessageAttributes?.k?.StringValue])).toEqual([['survives', 'v']]);
    } finally {
      again.destroy();
      await second.close();
    }
  });

  it('drops a message past the retention period: not delivered, not counted, removed', async () => {
    const t = await startTestLambdock({ LAMBDOCK_REDIS_PREFIX: prefix });
    const sqs = sqsClient(t);
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'retained', Attributes: { MessageRetentionPeriod: '60' } }));
      const old = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'old' }));
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'new' }));
      // Backdate the first message's send time past the retention period (61 s ago).
      await redis.zadd(`${prefix}:sqs:queue:retained:sent`, Date.now() - 61_000, old.MessageId as string);
      const counts = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
      expect(counts.Attributes?.ApproximateNumberOfMessages).toBe('1');
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
      expect(Messages?.map((m) => m.Body)).toEqual(['new']);
      expect(await redis.hexists(`${prefix}:sqs:queue:retained:messages`, old.MessageId as string)).toBe(0);
    } finally {
      sqs.destroy();
      await t.close();
    }
  });
});
