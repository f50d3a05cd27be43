import { describe, expect, it } from 'vitest';
import { IamError } from '../../../iam/iam-error.js';
import { getIamInput, isIamRequest, renderIamError, renderIamOutput } from './iam-query-protocol.js';

const SIGNED = (service: string) => `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=abc`;

describe('IAM query protocol', () => {
  it('tells IAM’s requests by the signature’s service, or unsigned by IAM’s Version', () => {
    expect(isIamRequest(SIGNED('iam'), { Action: 'ListRoles' })).toBe(true);
    expect(isIamRequest(SIGNED('sqs'), { Action: 'ListQueues', Version: '2010-05-08' })).toBe(false);
    expect(isIamRequest(undefined, { Action: 'ListRoles', Version: '2010-05-08' })).toBe(true);
    expect(isIamRequest(undefined, { Action: 'ListQueues', Version: '2012-11-05' })).toBe(false);
    expect(isIamRequest(undefined, { Action: 'ListQueues' })).toBe(false);
  });

  it('reads an action’s members from the form, integers and tags included', () => {
    expect(
      getIamInput('CreateRole', {
        Action: 'CreateRole',
        RoleName: 'r',
        AssumeRolePolicyDocument: '{}',
        MaxSessionDuration: '7200',
        'Tags.member.2.Key': 'b',
        'Tags.member.2.Value': '2',
        'Tags.member.1.Key': 'a',
        'Tags.member.1.Value': '1',
      }),
    ).toEqual({ RoleName: 'r', AssumeRolePolicyDocument: '{}', MaxSessionDuration: 7200, Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] });
    expect(() => getIamInput('ListRoles', { MaxItems: 'ten' })).toThrow("Value 'ten' at 'maxItems' failed to satisfy constraint: Member must be an integer");
  });

  it('renders outputs with IAM’s member lists and escapes text', () => {
    expect(renderIamOutput('ListRolePolicies', { PolicyNames: ['a', 'b<'], IsTruncated: false }, 'r1')).toBe(
      '<ListRolePoliciesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListRolePoliciesResult><PolicyNames><member>a</member><member>b&lt;</member></PolicyNames>' +
        '<IsTruncated>false</IsTruncated></ListRolePoliciesResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></ListRolePoliciesResponse>',
    );
    expect(renderIamOutput('DeleteRole', {}, 'r')).not.toContain('DeleteRoleResult');
  });

  it('renders an error as IAM does', () => {
    expect(renderIamError(new IamError('NoSuchEntity', 'The role with name x cannot be found.'), 'r')).toBe(
      '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code>' +
        '<Message>The role with name x cannot be found.</Message></Error><RequestId>r</RequestId></ErrorResponse>',
    );
  });
});
