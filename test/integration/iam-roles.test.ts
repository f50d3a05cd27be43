import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  DeletePolicyCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IamService } from '../../src/iam/iam-service.js';
import { RedisIamStore } from '../../src/iam/store/redis-iam-store.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

let t: TestLambdock;
let iam: IAMClient;

beforeAll(async () => {
  t = await startTestLambdock();
  iam = new IAMClient({ endpoint: t.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
});
afterAll(async () => {
  iam?.destroy();
  await t?.close();
});

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const LOGS = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }] });

/** The error the SDK throws: its name (IAM's code), message and HTTP status. */
async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('the request succeeded');
}

describe('IAM roles and policies through @aws-sdk/client-iam', () => {
  it('creates, gets, lists and deletes a role, in IAM’s shapes', async () => {
    const created = await iam.send(new CreateRoleCommand({ RoleName: 'fn-role', AssumeRolePolicyDocument: TRUST, Path: '/service/', Description: 'for tests' }));
    expect(created.Role).toMatchObject({ RoleName: 'fn-role', Path: '/service/', Arn: 'arn:aws:iam::000000000000:role/service/fn-role', Description: 'for tests' });
    expect(created.Role?.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
    expect(created.Role?.CreateDate).toBeInstanceOf(Date);
    expect(decodeURIComponent(created.Role?.AssumeRolePolicyDocument ?? '')).toBe(TRUST);

    const got = await iam.send(new GetRoleCommand({ RoleName: 'fn-role' }));
    expect(got.Role).toMatchObject({ RoleName: 'fn-role', RoleId: created.Role?.RoleId, MaxSessionDuration: 3600 });
    expect(got.Role?.AssumeRolePolicyDocument).toBe(encodeURIComponent(TRUST));

    await iam.send(new CreateRoleCommand({ RoleName: 'other-role', AssumeRolePolicyDocument: TRUST }));
    const listed = await iam.send(new ListRolesCommand({}));
    expect(listed.Roles?.map((r) => r.RoleName)).toEqual(['fn-role', 'other-role']);
    expect(listed.IsTruncated).toBe(false);
    const first = await iam.send(new ListRolesCommand({ MaxItems: 1 }));
    expect(first).toMatchObject({ IsTruncated: true, Roles: [{ RoleName: 'fn-role' }] });
    const second = await iam.send(new ListRolesCommand({ MaxItems: 1, Marker: first.Marker }));
    expect(second).toMatchObject({ IsTruncated: false, Roles: [{ RoleName: 'other-role' }] });
    expect((await iam.send(new ListRolesCommand({ PathPrefix: '/service/' }))).Roles?.map((r) => r.RoleName)).toEqual(['fn-role']);

    await iam.send(new DeleteRoleCommand({ RoleName: 'other-role' }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'fn-role' }));
    expect((await iam.send(new ListRolesCommand({}))).Roles).toEqual([]);
  });

  it('answers IAM’s errors: NoSuchEntity, EntityAlreadyExists (names ignore case), MalformedPolicyDocument, ValidationError', async () => {
    expect(await failure(iam.send(new GetRoleCommand({ RoleName: 'missing' })))).toEqual({ name: 'NoSuchEntityException', message: 'The role with name missing cannot be found.', status: 404 });
    await iam.send(new CreateRoleCommand({ RoleName: 'Dup', AssumeRolePolicyDocument: TRUST }));
    expect(await failure(iam.send(new CreateRoleCommand({ RoleName: 'dup', AssumeRolePolicyDocument: TRUST })))).toEqual({
      name: 'EntityAlreadyExistsException',
      message: 'Role with name dup already exists.',
      status: 409,
    });
    expect(await failure(iam.send(new CreateRoleCommand({ RoleName: 'bad', AssumeRolePolicyDocument: '{"Version":' })))).toEqual({
      name: 'MalformedPolicyDocumentException',
      message: 'This policy contains invalid Json',
      status: 400,
    });
    expect(await failure(iam.send(new PutRolePolicyCommand({ RoleName: 'Dup', PolicyName: 'p', PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:*' }] }) })))).toEqual({
      name: 'MalformedPolicyDocumentException',
      message: 'Policy statement must contain resources.',
      status: 400,
    });
    expect(await failure(iam.send(new CreateRoleCommand({ RoleName: 'bad/name', AssumeRolePolicyDocument: TRUST })))).toMatchObject({
      name: 'ValidationError',
      message: "1 validation error detected: Value 'bad/name' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
      status: 400,
    });
    await iam.send(new DeleteRoleCommand({ RoleName: 'DUP' }));
  });

  it('puts, gets, lists and deletes inline policies; a role with one cannot be deleted', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'inline-role', AssumeRolePolicyDocument: TRUST }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'inline-role', PolicyName: 'logs', PolicyDocument: LOGS }));
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'inline-role', PolicyName: 'logs' }));
    expect(got).toMatchObject({ RoleName: 'inline-role', PolicyName: 'logs', PolicyDocument: encodeURIComponent(LOGS) });
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'inline-role' }))).PolicyNames).toEqual(['logs']);
    expect(await failure(iam.send(new GetRolePolicyCommand({ RoleName: 'inline-role', PolicyName: 'nope' })))).toEqual({
      name: 'NoSuchEntityException',
      message: 'The role policy with name nope cannot be found.',
      status: 404,
    });
    expect(await failure(iam.send(new DeleteRoleCommand({ RoleName: 'inline-role' })))).toEqual({
      name: 'DeleteConflictException',
      message: 'Cannot delete entity, must delete policies first.',
      status: 409,
    });
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'inline-role', PolicyName: 'logs' }));
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'inline-role' }))).PolicyNames).toEqual([]);
    await iam.send(new DeleteRoleCommand({ RoleName: 'inline-role' }));
  });

  it('creates a managed policy, attaches it and an AWS-managed one, detaches and deletes', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'attach-role', AssumeRolePolicyDocument: TRUST }));
    const created = await iam.send(new CreatePolicyCommand({ PolicyName: 'logs-policy', PolicyDocument: LOGS }));
    const arn = 'arn:aws:iam::000000000000:policy/logs-policy';
    expect(created.Policy).toMatchObject({ PolicyName: 'logs-policy', Arn: arn, Path: '/', DefaultVersionId: 'v1', AttachmentCount: 0, IsAttachable: true });
    expect(created.Policy?.PolicyId).toMatch(/^ANPA[A-Z2-7]{17}$/);
    expect(await failure(iam.send(new CreatePolicyCommand({ PolicyName: 'logs-policy', PolicyDocument: LOGS })))).toEqual({
      name: 'EntityAlreadyExistsException',
      message: 'A policy called logs-policy already exists. Duplicate names are not allowed.',
      status: 409,
    });

    const basic = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'attach-role', PolicyArn: arn }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'attach-role', PolicyArn: basic }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'attach-role', PolicyArn: basic }));
    expect((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'attach-role' }))).AttachedPolicies).toEqual([
      { PolicyName: 'AWSLambdaBasicExecutionRole', PolicyArn: basic },
      { PolicyName: 'logs-policy', PolicyArn: arn },
    ]);
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.AttachmentCount).toBe(1);
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: basic }))).Policy).toMatchObject({ PolicyName: 'AWSLambdaBasicExecutionRole', Path: '/service-role/' });

    const missing = 'arn:aws:iam::000000000000:policy/missing';
    expect(await failure(iam.send(new AttachRolePolicyCommand({ RoleName: 'attach-role', PolicyArn: missing })))).toEqual({
      name: 'NoSuchEntityException',
      message: `Policy ${missing} does not exist or is not attachable.`,
      status: 404,
    });
    expect(await failure(iam.send(new DeleteRoleCommand({ RoleName: 'attach-role' })))).toEqual({
      name: 'DeleteConflictException',
      message: 'Cannot delete entity, must detach all policies first.',
      status: 409,
    });
    expect(await failure(iam.send(new DeletePolicyCommand({ PolicyArn: arn })))).toEqual({
      name: 'DeleteConflictException',
      message: 'Cannot delete a policy attached to entities.',
      status: 409,
    });

    await iam.send(new DetachRolePolicyCommand({ RoleName: 'attach-role', PolicyArn: arn }));
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'attach-role', PolicyArn: basic }));
    expect(await failure(iam.send(new DetachRolePolicyCommand({ RoleName: 'attach-role', PolicyArn: basic })))).toEqual({
      name: 'NoSuchEntityException',
      message: `Policy ${basic} was not found.`,
      status: 404,
    });
    expect((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'attach-role' }))).AttachedPolicies).toEqual([]);
    await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
    expect(await failure(iam.send(new GetPolicyCommand({ PolicyArn: arn })))).toEqual({ name: 'NoSuchEntityException', message: `Policy ${arn} was not found.`, status: 404 });
    await iam.send(new DeleteRoleCommand({ RoleName: 'attach-role' }));
  });

  it('gives enforcement the role’s inline and attached documents', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'enforced', AssumeRolePolicyDocument: TRUST }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'enforced', PolicyName: 'logs', PolicyDocument: LOGS }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'enforced', PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaRole' }));
    // What the lead's enforcement reads: the same service on the installation's Redis prefix.
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const roles = new IamService(new RedisIamStore(redis, t.instanceId), { accountId: '000000000000' });
    expect(await roles.roleExists('arn:aws:iam::000000000000:role/enforced')).toBe(true);
    expect(await roles.roleExists('arn:aws:iam::000000000000:role/absent')).toBe(false);
    const policies = await roles.loadRolePolicies('arn:aws:iam::000000000000:role/enforced');
    expect(policies?.map((p) => p.Statement[0]?.Action)).toEqual([['logs:CreateLogStream', 'logs:PutLogEvents'], ['lambda:InvokeFunction']]);
    expect(await roles.loadRolePolicies('arn:aws:iam::000000000000:role/absent')).toBeUndefined();
    redis.disconnect();
  });

  it('answers an unsigned form with IAM’s Version, in IAM’s XML; an SQS form still goes to the queue', async () => {
    const post = async (params: Record<string, string>) => {
      const response = await fetch(`${t.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() });
      return { status: response.status, xml: await response.text() };
    };
    const missing = await post({ Action: 'GetRole', Version: '2010-05-08', RoleName: 'nobody' });
    expect(missing.status).toBe(404);
    expect(missing.xml).toMatch(
      /^<ErrorResponse xmlns="https:\/\/iam.amazonaws.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type><Code>NoSuchEntity<\/Code><Message>The role with name nobody cannot be found.<\/Message><\/Error><RequestId>[^<]+<\/RequestId><\/ErrorResponse>$/,
    );
    const created = await post({ Action: 'CreateRole', Version: '2010-05-08', RoleName: 'form-role', AssumeRolePolicyDocument: TRUST });
    expect(created.xml).toContain('<CreateRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateRoleResult><Role><Path>/</Path><RoleName>form-role</RoleName>');
    const deleted = await post({ Action: 'DeleteRole', Version: '2010-05-08', RoleName: 'form-role' });
    expect(deleted.xml).toMatch(/^<DeleteRoleResponse xmlns="https:\/\/iam.amazonaws.com\/doc\/2010-05-08\/"><ResponseMetadata><RequestId>[^<]+<\/RequestId><\/ResponseMetadata><\/DeleteRoleResponse>$/);
    const queues = await post({ Action: 'ListQueues', Version: '2012-11-05' });
    expect(queues.xml).toContain('<ListQueuesResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">');
  });
});
