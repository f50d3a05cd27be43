import path from 'node:path';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type LambdockHarness } from 'lambdock';

const functions = path.join(import.meta.dirname, '..', 'functions');
let lambdock: LambdockHarness;
let queueUrl: string;

beforeAll(async () => {
  // REDIS_URL when the CI job has a Redis; without it the harness starts a redis-server of its own.
  lambdock = await startHarness({ redisUrl: process.env.REDIS_URL });
  ({ QueueUrl: queueUrl = '' } = await lambdock.sqs.send(new CreateQueueCommand({ QueueName: 'notifications' })));
  await Promise.all([
    lambdock.deployFunction({ name: 'quote', folder: path.join(functions, 'quote') }),
    // Its timeout covers the cold start of `quote`, which it waits for.
    lambdock.deployFunction({ name: 'place-order', folder: path.join(functions, 'place-order'), Timeout: 15 }),
    lambdock.deployFunction({ name: 'notify', folder: path.join(functions, 'notify'), Environment: { Variables: { QUEUE_URL: queueUrl } } }),
  ]);
}, 120_000); // the first run on a machine may build lambdock's runtime images first (about a minute)

afterAll(async () => {
  await lambdock?.stop(); // every container, disk and Redis key of the run, even after a failed test
}, 60_000);

/** Receives messages until one matches, or fails after `timeoutMs` (an async event runs a moment after its 202). */
async function receiveMatching(match: (body: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { Messages = [] } = await lambdock.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 2, MaxNumberOfMessages: 10 }));
    for (const message of Messages) {
      const body = JSON.parse(message.Body ?? '{}') as Record<string, unknown>;
      if (!match(body)) continue;
      await lambdock.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      return body;
    }
  }
  throw new Error(`no matching message on ${queueUrl} within ${timeoutMs} ms`);
}

describe('orders app', () => {
  it('quote prices an order', async () => {
    const { statusCode, payload, functionError } = await lambdock.invoke('quote', {
      items: [{ sku: 'coffee-beans', quantity: 2 }, { sku: 'paper-filters' }],
    });
    expect(statusCode).toBe(200);
    expect(functionError).toBeUndefined();
    expect(payload).toEqual({
      currency: 'EUR',
      lines: [
        { sku: 'coffee-beans', quantity: 2, amount: 2500 },
        { sku: 'paper-filters', quantity: 1, amount: 399 },
      ],
      total: 2899,
    });
  });

  it('quote fails on an unknown item: a function error, with the error as the payload', async () => {
    const { statusCode, payload, functionError } = await lambdock.invoke('quote', { items: [{ sku: 'teapot' }] });
    expect(statusCode).toBe(200); // as on AWS: the invoke succeeded, the function did not
    expect(functionError).toBe('Unhandled');
    expect(payload).toMatchObject({ errorType: 'Error', errorMessage: 'unknown item: teapot' });
  });

  it('the invocation log lines come back with the answer (LogType Tail)', async () => {
    const { logs, requestId } = await lambdock.invoke('quote', { items: [{ sku: 'grinder' }] });
    expect(logs[0]).toBe(`START RequestId: ${requestId} Version: $LATEST`);
    expect(logs.some((line) => line.includes('quoted 1 lines: 4900 cents'))).toBe(true);
    expect(logs.at(-1)).toMatch(new RegExp(`^REPORT RequestId: ${requestId}\\tDuration: `));
  });

  it('place-order calls quote through the AWS SDK and answers the placed order', async () => {
    const { payload, functionError, logs } = await lambdock.invoke('place-order', {
      customer: 'ada',
      items: [{ sku: 'grinder' }, { sku: 'paper-filters', quantity: 3 }],
    });
    expect(functionError).toBeUndefined();
    expect(payload).toEqual({ orderId: expect.any(String), customer: 'ada', total: 6097, currency: 'EUR' });
    expect(logs.some((line) => line.includes(`placed order ${(payload as { orderId: string }).orderId} for ada: 6097 EUR`))).toBe(true);
  });

  it("place-order fails when quote does, with quote's reason", async () => {
    const { payload, functionError } = await lambdock.invoke('place-order', { customer: 'bob', items: [{ sku: 'teapot' }] });
    expect(functionError).toBe('Unhandled');
    expect(payload).toMatchObject({ errorMessage: 'the order cannot be priced: unknown item: teapot' });
  });

  it('a placed order reaches the notifications queue through notify (an async event)', async () => {
    const { payload } = await lambdock.invoke('place-order', { customer: 'grace', items: [{ sku: 'coffee-beans', quantity: 4 }] });
    const { orderId } = payload as { orderId: string };
    const message = await receiveMatching((body) => body.orderId === orderId);
    expect(message).toEqual({ orderId, text: `Thank you grace, your order ${orderId} (50.00 EUR) is on its way.` });
  }, 45_000);
});
