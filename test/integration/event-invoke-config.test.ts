import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  DeleteFunctionEventInvokeConfigCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  ListFunctionEventInvokeConfigsCommand,
  ListFunctionsCommand,
  PublishVersionCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionConfigurationCommand,
  UpdateFunctionEventInvokeConfigCommand,
  type PutFunctionEventInvokeConfigCommandInput,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsError } from '../helpers/lambda-error-of.js';
import { ROLE, startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { nodeZip } from '../helpers/zip.js';

let t: TestLambdock;
const ARN = (name: string, qualifier?: string) =>
  `arn:aws:lambda:us-east-1:000000000000:function:${name}${qualifier === undefined ? '' : `:${qualifier}`}`;
const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:dlq';
const OTHER_QUEUE = 'arn:aws:sqs:us-east-1:000000000000:other-dlq';
const ALIAS = 'eventinvokealias';
const code = () => nodeZip('exports.handler = async () => 1;');

beforeAll(async () => {
  t = await startTestLambdock();
  // `eic` has version 1 and an alias on it, as in AWS's recorded tests; `eic-dest` is a destination.
  await t.createFunction({ FunctionName: 'eic', Code: { ZipFile: await code() } });
  await t.client.send(new PublishVersionCommand({ FunctionName: 'eic' }));
  await t.client.send(new CreateAliasCommand({ FunctionName: 'eic', Name: ALIAS, FunctionVersion: '1' }));
  await t.createFunction({ FunctionName: 'eic-dest', Code: { ZipFile: await code() } });
});
afterAll(async () => {
  await t?.close();
});

const put = (input: Omit<PutFunctionEventInvokeConfigCommandInput, 'FunctionName'> & { FunctionName?: string }) =>
  t.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'eic', ...input }));
const get = (FunctionName: string, Qualifier?: string) => t.client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName, Qualifier }));
const remove = (FunctionName: string, Qualifier?: string) => t.client.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName, Qualifier }));
const noConfig = (name: string, qualifier: string) => `The function ${ARN(name, qualifier)} doesn't have an EventInvokeConfig`;

async function expectError(promise: Promise<unknown>, name: string, status: number, message: string | RegExp) {
  const error = await awsError(promise);
  expect(error.name).toBe(name);
  expect(error.$metadata.httpStatusCode).toBe(status);
  if (typeof message === 'string') expect(error.message).toBe(message);
  else expect(error.message).toMatch(message);
}

describe('EventInvokeConfig lifecycle', () => {
  it('puts, gets, replaces, updates, lists and deletes, in AWS shapes', async () => {
    const before = Date.now();
    const created = await put({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 });
    expect(created.$metadata.httpStatusCode).toBe(200);
    expect(created).toMatchObject({
      FunctionArn: ARN('eic', '$LATEST'),
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 60,
      DestinationConfig: { OnSuccess: {}, OnFailure: {} },
    });
    expect(created.LastModified).toBeInstanceOf(Date);
    expect(created.LastModified?.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);

    // Put replaces the whole config; Update merges into it.
    const replaced = await put({ MaximumRetryAttempts: 0 });
    expect(replaced.MaximumRetryAttempts).toBe(0);
    expect(replaced).not.toHaveProperty('MaximumEventAgeInSeconds');
    expect(await get('eic')).not.toHaveProperty('MaximumEventAgeInSeconds');
    await put({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 });
    const updated = await t.client.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'eic', MaximumRetryAttempts: 0 }));
    expect(updated).toMatchObject({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
    const again = await t.client.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'eic', MaximumRetryAttempts: 0 }));
    expect(again.$metadata.httpStatusCode).toBe(200);

    const withDestination = await put({ DestinationConfig: { OnSuccess: { Destination: ARN('eic-dest') }, OnFailure: { Destination: QUEUE } } });
    expect(withDestination.DestinationConfig).toEqual({ OnSuccess: { Destination: ARN('eic-dest') }, OnFailure: { Destination: QUEUE } });
    expect(withDestination).not.toHaveProperty('MaximumRetryAttempts');
    expect((await get('eic', '$LATEST')).DestinationConfig).toEqual(withDestination.DestinationConfig);

    // A destination config without a destination is a setting (recorded from AWS).
    const empty = await put({ DestinationConfig: { OnSuccess: {} } });
    expect(empty.DestinationConfig).toEqual({ OnSuccess: {}, OnFailure: {} });

    const deleted = await remove('eic');
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    await expectError(get('eic'), 'ResourceNotFoundException', 404, noConfig('eic', '$LATEST'));
  });

  it('keeps $LATEST, a version and an alias apart; lists them with paging', async () => {
    await put({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
    await put({ Qualifier: '1', MaximumRetryAttempts: 1 });
    await put({ FunctionName: ARN('eic', ALIAS), MaximumRetryAttempts: 2 });
    expect((await get('eic', '1')).MaximumRetryAttempts).toBe(1);
    expect((await get(`eic:${ALIAS}`)).MaximumRetryAttempts).toBe(2);
    expect((await get('eic')).MaximumRetryAttempts).toBe(0);

    const all = await t.client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'eic' }));
    expect(all.FunctionEventInvokeConfigs?.map((c) => [c.FunctionArn, c.MaximumRetryAttempts])).toEqual([
      [ARN('eic', '$LATEST'), 0],
      [ARN('eic', '1'), 1],
      [ARN('eic', ALIAS), 2],
    ]);
    expect(all).not.toHaveProperty('NextMarker');
    const first = await t.client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'eic', MaxItems: 2 }));
    expect(first.FunctionEventInvokeConfigs).toHaveLength(2);
    expect(first.NextMarker).toBeDefined();
    const rest = await t.client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'eic', Marker: first.NextMarker, MaxItems: 2 }));
    expect(rest.FunctionEventInvokeConfigs?.map((c) => c.FunctionArn)).toEqual([ARN('eic', ALIAS)]);
    expect(rest.NextMarker).toBeUndefined();
    await expectError(
      t.client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'eic', MaxItems: 51 })),
      'ValidationException',
      400,
      "1 validation error detected: Value '51' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 50",
    );

    for (const qualifier of ['$LATEST', '1', ALIAS]) expect((await remove('eic', qualifier)).$metadata.httpStatusCode).toBe(204);
    expect((await t.client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'eic' }))).FunctionEventInvokeConfigs).toEqual([]);
  });

  it('names qualifiers every way AWS accepts and refuses the conflicting ones (recorded matrix)', async () => {
    const derived = 'The derived qualifier from the function name does not match the specified qualifier.';
    const cases: Array<[string, string | undefined, string]> = [
      ['eic', undefined, '$LATEST'],
      ['eic', '$LATEST', '$LATEST'],
      ['eic', '1', '1'],
      ['eic', ALIAS, ALIAS],
      [ARN('eic', ALIAS), undefined, ALIAS],
      [ARN('eic', ALIAS), ALIAS, ALIAS],
      [`eic:${ALIAS}`, undefined, ALIAS],
      [`eic:${ALIAS}`, ALIAS, ALIAS],
      ['eic:1', undefined, '1'],
      ['eic:$LATEST', '$LATEST', '$LATEST'],
      [`000000000000:function:eic`, '1', '1'],
    ];
    for (const [FunctionName, Qualifier, expected] of cases) {
      expect((await put({ FunctionName, Qualifier, MaximumRetryAttempts: 1 })).FunctionArn).toBe(ARN('eic', expected));
    }
    for (const [FunctionName, Qualifier] of [
      [ARN('eic', ALIAS), 'eventinvokealiasdoesnotexist'],
      [`eic:${ALIAS}`, 'eventinvokealiasdoesnotexist'],
      ['eic:1', '$LATEST'],
      ['eic:$LATEST', '1'],
      ['eic:1', ALIAS],
    ] as const) {
      await expectError(put({ FunctionName, Qualifier, MaximumRetryAttempts: 1 }), 'InvalidParameterValueException', 400, derived);
    }
    await expectError(put({ Qualifier: 'eventinvokealiasdoesnotexist', MaximumRetryAttempts: 1 }), 'ResourceNotFoundException', 404, "The function doesn't exist.");
    for (const qualifier of ['$LATEST', '1', ALIAS]) await remove('eic', qualifier);
  });

  it('refuses what AWS refuses, with its messages, in its order', async () => {
    await expectError(put({ FunctionName: 'doesnotexist' }), 'InvalidParameterValueException', 400, 'You must specify at least one of error handling or destination setting.');
    await expectError(put({ FunctionName: 'doesnotexist', MaximumRetryAttempts: 1 }), 'ResourceNotFoundException', 404, "The function doesn't exist.");
    await expectError(put({ FunctionName: ARN('doesnotexist'), MaximumRetryAttempts: 1 }), 'ResourceNotFoundException', 404, "The function doesn't exist.");
    await expectError(
      put({ DestinationConfig: { OnSuccess: { Destination: ARN('doesnotexist') } } }),
      'InvalidParameterValueException',
      400,
      `The destination ARN ${ARN('doesnotexist')} is invalid.`,
    );
    await expectError(put({ DestinationConfig: { OnSuccess: { Destination: ARN('eic') } } }), 'InvalidParameterValueException', 400, "You can't specify the function as a destination for itself.");
    const iam = 'arn:aws:iam:us-east-1:000000000000:function:eic';
    await expectError(
      put({ DestinationConfig: { OnSuccess: { Destination: iam } } }),
      'InvalidParameterValueException',
      400,
      `The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=${iam}), onFailure=null) is invalid.`,
    );
    const bad = 'arn:aws:_-/!lambda:us-east-1:000000000000:function:eic';
    await expectError(
      put({ DestinationConfig: { OnFailure: { Destination: bad } } }),
      'ValidationException',
      400,
      `1 validation error detected: Value '${bad}' at 'destinationConfig.onFailure.destination' failed to satisfy constraint: Member must satisfy regular expression pattern: ` +
        '$|kafka://([^.]([a-zA-Z0-9\\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)',
    );
    await expectError(
      put({ MaximumRetryAttempts: 5 }),
      'ValidationException',
      400,
      "1 validation error detected: Value '5' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2",
    );
    await expectError(
      put({ MaximumEventAgeInSeconds: 21601 }),
      'ValidationException',
      400,
      "1 validation error detected: Value '21601' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value less than or equal to 21600",
    );

    await expectError(get('doesnotexist'), 'ResourceNotFoundException', 404, noConfig('doesnotexist', '$LATEST'));
    await expectError(get('eic', 'doesnotexist'), 'ResourceNotFoundException', 404, noConfig('eic', 'doesnotexist'));
    await expectError(remove('eic'), 'ResourceNotFoundException', 404, noConfig('eic', '$LATEST'));
    await expectError(remove('doesnotexist'), 'ResourceNotFoundException', 404, noConfig('doesnotexist', '$LATEST'));
    await expectError(t.client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'doesnotexist' })), 'ResourceNotFoundException', 404, "The function doesn't exist.");
    const update = (FunctionName: string) => t.client.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName, MaximumRetryAttempts: 0 }));
    await expectError(update('doesnotexist'), 'ResourceNotFoundException', 404, "The function doesn't exist.");
    await expectError(update(ARN('eic', ALIAS)), 'ResourceNotFoundException', 404, noConfig('eic', ALIAS));
    await expectError(update(ARN('eic')), 'ResourceNotFoundException', 404, noConfig('eic', '$LATEST'));
  });

  it('refuses destinations lambdock cannot deliver to yet, saying so', async () => {
    for (const [Destination, what] of [
      ['arn:aws:sns:us-east-1:000000000000:topic', /lambdock cannot deliver .* to SNS topics yet/],
      ['arn:aws:events:us-east-1:000000000000:event-bus/default', /EventBridge event buses yet/],
      ['arn:aws:s3:::bucket', /S3 buckets yet/],
      ['arn:aws:sqs:eu-west-1:000000000000:q', /its own queues/],
    ] as const) {
      await expectError(put({ DestinationConfig: { OnFailure: { Destination } } }), 'InvalidParameterValueException', 400, what);
    }
    await expectError(get('eic'), 'ResourceNotFoundException', 404, noConfig('eic', '$LATEST'));
  });

  it('PublishVersion does not copy the $LATEST config', async () => {
    await t.createFunction({ FunctionName: 'eic-publish', Code: { ZipFile: await code() } });
    await put({ FunctionName: 'eic-publish', MaximumRetryAttempts: 1 });
    const version = await t.client.send(new PublishVersionCommand({ FunctionName: 'eic-publish' }));
    await expectError(get('eic-publish', version.Version), 'ResourceNotFoundException', 404, noConfig('eic-publish', version.Version ?? '1'));
    expect((await get('eic-publish')).MaximumRetryAttempts).toBe(1);
  });

  it('removes a deleted version’s, alias’s and function’s configs', async () => {
    await t.createFunction({ FunctionName: 'eic-gone', Code: { ZipFile: await code() } });
    await t.client.send(new PublishVersionCommand({ FunctionName: 'eic-gone' }));
    await t.client.send(new CreateAliasCommand({ FunctionName: 'eic-gone', Name: 'live', FunctionVersion: '$LATEST' }));
    for (const Qualifier of ['$LATEST', '1', 'live']) await put({ FunctionName: 'eic-gone', Qualifier, MaximumRetryAttempts: 0 });

    await t.client.send(new DeleteAliasCommand({ FunctionName: 'eic-gone', Name: 'live' }));
    await t.client.send(new CreateAliasCommand({ FunctionName: 'eic-gone', Name: 'live', FunctionVersion: '$LATEST' }));
    await expectError(get('eic-gone', 'live'), 'ResourceNotFoundException', 404, noConfig('eic-gone', 'live'));
    await t.client.send(new DeleteFunctionCommand({ FunctionName: 'eic-gone', Qualifier: '1' }));
    await expectError(get('eic-gone', '1'), 'ResourceNotFoundException', 404, noConfig('eic-gone', '1'));

    await t.client.send(new DeleteFunctionCommand({ FunctionName: 'eic-gone' }));
    await t.createFunction({ FunctionName: 'eic-gone', Code: { ZipFile: await code() } });
    await expectError(get('eic-gone'), 'ResourceNotFoundException', 404, noConfig('eic-gone', '$LATEST'));
    expect((await t.client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'eic-gone' }))).FunctionEventInvokeConfigs).toEqual([]);
  });
});

describe('DeadLetterConfig', () => {
  it('is stored, returned everywhere, changed, cleared and locked into published versions', async () => {
    const created = await t.client.send(
      new CreateFunctionCommand({
        FunctionName: 'dlq-fn',
        Runtime: 'nodejs20.x',
        Role: ROLE,
        Handler: 'index.handler',
        Code: { ZipFile: await code() },
        DeadLetterConfig: { TargetArn: QUEUE },
      }),
    );
    expect(created.DeadLetterConfig).toEqual({ TargetArn: QUEUE });
    await t.waitUpdated('dlq-fn');
    expect((await t.client.send(new GetFunctionCommand({ FunctionName: 'dlq-fn' }))).Configuration?.DeadLetterConfig).toEqual({ TargetArn: QUEUE });
    expect((await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'dlq-fn' }))).DeadLetterConfig).toEqual({ TargetArn: QUEUE });
    const listed = await t.client.send(new ListFunctionsCommand({}));
    expect(listed.Functions?.find((f) => f.FunctionName === 'dlq-fn')?.DeadLetterConfig).toEqual({ TargetArn: QUEUE });

    const v1 = await t.client.send(new PublishVersionCommand({ FunctionName: 'dlq-fn' }));
    expect(v1.DeadLetterConfig).toEqual({ TargetArn: QUEUE });

    const changed = await t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'dlq-fn', DeadLetterConfig: { TargetArn: OTHER_QUEUE } }));
    expect(changed.DeadLetterConfig).toEqual({ TargetArn: OTHER_QUEUE });
    await t.waitUpdated('dlq-fn');
    // As recorded from AWS, `DeadLetterConfig: {}` leaves the target as it is.
    const untouched = await t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'dlq-fn', DeadLetterConfig: {} }));
    expect(untouched.DeadLetterConfig).toEqual({ TargetArn: OTHER_QUEUE });
    await t.waitUpdated('dlq-fn');
    const cleared = await t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'dlq-fn', DeadLetterConfig: { TargetArn: '' } }));
    expect(cleared.DeadLetterConfig).toBeUndefined();
    await t.waitUpdated('dlq-fn');
    expect((await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'dlq-fn' }))).DeadLetterConfig).toBeUndefined();

    // The published version keeps the target it was published with.
    expect((await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'dlq-fn', Qualifier: '1' }))).DeadLetterConfig).toEqual({ TargetArn: QUEUE });
    const v2 = await t.client.send(new PublishVersionCommand({ FunctionName: 'dlq-fn' }));
    expect(v2.Version).toBe('2');
    expect(v2.DeadLetterConfig).toBeUndefined();
  });

  it("refuses a malformed target with AWS's ResourceArn constraint, and an SNS topic clearly", async () => {
    await t.createFunction({ FunctionName: 'dlq-bad', Code: { ZipFile: await code() } });
    await expectError(
      t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'dlq-bad', DeadLetterConfig: { TargetArn: 'not-an-arn' } })),
      'ValidationException',
      400,
      "1 validation error detected: Value 'not-an-arn' at 'deadLetterConfig.targetArn' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()",
    );
    await expectError(
      t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'dlq-bad', DeadLetterConfig: { TargetArn: 'arn:aws:sns:us-east-1:000000000000:topic' } })),
      'InvalidParameterValueException',
      400,
      /cannot send failed asynchronous invocations to an SNS topic yet/,
    );
  });
});
