import { describe, expect, it } from 'vitest';
import { lambdaErrorOf } from '../../../test/helpers/lambda-error-of.js';
import { Violations } from '../../shared/violations.js';
import { PERMISSION_MEMBERS, buildStatement, checkPermissionInput, getPolicyPrincipal, type PermissionInput } from './permission-input.js';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:fn';
const messageOf = (input: PermissionInput): string | undefined => {
  const violations = new Violations(PERMISSION_MEMBERS);
  checkPermissionInput(input, violations);
  return violations.toError()?.message;
};
const base = { StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com' };

describe('getPolicyPrincipal', () => {
  it('names services, accounts, IAM identities and everyone as AWS does', () => {
    expect(getPolicyPrincipal('s3.amazonaws.com')).toEqual({ Service: 's3.amazonaws.com' });
    expect(getPolicyPrincipal('alexa-appkit.amazon.com')).toEqual({ Service: 'alexa-appkit.amazon.com' });
    expect(getPolicyPrincipal('111111111111')).toEqual({ AWS: 'arn:aws:iam::111111111111:root' });
    expect(getPolicyPrincipal('arn:aws:iam::111111111111:user/me')).toEqual({ AWS: 'arn:aws:iam::111111111111:user/me' });
    expect(getPolicyPrincipal('*')).toBe('*');
  });

  it('refuses anything else with AWS message', () => {
    for (const principal of ['invalid.nonaws.com', '1234', 'arn:aws:s3:::bucket']) {
      const error = lambdaErrorOf(() => getPolicyPrincipal(principal));
      expect(error.code).toBe('InvalidParameterValueException');
      expect(error.message).toBe('The provided principal was invalid. Please check the principal and try again.');
    }
  });
});

describe('buildStatement', () => {
  it('writes members and conditions in AWS order', () => {
    const statement = buildStatement(
      {
        StatementId: 'urlPermission',
        Action: 'lambda:InvokeFunctionUrl',
        Principal: '*',
        SourceArn: 'arn:aws:s3:::b',
        SourceAccount: '111111111111',
        PrincipalOrgID: 'o-1234567890',
        FunctionUrlAuthType: 'NONE',
      },
      FN,
    );
    // Recorded from AWS (LocalStack's test_add_lambda_permission_fields), key order included.
    expect(JSON.stringify(statement)).toBe(
      JSON.stringify({
        Sid: 'urlPermission',
        Effect: 'Allow',
        Principal: '*',
        Action: 'lambda:InvokeFunctionUrl',
        Resource: FN,
        Condition: {
          StringEquals: { 'AWS:SourceAccount': '111111111111', 'lambda:FunctionUrlAuthType': 'NONE', 'aws:PrincipalOrgID': 'o-1234567890' },
          ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::b' },
        },
      }),
    );
  });

  it('has no Condition without conditions, and InvokedViaFunctionUrl as a Bool', () => {
    expect(buildStatement(base, FN)).toEqual({ Sid: 's3', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: FN });
    expect(buildStatement({ ...base, InvokedViaFunctionUrl: false }, FN)).not.toHaveProperty('Condition');
    expect(buildStatement({ ...base, InvokedViaFunctionUrl: true }, FN).Condition).toEqual({ Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } });
    expect(buildStatement({ ...base, EventSourceToken: 'amzn1.ask.skill.x' }, FN).Condition).toEqual({
      StringEquals: { 'lambda:EventSourceToken': 'amzn1.ask.skill.x' },
    });
  });
});

describe('checkPermissionInput', () => {
  it('accepts what the model allows', () => {
    expect(messageOf({ ...base, Action: 'lambda:*', SourceAccount: '111111111111', PrincipalOrgID: 'o-1234567890', FunctionUrlAuthType: 'AWS_IAM' })).toBeUndefined();
    expect(messageOf({ ...base, Action: '*' })).toBeUndefined();
  });

  it('lists every violation in the model order, in AWS words', () => {
    expect(messageOf({})).toBe(
      "3 validation errors detected: Value null at 'statementId' failed to satisfy constraint: Member must not be null; Value null at 'action' failed to satisfy constraint: Member must not be null; Value null at 'principal' failed to satisfy constraint: Member must not be null",
    );
    expect(messageOf({ ...base, StatementId: 'example.com' })).toBe(
      "1 validation error detected: Value 'example.com' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)",
    );
    expect(messageOf({ ...base, FunctionUrlAuthType: 'OPEN', SourceAccount: '12', Action: 'invoke' })).toBe(
      "3 validation errors detected: Value 'invoke' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*]); Value '12' at 'sourceAccount' failed to satisfy constraint: Member must satisfy regular expression pattern: \\d{12}; Value 'OPEN' at 'functionUrlAuthType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, AWS_IAM]",
    );
  });
});
