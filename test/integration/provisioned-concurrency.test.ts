import {
  CreateAliasCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  ListProvisionedConcurrencyConfigsCommand,
  PublishVersionCommand,
  PutProvisionedConcurrencyConfigCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { awsError } from '../helpers/lambda-error-of.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { nodeZip } from '../helpers/zip.js';

let t: TestLambdock;
const ARN = (qualifier: string) => `arn:aws:lambda:us-east-1:000000000000:function:pc:${qualifier}`;
const HANDLER = `const id = Math.random().toString(36).slice(2);
exports.handler = async (e) => {
  await new Promise((r) => setTimeout(r, e.ms ?? 0));
  return { id, type: process.env.AWS_LAMBDA_INITIALIZATION_TYPE };
};`;

const provisionedOf = (version: string) =>
  t.lambdock.pool.list().filter((s) => s.plan.functionName === 'pc' && s.plan.version === version && s.plan.provisioned === true && s.currentState.kind !== 'Removing');

beforeAll(async () => {
  // Idle environments go after 1.5 s here: provisioned ones must not.
  t = await startTestLambdock({ LAMBDOCK_IDLE_TIMEOUT_MS: '1500', LAMBDOCK_PAUSE_GRACE_MS: '50' });
  await t.createFunction({ FunctionName: 'pc', Code: { ZipFile: await nodeZip(HANDLER) }, Timeout: 10 });
  await t.client.send(new PublishVersionCommand({ FunctionName: 'pc' }));
  await t.client.send(new CreateAliasCommand({ FunctionName: 'pc', Name: 'LIVE', FunctionVersion: '1' }));
});
afterAll(async () => {
  await t?.close();
});

const invoke = async (ms: number) => {
  const out = await t.invoke({ FunctionName: 'pc', Qualifier: 'LIVE', LogType: 'Tail', Payload: Buffer.from(JSON.stringify({ ms })) });
  expect(out.FunctionError).toBeUndefined();
  return { ...(out.json() as { id: string; type: string }), report: out.logs.split('\n').find((l) => l.startsWith('REPORT')) ?? '' };
};

describe('provisioned concurrency', () => {
  it('initialises the environments ahead of invocations and reports READY once all are', async () => {
    const put = await t.client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'LIVE', ProvisionedConcurrentExecutions: 2 }));
    expect(put.$metadata.httpStatusCode).toBe(202);
    expect(put).toMatchObject({ RequestedProvisionedConcurrentExecutions: 2, AllocatedProvisionedConcurrentExecutions: 0, Status: 'IN_PROGRESS' });
    await vi.waitFor(
      async () => expect((await t.client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'LIVE' }))).Status).toBe('READY'),
      { timeout: 30_000, interval: 250 },
    );
    const ready = await t.client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'LIVE' }));
    expect(ready).toMatchObject({ RequestedProvisionedConcurrentExecutions: 2, AllocatedProvisionedConcurrentExecutions: 2, AvailableProvisionedConcurrentExecutions: 2 });
    expect(provisionedOf('1')).toHaveLength(2);
    const listed = await t.client.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'pc' }));
    expect(listed.ProvisionedConcurrencyConfigs?.map((c) => [c.FunctionArn, c.Status])).toEqual([[ARN('LIVE'), 'READY']]);
  });

  it('serves invocations on them first, with no Init Duration; a third at once cold-starts as usual', async () => {
    const [a, b, c] = await Promise.all([invoke(1_500), invoke(1_500), invoke(1_500)]);
    const provisioned = [a, b, c].filter((r) => r?.type === 'provisioned-concurrency');
    expect(provisioned).toHaveLength(2);
    for (const r of provisioned) expect(r.report).not.toContain('Init Duration');
    const spill = [a, b, c].find((r) => r?.type === 'on-demand');
    expect(spill?.report).toContain('Init Duration');
  });

  it('never removes them for idleness (an on-demand environment goes after the keep-alive)', async () => {
    const ids = provisionedOf('1').map((s) => s.id).sort();
    await vi.waitFor(() => expect(t.lambdock.pool.list().filter((s) => s.plan.functionName === 'pc').length).toBe(2), { timeout: 15_000, interval: 200 });
    expect(provisionedOf('1').map((s) => s.id).sort()).toEqual(ids);
  });

  it('refuses what AWS refuses, with its messages', async () => {
    const cases: Array<[string | undefined, number, string, string]> = [
      ['$LATEST', 1, 'InvalidParameterValueException', 'Provisioned Concurrency Configs cannot be applied to unpublished function versions.'],
      ['1', 0, 'ValidationException', "1 validation error detected: Value '0' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 1"],
      ['nope', 1, 'ResourceNotFoundException', `Cannot find alias arn: ${ARN('nope')}`],
      ['9', 1, 'ResourceNotFoundException', `Function not found: ${ARN('9')}`],
      ['1', 1, 'ResourceConflictException', 'Version is pointed by a Provisioned Concurrency alias'],
    ];
    for (const [qualifier, value, name, message] of cases) {
      const error = await awsError(t.client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: qualifier, ProvisionedConcurrentExecutions: value })));
      expect([error.name, error.message]).toEqual([name, message]);
    }
    const missing = await awsError(t.client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1' })));
    expect([missing.name, missing.message, missing.$metadata.httpStatusCode]).toEqual([
      'ProvisionedConcurrencyConfigNotFoundException',
      'No Provisioned Concurrency Config found for this function',
      404,
    ]);
    const latest = await awsError(t.client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '$LATEST' })));
    expect(latest.message).toBe('The function resource provided must be an alias or a published version.');
  });

  it('retires them once the configuration is deleted', async () => {
    const deleted = await t.client.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'LIVE' }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    await vi.waitFor(() => expect(provisionedOf('1')).toHaveLength(0), { timeout: 10_000, interval: 100 });
    expect((await t.client.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'pc' }))).ProvisionedConcurrencyConfigs).toEqual([]);
    // Deleting one that does not exist succeeds.
    await t.client.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'LIVE' }));
    expect((await t.client.send(new InvokeCommand({ FunctionName: 'pc', Qualifier: 'LIVE' }))).FunctionError).toBeUndefined();
  });
});
