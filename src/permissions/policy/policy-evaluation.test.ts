import { describe, expect, it } from 'vitest';
import { parsePolicyDocument, type PolicyDocument } from './policy-document.js';
import { combineDecisions, evaluateIdentityPolicies, evaluateResourcePolicy, type AuthorizationRequest } from './policy-evaluation.js';

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:my-function';
const request = (over: Partial<AuthorizationRequest> = {}): AuthorizationRequest => ({ action: 'lambda:InvokeFunction', resource: FN, context: {}, ...over });
const doc = (...Statement: PolicyDocument['Statement']): PolicyDocument => ({ Version: '2012-10-17', Statement });

describe('identity-based policy evaluation (IAM User Guide, "Policy evaluation logic")', () => {
  it('denies implicitly when no statement allows, and with no policy at all', () => {
    expect(evaluateIdentityPolicies([], request())).toBe('ImplicitDeny');
    expect(evaluateIdentityPolicies([doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' })], request())).toBe('ImplicitDeny');
  });

  it('allows with a matching Allow; an explicit Deny in any policy wins', () => {
    const allow = doc({ Effect: 'Allow', Action: 'lambda:*', Resource: '*' });
    expect(evaluateIdentityPolicies([allow], request())).toBe('Allow');
    const deny = doc({ Effect: 'Deny', Action: 'lambda:InvokeFunction', Resource: FN });
    expect(evaluateIdentityPolicies([allow, deny], request())).toBe('ExplicitDeny');
    expect(evaluateIdentityPolicies([deny, allow], request())).toBe('ExplicitDeny');
  });

  it('matches actions case-insensitively with * and ? (the "AllowGetList" / "DenyReports" example)', () => {
    // reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html
    const policy = doc(
      { Sid: 'AllowGetList', Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' },
      { Sid: 'DenyReports', Effect: 'Deny', Action: 'iam:*Report', Resource: '*' },
    );
    const iam = (action: string) => evaluateIdentityPolicies([policy], request({ action, resource: 'arn:aws:iam::123456789012:role/r' }));
    expect(iam('iam:GetRole')).toBe('Allow');
    expect(iam('IAM:listroles')).toBe('Allow');
    expect(iam('iam:CreatePolicy')).toBe('ImplicitDeny');
    expect(iam('iam:GetOrganizationsAccessReport')).toBe('ExplicitDeny');
    expect(iam('iam:GenerateCredentialReport')).toBe('ExplicitDeny');
    const question = doc({ Effect: 'Allow', Action: 'lambda:GetFunction?onfig*', Resource: '*' });
    expect(evaluateIdentityPolicies([question], request({ action: 'lambda:GetFunctionConfiguration' }))).toBe('Allow');
    expect(evaluateIdentityPolicies([question], request({ action: 'lambda:GetFunction' }))).toBe('ImplicitDeny');
    expect(evaluateIdentityPolicies([doc({ Effect: 'Allow', Action: '*', Resource: '*' })], request({ action: 'sqs:SendMessage' }))).toBe('Allow');
  });

  it('matches resources case-sensitively, with wildcards across colons and slashes', () => {
    const policy = doc({ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: 'arn:aws:lambda:*:123456789012:function:my-*' });
    expect(evaluateIdentityPolicies([policy], request())).toBe('Allow');
    expect(evaluateIdentityPolicies([policy], request({ resource: `${FN}:prod` }))).toBe('Allow');
    expect(evaluateIdentityPolicies([policy], request({ resource: 'arn:aws:lambda:us-east-1:123456789012:function:My-function' }))).toBe('ImplicitDeny');
    expect(evaluateIdentityPolicies([policy], request({ resource: 'arn:aws:lambda:us-east-1:210987654321:function:my-function' }))).toBe('ImplicitDeny');
  });

  it('NotAction and NotResource apply to everything but what they list (reference_policies_elements_notaction.html)', () => {
    const allButIam = doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' });
    expect(evaluateIdentityPolicies([allButIam], request())).toBe('Allow');
    expect(evaluateIdentityPolicies([allButIam], request({ action: 'iam:CreateRole' }))).toBe('ImplicitDeny');
    const denyOthers = doc({ Effect: 'Allow', Action: 'lambda:*', Resource: '*' }, { Effect: 'Deny', Action: 'lambda:*', NotResource: FN });
    expect(evaluateIdentityPolicies([denyOthers], request())).toBe('Allow');
    expect(evaluateIdentityPolicies([denyOthers], request({ resource: `${FN}-2` }))).toBe('ExplicitDeny');
  });

  it('applies a statement only when its condition holds', () => {
    const policy = doc({ Effect: 'Allow', Action: 'lambda:InvokeFunctionUrl', Resource: '*', Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } } });
    expect(evaluateIdentityPolicies([policy], request({ action: 'lambda:InvokeFunctionUrl', context: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } }))).toBe('Allow');
    expect(evaluateIdentityPolicies([policy], request({ action: 'lambda:InvokeFunctionUrl', context: { 'lambda:FunctionUrlAuthType': 'NONE' } }))).toBe('ImplicitDeny');
    expect(evaluateIdentityPolicies([policy], request({ action: 'lambda:InvokeFunctionUrl' }))).toBe('ImplicitDeny');
  });

  it('ignores Principal in identity policies', () => {
    const policy: PolicyDocument = { Statement: [{ Effect: 'Allow', Action: 'lambda:*', Resource: '*', Principal: { Service: 'sqs.amazonaws.com' } }] };
    expect(evaluateIdentityPolicies([policy], request())).toBe('Allow');
  });
});

describe('resource-based policy evaluation (Lambda resource-based policy examples)', () => {
  // https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html : what AddPermission writes.
  const snsPermission = doc({
    Sid: 'sns',
    Effect: 'Allow',
    Principal: { Service: 'sns.amazonaws.com' },
    Action: 'lambda:InvokeFunction',
    Resource: FN,
    Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:sns:us-east-2:123456789012:my-topic' } },
  });

  it('denies implicitly without a policy', () => {
    expect(evaluateResourcePolicy(undefined, request())).toBe('ImplicitDeny');
  });

  it('grants a service only from its source ARN (condition keys are case-insensitive)', () => {
    const sns = { type: 'Service', id: 'sns.amazonaws.com' } as const;
    expect(evaluateResourcePolicy(snsPermission, request({ principal: sns, context: { 'aws:SourceArn': 'arn:aws:sns:us-east-2:123456789012:my-topic' } }))).toBe('Allow');
    expect(evaluateResourcePolicy(snsPermission, request({ principal: sns, context: { 'aws:sourcearn': 'arn:aws:sns:us-east-2:123456789012:other' } }))).toBe('ImplicitDeny');
    expect(evaluateResourcePolicy(snsPermission, request({ principal: sns }))).toBe('ImplicitDeny');
    expect(
      evaluateResourcePolicy(snsPermission, request({ principal: { type: 'Service', id: 's3.amazonaws.com' }, context: { 'aws:SourceArn': 'arn:aws:sns:us-east-2:123456789012:my-topic' } })),
    ).toBe('ImplicitDeny');
  });

  it('grants another account: its root ARN or its id names every principal of that account', () => {
    const byRoot = doc({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::210987654321:root' }, Action: 'lambda:InvokeFunction', Resource: FN });
    const byId = doc({ Effect: 'Allow', Principal: { AWS: '210987654321' }, Action: 'lambda:InvokeFunction', Resource: FN });
    for (const policy of [byRoot, byId]) {
      expect(evaluateResourcePolicy(policy, request({ principal: { type: 'AWS', id: 'arn:aws:iam::210987654321:role/any' } }))).toBe('Allow');
      expect(evaluateResourcePolicy(policy, request({ principal: { type: 'AWS', id: 'arn:aws:sts::210987654321:assumed-role/any/session' } }))).toBe('Allow');
      expect(evaluateResourcePolicy(policy, request({ principal: { type: 'AWS', id: '210987654321' } }))).toBe('Allow');
      expect(evaluateResourcePolicy(policy, request({ principal: { type: 'AWS', id: 'arn:aws:iam::123456789012:role/any' } }))).toBe('ImplicitDeny');
      expect(evaluateResourcePolicy(policy, request())).toBe('ImplicitDeny');
    }
  });

  it('grants one role, and its sessions, by ARN', () => {
    const policy = doc({ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::210987654321:role/team/invoker'] }, Action: 'lambda:*', Resource: '*' });
    expect(evaluateResourcePolicy(policy, request({ principal: { type: 'AWS', id: 'arn:aws:iam::210987654321:role/team/invoker' } }))).toBe('Allow');
    expect(evaluateResourcePolicy(policy, request({ principal: { type: 'AWS', id: 'arn:aws:sts::210987654321:assumed-role/invoker/s1' } }))).toBe('Allow');
    expect(evaluateResourcePolicy(policy, request({ principal: { type: 'AWS', id: 'arn:aws:iam::210987654321:role/other' } }))).toBe('ImplicitDeny');
  });

  it('"*" and {"AWS": "*"} name everyone, restricted by aws:PrincipalOrgID (the organization example)', () => {
    const policy = doc({ Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunction', Resource: FN, Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5f' } } });
    const caller = { type: 'AWS', id: 'arn:aws:iam::210987654321:role/r' } as const;
    expect(evaluateResourcePolicy(policy, request({ principal: caller, context: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5f' } }))).toBe('Allow');
    expect(evaluateResourcePolicy(policy, request({ principal: caller, context: { 'aws:PrincipalOrgID': 'o-other' } }))).toBe('ImplicitDeny');
    const anyAws = doc({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'lambda:InvokeFunction', Resource: FN });
    expect(evaluateResourcePolicy(anyAws, request({ principal: caller }))).toBe('Allow');
    expect(evaluateResourcePolicy(anyAws, request())).toBe('Allow');
  });

  it('grants a function URL to anyone only for auth type NONE (lambda:FunctionUrlAuthType)', () => {
    // https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
    const policy = doc({
      Sid: 'FunctionURLAllowPublicAccess',
      Effect: 'Allow',
      Principal: '*',
      Action: 'lambda:InvokeFunctionUrl',
      Resource: FN,
      Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } },
    });
    expect(evaluateResourcePolicy(policy, request({ action: 'lambda:InvokeFunctionUrl', context: { 'lambda:FunctionUrlAuthType': 'NONE' } }))).toBe('Allow');
    expect(evaluateResourcePolicy(policy, request({ action: 'lambda:InvokeFunctionUrl', context: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } }))).toBe('ImplicitDeny');
  });

  it('skips statements without a Principal; NotPrincipal with Deny denies everyone else', () => {
    expect(evaluateResourcePolicy(doc({ Effect: 'Allow', Action: 'lambda:*', Resource: '*' }), request({ principal: { type: 'AWS', id: '123456789012' } }))).toBe('ImplicitDeny');
    const policy = doc(
      { Effect: 'Allow', Principal: '*', Action: 'lambda:*', Resource: '*' },
      { Effect: 'Deny', NotPrincipal: { AWS: 'arn:aws:iam::123456789012:role/admin' }, Action: 'lambda:*', Resource: '*' },
    );
    expect(evaluateResourcePolicy(policy, request({ principal: { type: 'AWS', id: 'arn:aws:iam::123456789012:role/admin' } }))).toBe('Allow');
    expect(evaluateResourcePolicy(policy, request({ principal: { type: 'AWS', id: 'arn:aws:iam::123456789012:role/dev' } }))).toBe('ExplicitDeny');
  });

  it('combines identity and resource decisions within one account: either allows, a deny wins', () => {
    expect(combineDecisions('ImplicitDeny', 'Allow')).toBe('Allow');
    expect(combineDecisions('Allow', 'ExplicitDeny')).toBe('ExplicitDeny');
    expect(combineDecisions('ImplicitDeny', 'ImplicitDeny')).toBe('ImplicitDeny');
  });

  it('evaluates a parsed document (a single statement object, JSON booleans in conditions)', () => {
    const policy = parsePolicyDocument(
      JSON.stringify({ Statement: { Effect: 'Deny', Principal: '*', Action: 'lambda:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': false } } } }),
      'resource',
    );
    expect(evaluateResourcePolicy(policy, request({ context: { 'aws:SecureTransport': 'false' } }))).toBe('ExplicitDeny');
    expect(evaluateResourcePolicy(policy, request({ context: { 'aws:SecureTransport': 'true' } }))).toBe('ImplicitDeny');
  });
});
