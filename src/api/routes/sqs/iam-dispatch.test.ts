import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { QueueService } from '../../../queues/queue-service.js';
import type { IamQueryHandler } from '../iam/index.js';
import { sqsRoutes } from './index.js';

const queues = { listQueues: async () => ({ QueueUrls: ['http://h/000000000000/q'] }) } as unknown as QueueService;
const signed = (service: string) => `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=abc`;

let app: ReturnType<typeof Fastify> | undefined;
afterEach(async () => app?.close());

async function post(headers: Record<string, string>, form: Record<string, string>, url = '/') {
  const seen: Array<Record<string, string>> = [];
  const iam: IamQueryHandler = async (f) => {
    seen.push(f);
    return { status: 200, xml: '<Iam/>' };
  };
  app = Fastify();
  await app.register(sqsRoutes, { queues, requestTimeoutMs: 1000, iam });
  const response = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: new URLSearchParams(form).toString() });
  return { iam: seen.length > 0, body: response.body };
}

describe('POST / shared by SQS and IAM', () => {
  it('hands a request signed for iam, or an unsigned form with IAM’s Version, to IAM', async () => {
    expect((await post({ authorization: signed('iam') }, { Action: 'ListRoles' })).iam).toBe(true);
    expect((await post({}, { Action: 'ListRoles', Version: '2010-05-08' })).iam).toBe(true);
  });

  it('keeps SQS’s requests, and queue URLs, with the queue', async () => {
    const sqs = await post({ authorization: signed('sqs') }, { Action: 'ListQueues', Version: '2010-05-08' });
    expect(sqs.iam).toBe(false);
    expect(sqs.body).toContain('<ListQueuesResponse');
    expect((await post({}, { Action: 'ListQueues', Version: '2012-11-05' })).iam).toBe(false);
    expect((await post({}, { Action: 'ListQueues', Version: '2010-05-08' }, '/000000000000/q')).iam).toBe(false);
  });
});
