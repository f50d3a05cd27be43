import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { FunctionVersionRecord } from '../../control-plane/function-model.js';
import { LambdaError, functionNotFound } from '../../shared/errors.js';
import type { Execution } from '../execution.js';
import type { InvokeResponse } from '../invocation-result.js';
import type { AsyncEvent, Delivery } from './async-event.js';
import { AsyncDispatcher } from './async-dispatcher.js';

const T0 = 1_700_000_000_000;
const record = (extra: Partial<FunctionVersionRecord> = {}) => ({ name: 'fn', state: 'Active', ...extra }) as unknown as FunctionVersionRecord;
const event = (extra: Partial<AsyncEvent> = {}): AsyncEvent => ({
  requestId: 'req-1',
  functionName: 'fn',
  payload: '{"a":1}',
  acceptedAt: T0,
  attempts: 0,
  deferrals: 0,
  stage: { kind: 'queued' },
  ...extra,
});

interface Fakes {
  answer?: () => Promise<InvokeResponse>;
  resolved?: () => Promise<FunctionVersionRecord>;
  reserved?: number;
  settings?: { maximumRetryAttempts: number; maximumEventAgeSeconds: number; onSuccess?: string; onFailure?: string };
  deliver?: (delivery: Delivery) => Promise<void>;
}

function build(fakes: Fakes = {}) {
  const executions: Execution[] = [];
  const delivered: Delivery[] = [];
  const saved: AsyncEvent[] = [];
  const dispatcher = new AsyncDispatcher({
    functions: {
      resolve: async () => ({ record: await (fakes.resolved ?? (async () => record()))() }),
      arnOf: (name: string, qualifier?: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}${qualifier === undefined ? '' : `:${qualifier}`}`,
    },
    settings: { fetchAsyncSettings: async () => fakes.settings ?? { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 } },
    loadReserved: async () => fakes.reserved,
    executor: {
      execute: async (execution) => {
        executions.push(execution);
        return (fakes.answer ?? (async () => ({ statusCode: 200 as const, payload: Buffer.from('"ok"') })))();
      },
    },
    deliveries: {
      deliver: async (delivery) => {
        await (fakes.deliver ?? (async () => undefined))(delivery);
        delivered.push(delivery);
      },
    },
    timings: { retryDelaysMs: [60_000, 120_000], backoffMinMs: 1_000, backoffMaxMs: 300_000 },
    logger: pino({ level: 'silent' }),
    clock: () => T0 + 1_000,
    draw: () => 0,
  });
  const save = async (e: AsyncEvent) => {
    saved.push(e);
  };
  return { dispatcher, executions, delivered, saved, save };
}

const failing = async (): Promise<InvokeResponse> => ({ statusCode: 200, functionError: 'Unhandled', payload: Buffer.from('{"errorMessage":"boom"}') });

describe('the async dispatcher', () => {
  it('runs an event with its own request id and payload, and settles a success with no destination without saving', async () => {
    const { dispatcher, executions, saved, save } = build();
    expect(await dispatcher.handle(event(), save)).toBeUndefined();
    expect(executions).toHaveLength(1);
    expect(executions[0]).toMatchObject({ requestId: 'req-1', tail: false, invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn' });
    expect(executions[0]?.payload.toString()).toBe('{"a":1}');
    expect(saved).toEqual([]);
  });

  it('asks for a retry a minute later after a function error, with the attempt counted and the answer kept', async () => {
    const { dispatcher, save } = build({ answer: failing });
    const requeue = await dispatcher.handle(event(), save);
    expect(requeue).toMatchObject({ retryAt: T0 + 1_000 + 60_000, event: { attempts: 1, lastAnswer: { functionError: 'Unhandled' } } });
  });

  it('defers a throttled try without counting it', async () => {
    const { dispatcher, save } = build({ answer: () => Promise.reject(new LambdaError('TooManyRequestsException', 'Rate Exceeded.')) });
    expect(await dispatcher.handle(event(), save)).toMatchObject({ retryAt: T0 + 2_000, event: { attempts: 0, deferrals: 1, lastDeferral: { status: 429 } } });
  });

  it('saves the settled event with its deliveries before sending them, then sends the record and the dead letter', async () => {
    const onFailure = 'arn:aws:sqs:us-east-1:000000000000:failures';
    const { dispatcher, saved, delivered, save } = build({
      answer: failing,
      resolved: async () => record({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:dlq' }),
      settings: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 21_600, onFailure },
    });
    expect(await dispatcher.handle(event(), save)).toBeUndefined();
    expect(saved).toHaveLength(1);
    expect(saved[0]?.stage).toMatchObject({ kind: 'settling', deliveries: [{ purpose: 'on-failure' }, { purpose: 'dead-letter' }] });
    expect(delivered.map((d) => d.purpose)).toEqual(['on-failure', 'dead-letter']);
  });

  it('resumes a settling event by sending its deliveries only, and keeps only those that failed for the next try', async () => {
    const deliveries: Delivery[] = [
      { kind: 'queue', purpose: 'on-failure', targetArn: 'arn:aws:sqs:us-east-1:0:a', body: '{}' },
      { kind: 'queue', purpose: 'dead-letter', targetArn: 'arn:aws:sqs:us-east-1:0:b', body: '{}' },
    ];
    const { dispatcher, executions, saved, delivered, save } = build({
      deliver: async (d) => {
        if (d.purpose === 'dead-letter') throw new Error('Redis went away');
      },
    });
    await expect(dispatcher.handle(event({ stage: { kind: 'settling', deliveries } }), save)).rejects.toThrow('Redis went away');
    expect(executions).toEqual([]);
    expect(delivered.map((d) => d.purpose)).toEqual(['on-failure']);
    expect(saved[0]?.stage).toEqual({ kind: 'settling', deliveries: [deliveries[1]] });
  });

  it('drops the event of a deleted function, and rethrows what is lambdock\'s own (to be tried again)', async () => {
    const gone = build({ resolved: () => Promise.reject(functionNotFound('arn')) });
    expect(await gone.dispatcher.handle(event(), gone.save)).toBeUndefined();
    expect(gone.executions).toEqual([]);
    const broken = build({ resolved: () => Promise.reject(new Error('READONLY')) });
    await expect(broken.dispatcher.handle(event(), broken.save)).rejects.toThrow('READONLY');
  });

  it('sends ZeroReservedConcurrency untried, and defers a function that is not Active yet', async () => {
    const zero = build({ reserved: 0, settings: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600, onFailure: 'arn:aws:sqs:us-east-1:0:f' } });
    expect(await zero.dispatcher.handle(event(), zero.save)).toBeUndefined();
    expect(zero.executions).toEqual([]);
    expect(JSON.parse((zero.delivered[0] as { body: string }).body)).toMatchObject({ requestContext: { condition: 'ZeroReservedConcurrency' } });
    const pending = build({ resolved: async () => record({ state: 'Pending' }) });
    expect(await pending.dispatcher.handle(event(), pending.save)).toMatchObject({ event: { deferrals: 1, lastDeferral: { status: 409 } } });
  });
});
