import { describe, expect, it } from 'vitest';
import type { AsyncEvent } from './async-event.js';
import { buildDeadLetter, buildDeliveries, buildInvocationRecord } from './invocation-record.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST';
const NOW = new Date('2019-11-14T18:16:05.568Z');
const base: AsyncEvent = {
  requestId: 'e4b46cbf-b738-4880-a18c-df61200e0000',
  functionName: 'fn',
  payload: '{"raise_error": 1}',
  acceptedAt: 0,
  attempts: 3,
  deferrals: 0,
  lastAnswer: { executedVersion: '$LATEST', functionError: 'Unhandled', payload: '{"errorMessage":"Test exception","errorType":"Error"}' },
  stage: { kind: 'queued' },
};

describe('invocation records and dead letters', () => {
  it("renders AWS's failure record: compact, in AWS's key order, the payloads embedded as JSON", () => {
    expect(buildInvocationRecord(base, 'RetriesExhausted', ARN, NOW)).toBe(
      '{"version":"1.0","timestamp":"2019-11-14T18:16:05.568Z","requestContext":{"requestId":"e4b46cbf-b738-4880-a18c-df61200e0000",' +
        `"functionArn":"${ARN}","condition":"RetriesExhausted","approximateInvokeCount":3},"requestPayload":{"raise_error": 1},` +
        '"responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},' +
        '"responsePayload":{"errorMessage":"Test exception","errorType":"Error"}}',
    );
  });

  it('renders a success record without functionError, a scalar response as it is, and a non-JSON response as a string', () => {
    const ok = { ...base, attempts: 1, lastAnswer: { executedVersion: '3', payload: '100' } };
    const record = JSON.parse(buildInvocationRecord(ok, 'Success', ARN, NOW)) as Record<string, unknown>;
    expect(record.responseContext).toEqual({ statusCode: 200, executedVersion: '3' });
    expect(record.responsePayload).toBe(100);
    const text = { ...ok, lastAnswer: { executedVersion: '$LATEST', payload: 'not json' } };
    expect((JSON.parse(buildInvocationRecord(text, 'Success', ARN, NOW)) as Record<string, unknown>).responsePayload).toBe('not json');
  });

  it('leaves out the response for ZeroReservedConcurrency, as AWS does', () => {
    const untried = { ...base, attempts: 0, payload: '{}' };
    delete untried.lastAnswer;
    expect(JSON.parse(buildInvocationRecord(untried, 'ZeroReservedConcurrency', ARN, NOW))).toEqual({
      version: '1.0',
      timestamp: NOW.toISOString(),
      requestContext: { requestId: base.requestId, functionArn: ARN, condition: 'ZeroReservedConcurrency', approximateInvokeCount: 0 },
      requestPayload: {},
    });
  });

  it("sends the original bytes to a dead-letter queue with AWS's RequestID, ErrorCode (Number 200) and ErrorMessage", () => {
    expect(buildDeadLetter(base, 'RetriesExhausted', 'arn:aws:sqs:us-east-1:000000000000:dlq')).toEqual({
      kind: 'queue',
      purpose: 'dead-letter',
      targetArn: 'arn:aws:sqs:us-east-1:000000000000:dlq',
      body: '{"raise_error": 1}',
      attributes: {
        RequestID: { DataType: 'String', StringValue: base.requestId },
        ErrorCode: { DataType: 'Number', StringValue: '200' },
        ErrorMessage: { DataType: 'String', StringValue: 'Test exception' },
      },
    });
  });

  it('keeps the first 1 KB of a long error message, not cutting a character', () => {
    const long = { ...base, lastAnswer: { executedVersion: '$LATEST', functionError: 'Unhandled' as const, payload: JSON.stringify({ errorMessage: 'é'.repeat(600) }) } };
    const letter = buildDeadLetter(long, 'RetriesExhausted', 'arn:aws:sqs:us-east-1:0:q');
    expect(letter.kind === 'queue' ? letter.attributes?.ErrorMessage?.StringValue : undefined).toBe('é'.repeat(512));
  });

  it('sends a success to OnSuccess only, a failure to OnFailure and the dead-letter queue; a Lambda target gets the record as its payload', () => {
    const targets = { onSuccess: 'arn:aws:sqs:us-east-1:0:ok', onFailure: 'arn:aws:lambda:us-east-1:0:function:handler', deadLetter: 'arn:aws:sqs:us-east-1:0:dlq' };
    const ok = { ...base, lastAnswer: { executedVersion: '$LATEST', payload: '1' } };
    expect(buildDeliveries(ok, 'Success', targets, ARN, NOW).map((d) => [d.kind, d.purpose, d.targetArn])).toEqual([['queue', 'on-success', targets.onSuccess]]);
    const failed = buildDeliveries(base, 'RetriesExhausted', targets, ARN, NOW);
    expect(failed.map((d) => [d.kind, d.purpose, d.targetArn])).toEqual([
      ['function', 'on-failure', targets.onFailure],
      ['queue', 'dead-letter', targets.deadLetter],
    ]);
    expect(failed[0]?.kind === 'function' && JSON.parse(failed[0].payload)).toMatchObject({ requestContext: { condition: 'RetriesExhausted' } });
    expect(buildDeliveries(ok, 'Success', {}, ARN, NOW)).toEqual([]);
  });

  it('trims a record to its contexts, for a destination that refuses it whole', () => {
    expect(JSON.parse(buildInvocationRecord(base, 'RetriesExhausted', ARN, NOW, { payloads: false }))).toEqual({
      version: '1.0',
      timestamp: NOW.toISOString(),
      requestContext: { requestId: base.requestId, functionArn: ARN, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    });
    const [delivery] = buildDeliveries(base, 'RetriesExhausted', { onFailure: 'arn:aws:sqs:us-east-1:0:q' }, ARN, NOW);
    expect(delivery?.trimmed).toBe(buildInvocationRecord(base, 'RetriesExhausted', ARN, NOW, { payloads: false }));
  });
});
