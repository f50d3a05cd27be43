import { describe, expect, it } from 'vitest';
import { LambdaError } from '../shared/errors.js';
import { CallAuthorizer, type CallDescription } from './call-authorizer.js';
import { CredentialMinter, deriveCredentialKey } from './credentials/credential-minter.js';
import { SandboxCallPolicy } from './sandbox-access.js';

const scope = { region: 'us-east-1', accountId: '000000000000' };
const FN = 'arn:aws:lambda:us-east-1:000000000000:function:target';
const invoke = (name = 'target', qualifier?: string): CallDescription => ({
  method: 'POST',
  route: '/2015-03-31/functions/:FunctionName/invocations',
  params: { FunctionName: name },
  query: qualifier === undefined ? {} : { Qualifier: qualifier },
  headers: {},
  body: undefined,
  signingService: 'lambda',
});
const listFunctions: CallDescription = { ...invoke(), method: 'GET', route: '/2015-03-31/functions', params: {} };
const sendMessage: CallDescription = {
  ...invoke(),
  route: '/',
  params: {},
  headers: { 'x-amz-target': 'AmazonSQS.SendMessage' },
  body: Buffer.from(JSON.stringify({ QueueUrl: 'http://h/000000000000/jobs', MessageBody: 'x' })),
  signingService: 'sqs',
};

const refusal = async (work: Promise<unknown>) => {
  const error = await work.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(LambdaError);
  return error as LambdaError;
};

describe('CallAuthorizer', () => {
  const statements: Record<string, object[]> = {};
  const authorizer = new CallAuthorizer(scope, { loadPolicy: async (name, qualifier) => statements[`${name}:${qualifier ?? ''}`] });
  const role = (policies: object[]) => ({ principalArn: 'arn:aws:sts::000000000000:assumed-role/r/f', accountId: '000000000000', policies: policies as never });

  it('names the action and resource of a call: functions (qualified), layers, the queue', () => {
    expect(authorizer.describe(invoke('target', 'live'))).toMatchObject({ action: 'lambda:InvokeFunction', resource: `${FN}:live`, fn: { name: 'target', qualifier: 'live' } });
    expect(authorizer.describe(invoke(`${FN}:3`))).toMatchObject({ resource: `${FN}:3` });
    expect(authorizer.describe(listFunctions)).toEqual({ action: 'lambda:ListFunctions', resource: '*' });
    expect(authorizer.describe(sendMessage)).toEqual({ action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:000000000000:jobs' });
  });

  it("allows in one account what the role's policy or the function's policy allows; an explicit deny wins", async () => {
    const allowInvoke = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: FN }] };
    await authorizer.authorize(role([allowInvoke]), invoke());
    const error = await refusal(authorizer.authorize(role([]), invoke()));
    expect(error.code).toBe('AccessDeniedException');
    expect(error.message).toBe(
      `User: arn:aws:sts::000000000000:assumed-role/r/f is not authorized to perform: lambda:InvokeFunction on resource: ${FN} because no resource-based policy or identity-based policy allows the lambda:InvokeFunction action`,
    );
    statements['target:'] = [{ Sid: 's', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'lambda:InvokeFunction', Resource: FN }];
    await authorizer.authorize(role([]), invoke());
    const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'lambda:*', Resource: '*' }] };
    expect((await refusal(authorizer.authorize(role([allowInvoke, deny]), invoke()))).message).toMatch(/with an explicit deny/);
    delete statements['target:'];
  });

  it('allows another account only what the resource policy grants it', async () => {
    const other = { principalArn: 'arn:aws:iam::111111111111:root', accountId: '111111111111', policies: undefined };
    await refusal(authorizer.authorize(other, invoke()));
    statements['target:'] = [{ Sid: 's', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'lambda:InvokeFunction', Resource: FN }];
    await authorizer.authorize(other, invoke());
    await refusal(authorizer.authorize(other, listFunctions));
    delete statements['target:'];
  });
});

describe('SandboxCallPolicy', () => {
  const minter = new CredentialMinter(deriveCredentialKey('k'));
  const credentials = minter.mint({ roleArn: 'arn:aws:iam::000000000000:role/r', functionArn: `${FN}:$LATEST`, sandboxId: 's', expiresAtMs: Date.now() + 60_000 });
  const caller = { accessKeyId: credentials.accessKeyId, sessionToken: credentials.sessionToken, region: 'us-east-1', service: 'lambda', signedAt: new Date() };
  const authorizer = new CallAuthorizer(scope, { loadPolicy: async () => undefined });

  it('IAM off: functions may invoke and use the queue, not administer', async () => {
    const policy = new SandboxCallPolicy(minter, 'off', authorizer, undefined);
    await policy.authorize(caller, invoke());
    await policy.authorize({ ...caller, service: 'sqs' }, sendMessage);
    const error = await refusal(policy.authorize(caller, listFunctions));
    expect(error.message).toBe(
      'User: arn:aws:sts::000000000000:assumed-role/r/target is not authorized to perform: lambda:ListFunctions on resource: * because no identity-based policy allows the lambda:ListFunctions action',
    );
  });

  it("IAM enforced: the execution role's policies decide, for the queue too", async () => {
    const roles = { loadRolePolicies: async () => [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: 'lambda:ListFunctions', Resource: '*' }] }] };
    const policy = new SandboxCallPolicy(minter, 'enforce', authorizer, roles);
    await policy.authorize(caller, listFunctions);
    await refusal(policy.authorize(caller, invoke()));
    await refusal(policy.authorize({ ...caller, service: 'sqs' }, sendMessage));
  });
});
