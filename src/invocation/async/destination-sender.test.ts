import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LambdaError } from '../../shared/errors.js';
import type { AsyncEvent, Delivery } from './async-event.js';
import type { EventRequest } from './async-invoker.js';
import { DestinationSender, getDestinationRequestId } from './destination-sender.js';

const event: AsyncEvent = { requestId: 'req-1', functionName: 'fn', payload: '{}', acceptedAt: 0, attempts: 1, deferrals: 0, stage: { kind: 'queued' } };
const refusal = (status: number) => Object.assign(new Error('refused'), { status });

function build(queue: (body: string) => Promise<unknown>, invoke: (request: EventRequest) => Promise<void> = async () => undefined) {
  const bodies: string[] = [];
  const requests: EventRequest[] = [];
  const sender = new DestinationSender({
    sendToQueue: async (_arn, message) => {
      bodies.push(message.body);
      return queue(message.body);
    },
    invokeAsync: async (request) => {
      requests.push(request);
      return invoke(request);
    },
    logger: pino({ level: 'silent' }),
  });
  return { sender, bodies, requests };
}

const record: Delivery = { kind: 'queue', purpose: 'on-failure', targetArn: 'arn:aws:sqs:us-east-1:0:q', body: '{"full":true}', trimmed: '{"full":false}' };

describe('the destination sender', () => {
  it('sends a record refused whole (too large) again without its payloads', async () => {
    const { sender, bodies } = build(async (body) => {
      if (body.includes('"full":true')) throw refusal(400);
    });
    await sender.deliver(record, event);
    expect(bodies).toEqual(['{"full":true}', '{"full":false}']);
  });

  it('drops a delivery its target refuses for good (missing queue, 404 function), and throws what may pass (5xx, 409, 429)', async () => {
    await expect(build(() => Promise.reject(refusal(400))).sender.deliver({ ...record, trimmed: undefined } as Delivery, event)).resolves.toBeUndefined();
    const fn: Delivery = { kind: 'function', purpose: 'on-success', targetArn: 'arn:aws:lambda:us-east-1:0:function:f', payload: '{}' };
    await expect(build(async () => undefined, () => Promise.reject(new LambdaError('ResourceNotFoundException', 'gone'))).sender.deliver(fn, event)).resolves.toBeUndefined();
    for (const error of [new Error('ECONNRESET'), refusal(500), new LambdaError('ResourceConflictException', 'Pending'), new LambdaError('TooManyRequestsException', 'Rate Exceeded.')]) {
      await expect(build(async () => undefined, () => Promise.reject(error)).sender.deliver(fn, event)).rejects.toBe(error);
    }
  });

  it('invokes a Lambda destination with a request id derived from the event, the same on every resend', async () => {
    const fn: Delivery = { kind: 'function', purpose: 'on-success', targetArn: 'arn:aws:lambda:us-east-1:0:function:f', payload: '{"r":1}' };
    const { sender, requests } = build(async () => undefined);
    await sender.deliver(fn, event);
    await sender.deliver(fn, event);
    expect(requests.map((r) => r.requestId)).toEqual([getDestinationRequestId('req-1', 'on-success'), getDestinationRequestId('req-1', 'on-success')]);
    expect(requests[0]?.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(getDestinationRequestId('req-1', 'on-failure')).not.toBe(requests[0]?.requestId);
    expect(requests[0]?.payload.toString()).toBe('{"r":1}');
  });
});
