import {
  AddPermissionCommand,
  CreateAliasCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  GetPolicyCommand,
  PublishVersionCommand,
  RemovePermissionCommand,
  type AddPermissionCommandInput,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsError } from '../helpers/lambda-error-of.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { nodeZip } from '../helpers/zip.js';

let t: TestLambdock;
const ARN = (name: string, qualifier?: string) =>
  `arn:aws:lambda:us-east-1:000000000000:function:${name}${qualifier === undefined ? '' : `:${qualifier}`}`;
const BUCKET = 'arn:aws:s3:::test-bucket';
const ALIAS = 'permission-alias';
const code = () => nodeZip('exports.handler = async () => 1;');
const NO_RESOURCE = 'The resource you requested does not exist.';

beforeAll(async () => {
  t = await startTestLambdock();
  // `pol` has version 1 and an alias on it, as in AWS's recorded tests.
  await t.createFunction({ FunctionName: 'pol', Code: { ZipFile: await code() } });
  await t.client.send(new PublishVersionCommand({ FunctionName: 'pol' }));
  await t.client.send(new CreateAliasCommand({ FunctionName: 'pol', Name: ALIAS, FunctionVersion: '1' }));
});
afterAll(async () => {
  await t?.close();
});

type AddInput = Partial<AddPermissionCommandInput>;
const add = (input: AddInput) =>
  t.client.send(
    new AddPermissionCommand({ FunctionName: 'pol', StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', ...input }),
  );
const getPolicy = (FunctionName: string, Qualifier?: string) => t.client.send(new GetPolicyCommand({ FunctionName, Qualifier }));
const remove = (StatementId: string, options: { FunctionName?: string; Qualifier?: string; RevisionId?: string } = {}) =>
  t.client.send(new RemovePermissionCommand({ FunctionName: 'pol', StatementId, ...options }));
const s3Statement = (sid: string, resource: string) => ({
  Sid: sid,
  Effect: 'Allow',
  Principal: { Service: 's3.amazonaws.com' },
  Action: 'lambda:InvokeFunction',
  Resource: resource,
  Condition: { ArnLike: { 'AWS:SourceArn': BUCKET } },
});

async function expectError(promise: Promise<unknown>, name: string, status: number, message: string) {
  const error = await awsError(promise);
  expect(error.name).toBe(name);
  expect(error.$metadata.httpStatusCode).toBe(status);
  expect(error.message).toBe(message);
}

describe('resource-based policies of $LATEST, a version and an alias', () => {
  it('adds, gets and removes statements of $LATEST in AWS shapes', async () => {
    const added = await add({ SourceArn: BUCKET });
    expect(added.$metadata.httpStatusCode).toBe(201);
    expect(added.Statement).toBe(JSON.stringify(s3Statement('s3', ARN('pol'))));
    const first = await getPolicy('pol');
    expect(first.$metadata.httpStatusCode).toBe(200);
    expect(first.Policy).toBe(JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: [s3Statement('s3', ARN('pol'))] }));
    expect(first.RevisionId).toMatch(/^[0-9a-f-]{36}$/);
    // Publishing a version neither copies the policy nor changes its RevisionId (recorded from AWS).
    await t.client.send(new PublishVersionCommand({ FunctionName: 'pol' }));
    await expectError(getPolicy('pol', '2'), 'ResourceNotFoundException', 404, NO_RESOURCE);
    expect((await getPolicy('pol')).RevisionId).toBe(first.RevisionId);
    expect((await getPolicy(ARN('pol', '$LATEST'))).RevisionId).toBe(first.RevisionId);

    await add({ StatementId: 's3_2', SourceArn: BUCKET, RevisionId: first.RevisionId });
    const second = await getPolicy('pol');
    expect(second.RevisionId).not.toBe(first.RevisionId);
    expect(JSON.parse(second.Policy ?? '').Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['s3', 's3_2']);
    await expectError(
      add({ StatementId: 's3_3', RevisionId: first.RevisionId }),
      'PreconditionFailedException',
      412,
      'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id',
    );
    await expectError(
      remove('s3', { RevisionId: first.RevisionId }),
      'PreconditionFailedException',
      412,
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    );
    await expectError(remove('non-existent'), 'ResourceNotFoundException', 404, 'Statement non-existent is not found in resource policy.');
    expect((await remove('s3_2', { RevisionId: second.RevisionId })).$metadata.httpStatusCode).toBe(204);
    expect(JSON.parse((await getPolicy('pol')).Policy ?? '').Statement).toEqual([s3Statement('s3', ARN('pol'))]);
    await remove('s3');
    await expectError(getPolicy('pol'), 'ResourceNotFoundException', 404, NO_RESOURCE);
    await expectError(remove('s3'), 'ResourceNotFoundException', 404, 'No policy is associated with the given resource.');
  });

  it('keeps separate policies for a version and an alias, the same StatementId in each', async () => {
    await add({ SourceArn: BUCKET });
    await add({ FunctionName: 'pol:1', Qualifier: '1', SourceArn: BUCKET });
    const version = await getPolicy('pol', '1');
    expect(JSON.parse(version.Policy ?? '').Statement).toEqual([s3Statement('s3', ARN('pol', '1'))]);
    await expectError(
      add({ Qualifier: ALIAS, RevisionId: 'wrong', SourceArn: BUCKET }),
      'PreconditionFailedException',
      412,
      'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id',
    );
    await add({ FunctionName: `pol:${ALIAS}`, Qualifier: ALIAS, SourceArn: BUCKET });
    expect(JSON.parse((await getPolicy(ARN('pol', ALIAS))).Policy ?? '').Statement).toEqual([s3Statement('s3', ARN('pol', ALIAS))]);
    expect(JSON.parse((await getPolicy('pol')).Policy ?? '').Statement).toEqual([s3Statement('s3', ARN('pol'))]);
    await remove('s3', { Qualifier: '1' });
    await expectError(getPolicy('pol', '1'), 'ResourceNotFoundException', 404, NO_RESOURCE);
    expect(JSON.parse((await getPolicy('pol', ALIAS)).Policy ?? '').Statement).toHaveLength(1);
  });

  it('builds principals and conditions as AWS does', async () => {
    const statementOf = async (input: AddInput) => JSON.parse((await add(input)).Statement ?? '') as Record<string, unknown>;
    expect(await statementOf({ StatementId: 'wildcard', Principal: '*', SourceAccount: '000000000000' })).toMatchObject({
      Principal: '*',
      Condition: { StringEquals: { 'AWS:SourceAccount': '000000000000' } },
    });
    const account = await statementOf({ StatementId: 'account-id', Principal: '111111111111' });
    expect(account.Principal).toEqual({ AWS: 'arn:aws:iam::111111111111:root' });
    expect(account).not.toHaveProperty('Condition');
    const url = await statementOf({
      StatementId: 'urlPermission',
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      SourceArn: BUCKET,
      SourceAccount: '000000000000',
      PrincipalOrgID: 'o-1234567890',
      FunctionUrlAuthType: 'NONE',
    });
    expect(JSON.stringify(url.Condition)).toBe(
      JSON.stringify({
        StringEquals: { 'AWS:SourceAccount': '000000000000', 'lambda:FunctionUrlAuthType': 'NONE', 'aws:PrincipalOrgID': 'o-1234567890' },
        ArnLike: { 'AWS:SourceArn': BUCKET },
      }),
    );
    expect(await statementOf({ StatementId: 'alexaSkill', Principal: '*', EventSourceToken: 'amzn1.ask.skill.xxxxxxxxx-xxxx' })).toMatchObject({
      Condition: { StringEquals: { 'lambda:EventSourceToken': 'amzn1.ask.skill.xxxxxxxxx-xxxx' } },
    });
    expect(await statementOf({ StatementId: 'viaUrl', Principal: '*', InvokedViaFunctionUrl: true })).toMatchObject({
      Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } },
    });
    for (const sid of ['wildcard', 'account-id', 'urlPermission', 'alexaSkill', 'viaUrl']) await remove(sid);
  });
});

describe('AddPermission, RemovePermission and GetPolicy errors, in AWS words', () => {
  it('refuses what AWS refuses', async () => {
    await expectError(
      add({ StatementId: 'example.com' }),
      'ValidationException',
      400,
      "1 validation error detected: Value 'example.com' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)",
    );
    await expectError(
      add({ FunctionName: 'pol:alias-not-42', Qualifier: '42' }),
      'InvalidParameterValueException',
      400,
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
    await expectError(
      add({ FunctionName: 'pol:$LATEST', Qualifier: '$LATEST' }),
      'InvalidParameterValueException',
      400,
      'We currently do not support adding policies for $LATEST.',
    );
    await expectError(
      add({ StatementId: 'lambda', Principal: 'invalid.nonaws.com' }),
      'InvalidParameterValueException',
      400,
      'The provided principal was invalid. Please check the principal and try again.',
    );
    await expectError(getPolicy('doesnotexist'), 'ResourceNotFoundException', 404, NO_RESOURCE);
    await expectError(getPolicy('pol', '77'), 'ResourceNotFoundException', 404, NO_RESOURCE);
    await expectError(add({ FunctionName: 'doesnotexist' }), 'ResourceNotFoundException', 404, `Function not found: ${ARN('doesnotexist')}`);
    await expectError(
      add({ FunctionName: 'pol:alias-doesnotexist' }),
      'ResourceNotFoundException',
      404,
      `Cannot find alias arn: ${ARN('pol', 'alias-doesnotexist')}`,
    );
    await expectError(add({ Qualifier: '42' }), 'ResourceNotFoundException', 404, `Function not found: ${ARN('pol', '42')}`);
    await expectError(
      add({ Qualifier: 'invalid-qualifier-with-?-char' }),
      'ValidationException',
      400,
      "1 validation error detected: Value 'invalid-qualifier-with-?-char' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: \\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+",
    );
    await expectError(
      add({ Qualifier: 'valid-with-$-but-doesnotexist' }),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN('pol', 'valid-with-$-but-doesnotexist')}`,
    );
    await add({ StatementId: 'dup' });
    await expectError(
      add({ StatementId: 'dup' }),
      'ResourceConflictException',
      409,
      'The statement id (dup) provided already exists. Please provide a new statement id, or remove the existing statement.',
    );
    await remove('dup');
    await expectError(remove('s3', { FunctionName: 'doesnotexist' }), 'ResourceNotFoundException', 404, `No policy found for: ${ARN('doesnotexist')}`);
    await expectError(
      remove('s3', { Qualifier: 'alias-doesnotexist' }),
      'ResourceNotFoundException',
      404,
      `Cannot find alias arn: ${ARN('pol', 'alias-doesnotexist')}`,
    );
  });
});

describe('policies go with their function, version and alias', () => {
  it('a deleted version, alias or function takes its policy along', async () => {
    await t.createFunction({ FunctionName: 'pol-gone', Code: { ZipFile: await code() } });
    await t.client.send(new PublishVersionCommand({ FunctionName: 'pol-gone' }));
    await t.client.send(new CreateAliasCommand({ FunctionName: 'pol-gone', Name: 'live', FunctionVersion: '1' }));
    for (const Qualifier of [undefined, '1', 'live']) await add({ FunctionName: 'pol-gone', Qualifier });

    await t.client.send(new DeleteAliasCommand({ FunctionName: 'pol-gone', Name: 'live' }));
    await t.client.send(new CreateAliasCommand({ FunctionName: 'pol-gone', Name: 'live', FunctionVersion: '1' }));
    await expectError(getPolicy('pol-gone', 'live'), 'ResourceNotFoundException', 404, NO_RESOURCE);
    expect((await getPolicy('pol-gone', '1')).Policy).toBeDefined();

    await t.client.send(new DeleteAliasCommand({ FunctionName: 'pol-gone', Name: 'live' }));
    await t.client.send(new DeleteFunctionCommand({ FunctionName: 'pol-gone', Qualifier: '1' }));
    await expectError(getPolicy('pol-gone', '1'), 'ResourceNotFoundException', 404, NO_RESOURCE);
    expect((await getPolicy('pol-gone')).Policy).toBeDefined();

    // The function goes with the policies of $LATEST and of a version it still has.
    await t.client.send(new PublishVersionCommand({ FunctionName: 'pol-gone', Description: 'two' }));
    await add({ FunctionName: 'pol-gone', Qualifier: '2' });
    await t.client.send(new DeleteFunctionCommand({ FunctionName: 'pol-gone' }));
    await t.createFunction({ FunctionName: 'pol-gone', Code: { ZipFile: await code() } });
    await expectError(getPolicy('pol-gone'), 'ResourceNotFoundException', 404, NO_RESOURCE);
    await t.client.send(new PublishVersionCommand({ FunctionName: 'pol-gone' }));
    await t.client.send(new PublishVersionCommand({ FunctionName: 'pol-gone', Description: 'two' }));
    await expectError(getPolicy('pol-gone', '2'), 'ResourceNotFoundException', 404, NO_RESOURCE);
  });
});
