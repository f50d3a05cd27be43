import { AddPermissionCommand, CreateFunctionCommand, InvokeCommand, LambdaClient, RemovePermissionCommand } from '@aws-sdk/client-lambda';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialMinter, deriveCredentialKey } from '../../src/permissions/credentials/credential-minter.js';
import { RedisWorkerRegistry } from '../../src/scheduler/redis-worker-registry.js';
import { awsError } from '../helpers/lambda-error-of.js';
import { ROLE, startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { nodeZip } from '../helpers/zip.js';

// The harness's own key (`test`) is the installation's account (000000000000); `other` is account 111111111111's.
let t: TestLambdock;
let iam: IAMClient;

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const policy = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
const CALLER = `const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');
const lambda = new LambdaClient({ maxAttempts: 1 });
exports.handler = async () => {
  try {
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'callee' }));
    return { ok: JSON.parse(Buffer.from(out.Payload).toString()) };
  } catch (e) { return { error: e.name, message: e.message }; }
};`;

async function createRole(name: string, inline?: object): Promise<string> {
  const role = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST }));
  if (inline !== undefined) await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'inline', PolicyDocument: policy(inline) }));
  return role.Role?.Arn ?? '';
}

beforeAll(async () => {
  t = await startTestLambdock({
    LAMBDOCK_IAM: 'enforce',
    LAMBDOCK_AUTH: 'sigv4',
    LAMBDOCK_ACCESS_KEYS: 'test:test,other:other-secret',
    LAMBDOCK_ACCESS_KEY_ACCOUNTS: 'other=111111111111',
  });
  iam = new IAMClient({ endpoint: t.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  await createRole('lambda-role');
  await t.createFunction({ FunctionName: 'callee', Code: { ZipFile: await nodeZip('exports.handler = async () => "callee ran";') } });
});
afterAll(async () => {
  await t?.close();
});

describe('LAMBDOCK_IAM=enforce', () => {
  it('refuses a function whose role does not exist, with AWS message', async () => {
    const refused = await awsError(
      t.client.send(
        new CreateFunctionCommand({
          FunctionName: 'no-role',
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Role: 'arn:aws:iam::000000000000:role/never-created',
          Code: { ZipFile: await nodeZip('exports.handler = async () => 1;') },
        }),
      ),
    );
    expect(refused.name).toBe('InvalidParameterValueException');
    expect(refused.message).toBe('The role defined for the function cannot be assumed by Lambda.');
  });

  it("lets a function invoke another only when its execution role's policy allows lambda:InvokeFunction", async () => {
    const allowed = await createRole('may-invoke', { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:callee' });
    const denied = await createRole('may-not-invoke', { Effect: 'Allow', Action: 'lambda:GetAccountSettings', Resource: '*' });
    await t.createFunction({ FunctionName: 'allowed-caller', Role: allowed, Timeout: 10, Code: { ZipFile: await nodeZip(CALLER) } });
    await t.createFunction({ FunctionName: 'denied-caller', Role: denied, Timeout: 10, Code: { ZipFile: await nodeZip(CALLER) } });

    expect((await t.invoke({ FunctionName: 'allowed-caller' })).json()).toEqual({ ok: 'callee ran' });
    expect((await t.invoke({ FunctionName: 'denied-caller' })).json()).toEqual({
      error: 'AccessDeniedException',
      message:
        'User: arn:aws:sts::000000000000:assumed-role/may-not-invoke/denied-caller is not authorized to perform: lambda:InvokeFunction on resource: ' +
        'arn:aws:lambda:us-east-1:000000000000:function:callee because no resource-based policy or identity-based policy allows the lambda:InvokeFunction action',
    });
  });

  it('lets another account invoke a function only once an AddPermission statement names it', async () => {
    const other = new LambdaClient({ endpoint: t.url, region: 'us-east-1', credentials: { accessKeyId: 'other', secretAccessKey: 'other-secret' }, maxAttempts: 1 });
    const before = await awsError(other.send(new InvokeCommand({ FunctionName: 'callee' })));
    expect(before.name).toBe('AccessDeniedException');
    expect(before.message).toMatch(/^User: arn:aws:iam::111111111111:root is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:000000000000:function:callee/);

    await t.client.send(new AddPermissionCommand({ FunctionName: 'callee', StatementId: 'other-account', Action: 'lambda:InvokeFunction', Principal: '111111111111' }));
    const out = await other.send(new InvokeCommand({ FunctionName: 'callee' }));
    expect(Buffer.from(out.Payload ?? []).toString()).toBe('"callee ran"');

    await t.client.send(new RemovePermissionCommand({ FunctionName: 'callee', StatementId: 'other-account' }));
    expect((await awsError(other.send(new InvokeCommand({ FunctionName: 'callee' })))).name).toBe('AccessDeniedException');
  });

  it("refuses an environment's credentials once they have expired", async () => {
    const env = await (async () => {
      await t.createFunction({ FunctionName: 'env', Code: { ZipFile: await nodeZip('exports.handler = async () => ({ endpoint: process.env.AWS_ENDPOINT_URL });') } });
      return (await t.invoke({ FunctionName: 'env' })).json() as { endpoint: string };
    })();
    // Credentials of this installation (its key comes from the token all its processes share), expired a minute ago.
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const minter = new CredentialMinter(deriveCredentialKey(await new RedisWorkerRegistry(redis, t.instanceId).fetchToken()));
    await redis.quit();
    const claims = { roleArn: ROLE, functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:env:$LATEST', sandboxId: 'x' };
    const expired = minter.mint({ ...claims, expiresAtMs: Date.now() - 60_000 });
    const asEnvironment = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string }) =>
      new LambdaClient({ endpoint: env.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    const refused = await awsError(asEnvironment(expired).send(new InvokeCommand({ FunctionName: 'callee' })));
    expect(refused.name).toBe('ExpiredTokenException');
    expect(refused.message).toBe('The security token included in the request is expired');
    // The same, still valid, is accepted (the default role may invoke nothing, so the policy answers).
    const valid = minter.mint({ ...claims, expiresAtMs: Date.now() + 60_000 });
    expect((await awsError(asEnvironment(valid).send(new InvokeCommand({ FunctionName: 'callee' })))).name).toBe('AccessDeniedException');
  });
});
