import { describe, expect, it } from 'vitest';
import { getContextValues, holdsCondition, type RequestContext } from './conditions.js';

/** Examples from "IAM JSON policy elements: Condition operators" (reference_policies_elements_condition_operators.html). */
const holds = (condition: Record<string, Record<string, string | string[]>>, context: RequestContext): boolean => holdsCondition(condition, getContextValues(context));

describe('condition operators', () => {
  it('String operators: exact, case-insensitive, wildcards, and their negations', () => {
    expect(holds({ StringEquals: { 'aws:PrincipalTag/job-category': 'iamuser-admin' } }, { 'aws:PrincipalTag/job-category': 'iamuser-admin' })).toBe(true);
    expect(holds({ StringEquals: { 'aws:PrincipalTag/job-category': 'iamuser-admin' } }, { 'aws:PrincipalTag/job-category': 'IAMUser-Admin' })).toBe(false);
    expect(holds({ StringEqualsIgnoreCase: { 'aws:PrincipalTag/job-category': 'iamuser-admin' } }, { 'aws:PrincipalTag/job-category': 'IAMUser-Admin' })).toBe(true);
    expect(holds({ StringNotEquals: { 'aws:SourceAccount': '123456789012' } }, { 'aws:SourceAccount': '210987654321' })).toBe(true);
    expect(holds({ StringNotEquals: { 'aws:SourceAccount': '123456789012' } }, { 'aws:SourceAccount': '123456789012' })).toBe(false);
    expect(holds({ StringLike: { 's3:prefix': ['', 'home/', 'home/${aws:username}/*'] } }, { 's3:prefix': 'home/' })).toBe(true);
    expect(holds({ StringLike: { 'aws:userid': 'AROA*:session-?' } }, { 'aws:userid': 'AROAEXAMPLE:session-1' })).toBe(true);
    expect(holds({ StringLike: { 'aws:userid': 'AROA*:session-?' } }, { 'aws:userid': 'AROAEXAMPLE:session-12' })).toBe(false);
    expect(holds({ StringNotLike: { 'aws:userid': 'AROA*' } }, { 'aws:userid': 'AIDAEXAMPLE' })).toBe(true);
  });

  it('a missing key fails positive operators and satisfies negated ones (the "Important" note)', () => {
    expect(holds({ StringEquals: { 'aws:SourceAccount': '123456789012' } }, {})).toBe(false);
    expect(holds({ StringNotLike: { 'aws:SourceArn': 'arn:aws:s3:::*' } }, {})).toBe(true);
    expect(holds({ ArnNotEquals: { 'aws:SourceArn': 'arn:aws:sns:*:*:t' } }, {})).toBe(true);
  });

  it('IfExists holds when the key is absent and tests it when present', () => {
    const condition = { StringEqualsIfExists: { 'ec2:InstanceType': ['t1.*', 't2.*', 'm3.*'] } };
    expect(holds({ StringLikeIfExists: condition.StringEqualsIfExists }, {})).toBe(true);
    expect(holds({ StringLikeIfExists: condition.StringEqualsIfExists }, { 'ec2:InstanceType': 't2.micro' })).toBe(true);
    expect(holds({ StringLikeIfExists: condition.StringEqualsIfExists }, { 'ec2:InstanceType': 'c5.large' })).toBe(false);
    expect(holds({ ArnLikeIfExists: { 'aws:SourceArn': 'arn:aws:sqs:*:123456789012:*' } }, { 'aws:SourceArn': 'arn:aws:sqs:us-east-1:210987654321:q' })).toBe(false);
  });

  it('Null tests presence: true wants the key absent', () => {
    expect(holds({ Null: { 'aws:TokenIssueTime': 'true' } }, {})).toBe(true);
    expect(holds({ Null: { 'aws:TokenIssueTime': 'true' } }, { 'aws:TokenIssueTime': '2024-01-01T00:00:00Z' })).toBe(false);
    expect(holds({ Null: { 'aws:TokenIssueTime': 'false' } }, { 'aws:TokenIssueTime': '2024-01-01T00:00:00Z' })).toBe(true);
  });

  it('ARN operators match each of the six parts on its own, case-sensitively', () => {
    const condition = { ArnEquals: { 'aws:SourceArn': 'arn:aws:sns:REGION:123456789012:TOPIC-ID'.replace('REGION', '*').replace('TOPIC-ID', '*') } };
    expect(holds(condition, { 'aws:SourceArn': 'arn:aws:sns:us-east-1:123456789012:my-topic' })).toBe(true);
    expect(holds(condition, { 'aws:SourceArn': 'arn:aws:sns:us-east-1:210987654321:my-topic' })).toBe(false);
    expect(holds({ ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::amzn-s3-demo-bucket/*' } }, { 'aws:SourceArn': 'arn:aws:s3:::amzn-s3-demo-bucket/a:b' })).toBe(true);
    expect(holds({ ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::*' } }, { 'aws:SourceArn': 'not-an-arn' })).toBe(false);
    expect(holds({ ArnNotLike: { 'aws:SourceArn': 'arn:aws:lambda:*:*:function:A*' } }, { 'aws:SourceArn': 'arn:aws:lambda:us-east-1:1:function:a1' })).toBe(true);
  });

  it('Bool, Numeric and Date operators compare values, not text', () => {
    expect(holds({ Bool: { 'aws:SecureTransport': 'false' } }, { 'aws:SecureTransport': 'false' })).toBe(true);
    expect(holds({ Bool: { 'aws:SecureTransport': 'false' } }, { 'aws:SecureTransport': 'true' })).toBe(false);
    expect(holds({ NumericLessThanEquals: { 's3:max-keys': '10' } }, { 's3:max-keys': '9' })).toBe(true);
    expect(holds({ NumericLessThanEquals: { 's3:max-keys': '10' } }, { 's3:max-keys': '11' })).toBe(false);
    expect(holds({ NumericEquals: { n: '10' } }, { n: '10.0' })).toBe(true);
    expect(holds({ NumericGreaterThan: { n: '10' } }, { n: 'ten' })).toBe(false);
    expect(holds({ NumericNotEquals: { n: '10' } }, { n: '11' })).toBe(true);
    expect(holds({ DateGreaterThan: { 'aws:CurrentTime': '2020-04-01T00:00:00Z' } }, { 'aws:CurrentTime': '2024-01-01T00:00:00Z' })).toBe(true);
    expect(holds({ DateLessThan: { 'aws:EpochTime': '1585699200' } }, { 'aws:EpochTime': '1585699100' })).toBe(true);
  });

  it('values of one key are ORed, keys and operators ANDed (reference_policies_condition-logic-multiple-context-keys-or-values.html)', () => {
    const condition = {
      StringEquals: { 'aws:SourceAccount': ['111122223333', '444455556666'], 'aws:PrincipalOrgID': 'o-1' },
      ArnLike: { 'aws:SourceArn': 'arn:aws:sqs:*:*:q*' },
    };
    const context = { 'aws:SourceAccount': '444455556666', 'aws:PrincipalOrgID': 'o-1', 'aws:SourceArn': 'arn:aws:sqs:us-east-1:444455556666:q1' };
    expect(holds(condition, context)).toBe(true);
    expect(holds(condition, { ...context, 'aws:PrincipalOrgID': 'o-2' })).toBe(false);
    expect(holds(condition, { ...context, 'aws:SourceArn': 'arn:aws:sns:us-east-1:444455556666:q1' })).toBe(false);
    expect(holds({ StringNotEquals: { 'aws:SourceAccount': ['1', '2'] } }, { 'aws:SourceAccount': '2' })).toBe(false);
  });

  it('condition keys compare case-insensitively, values as written', () => {
    expect(holds({ StringEquals: { 'AWS:SourceAccount': '123456789012' } }, { 'aws:sourceaccount': '123456789012' })).toBe(true);
  });

  it('ForAnyValue and ForAllValues over multivalued keys (reference_policies_condition-single-vs-multi-valued-context-keys.html)', () => {
    const anyTag = { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['environment', 'cost-center'] } };
    expect(holds(anyTag, { 'aws:TagKeys': ['environment', 'other'] })).toBe(true);
    expect(holds(anyTag, { 'aws:TagKeys': ['other'] })).toBe(false);
    expect(holds(anyTag, {})).toBe(false);
    const allTags = { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['environment', 'cost-center'] } };
    expect(holds(allTags, { 'aws:TagKeys': ['environment', 'cost-center'] })).toBe(true);
    expect(holds(allTags, { 'aws:TagKeys': ['environment', 'other'] })).toBe(false);
    expect(holds(allTags, {})).toBe(true);
    expect(holds({ 'ForAllValues:StringNotLike': { 'aws:TagKeys': 'secret*' } }, { 'aws:TagKeys': ['a', 'b'] })).toBe(true);
    expect(holds({ 'ForAnyValue:StringLike': { 'aws:TagKeys': 'secret*' } }, { 'aws:TagKeys': ['a', 'secret-x'] })).toBe(true);
  });

  it('an operator IAM does not have never holds', () => {
    expect(holds({ StringSortOf: { k: 'v' } }, { k: 'v' })).toBe(false);
  });
});
