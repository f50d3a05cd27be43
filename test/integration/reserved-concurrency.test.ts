import {
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  InvokeCommand,
  LambdaServiceException,
  PutFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsError } from '../helpers/lambda-error-of.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { nodeZip } from '../helpers/zip.js';

let t: TestLambdock;
const ARN = (name: string, qualifier?: string) =>
  `arn:aws:lambda:us-east-1:000000000000:function:${name}${qualifier === undefined ? '' : `:${qualifier}`}`;
const SLEEPER = `const id = Math.random().toString(36).slice(2);
exports.handler = async (event) => { await new Promise((r) => setTimeout(r, event.ms ?? 0)); return id; };`;

beforeAll(async () => {
  t = await startTestLambdock({ LAMBDOCK_ACCOUNT_CONCURRENCY: '1000' });
  await t.createFunction({ FunctionName: 'limited', Code: { ZipFile: await nodeZip(SLEEPER) }, Timeout: 10 });
});
afterAll(async () => {
  await t?.close();
});

const call = (name: string, ms: number) =>
  t.client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify({ ms })) })).then(
    (out) => ({ ok: true as const, body: Buffer.from(out.Payload ?? []).toString() }),
    (error: unknown) => ({ ok: false as const, error: error as LambdaServiceException & { Reason?: string } }),
  );

describe('reserved concurrency', () => {
  it('runs as many at once as reserved and throttles the rest with AWS\'s reason', async () => {
    const put = await t.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'limited', ReservedConcurrentExecutions: 2 }));
    expect(put.ReservedConcurrentExecutions).toBe(2);
    const results = await Promise.all([0, 1, 2, 3].map(() => call('limited', 1000)));
    const answered = results.filter((r) => r.ok);
    const throttled = results.filter((r) => !r.ok);
    expect(answered).toHaveLength(2);
    expect(throttled).toHaveLength(2);
    for (const r of throttled) {
      if (r.ok) continue;
      expect(r.error.name).toBe('TooManyRequestsException');
      expect(r.error.$metadata.httpStatusCode).toBe(429);
      expect(r.error.message).toBe('Rate Exceeded.');
      expect(r.error.Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    }
    // Once they are over, the slots are free again. An invocation holds its slot until its environment is
    // free (the runtime has asked for its next event and the lease is given back): a moment after its answer.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const again = await Promise.all([call('limited', 0), call('limited', 0)]);
    expect(again.every((r) => r.ok)).toBe(true);
  });

  it('shows the reservation in GetFunctionConcurrency, GetFunction and the account settings, until deleted', async () => {
    await t.client.send(new PutFunctionConcurrencyCommand({ FunctionName: ARN('limited'), ReservedConcurrentExecutions: 7 }));
    expect((await t.client.send(new GetFunctionConcurrencyCommand({ FunctionName: 'limited' }))).ReservedConcurrentExecutions).toBe(7);
    expect((await t.client.send(new GetFunctionCommand({ FunctionName: 'limited' }))).Concurrency).toEqual({ ReservedConcurrentExecutions: 7 });
    expect((await t.client.send(new GetFunctionCommand({ FunctionName: 'limited', Qualifier: '$LATEST' }))).Concurrency).toBeUndefined();
    const settings = await t.client.send(new GetAccountSettingsCommand({}));
    expect(settings.AccountLimit).toMatchObject({ ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 993 });

    const deleted = await t.client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'limited' }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect((await t.client.send(new GetFunctionConcurrencyCommand({ FunctionName: 'limited' }))).ReservedConcurrentExecutions).toBeUndefined();
    expect((await t.client.send(new GetFunctionCommand({ FunctionName: 'limited' }))).Concurrency).toBeUndefined();
    expect((await t.client.send(new GetAccountSettingsCommand({}))).AccountLimit?.UnreservedConcurrentExecutions).toBe(1000);
  });

  it('throttles every invocation when 0 is reserved', async () => {
    await t.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'limited', ReservedConcurrentExecutions: 0 }));
    const result = await call('limited', 0);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    await t.client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'limited' }));
    expect((await call('limited', 0)).ok).toBe(true);
  });

  it('refuses what AWS refuses, with its messages', async () => {
    const floor = await awsError(t.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'limited', ReservedConcurrentExecutions: 901 })));
    expect(floor.name).toBe('InvalidParameterValueException');
    expect(floor.message).toBe(
      "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
    );
    await t.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'limited', ReservedConcurrentExecutions: 900 }));
    await t.client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'limited' }));

    for (const name of [ARN('limited', '$LATEST'), 'limited:1']) {
      const qualified = await awsError(t.client.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 1 })));
      expect(qualified.name).toBe('InvalidParameterValueException');
      expect(qualified.message).toBe(
        'This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.',
      );
    }
    const missing = await awsError(t.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'nope', ReservedConcurrentExecutions: 1 })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.message).toBe(`Function not found: ${ARN('nope', '$LATEST')}`);
    const negative = await awsError(t.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'limited', ReservedConcurrentExecutions: -1 })));
    expect(negative.name).toBe('ValidationException');
    expect(negative.message).toBe(
      "1 validation error detected: Value '-1' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 0",
    );
    const gone = await awsError(t.client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'nope' })));
    expect(gone.message).toBe(`Function not found: ${ARN('nope')}`);
  });

  it('forgets a deleted function\'s reservation', async () => {
    await t.createFunction({ FunctionName: 'brief', Code: { ZipFile: await nodeZip(SLEEPER) } });
    await t.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'brief', ReservedConcurrentExecutions: 50 }));
    expect((await t.client.send(new GetAccountSettingsCommand({}))).AccountLimit?.UnreservedConcurrentExecutions).toBe(950);
    await t.client.send(new DeleteFunctionCommand({ FunctionName: 'brief' }));
    expect((await t.client.send(new GetAccountSettingsCommand({}))).AccountLimit?.UnreservedConcurrentExecutions).toBe(1000);
  });
});
