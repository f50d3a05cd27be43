import { describe, expect, it } from 'vitest';
import { MalformedPolicyDocumentError, parsePolicyDocument } from './policy-document.js';

const text = (value: unknown): string => JSON.stringify(value);
const malformed = (document: string, kind?: 'identity' | 'trust' | 'resource'): string => {
  try {
    parsePolicyDocument(document, kind);
  } catch (error) {
    if (error instanceof MalformedPolicyDocumentError) return error.message;
    throw error;
  }
  throw new Error('parsed');
};

describe('parsePolicyDocument', () => {
  it('parses a document; a single statement object becomes a list of one; condition values become strings', () => {
    expect(parsePolicyDocument(text({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'lambda:*', Resource: '*', Condition: { NumericLessThan: { n: [1, 2] } } } }))).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'lambda:*', Resource: '*', Condition: { NumericLessThan: { n: ['1', '2'] } } }],
    });
  });

  it('refuses what IAM refuses, with IAM’s messages', () => {
    expect(malformed('{not json')).toBe('This policy contains invalid Json');
    expect(malformed('[]')).toBe('This policy contains invalid Json');
    expect(malformed(text({ Version: '2012-10-17' }))).toBe('Syntax errors in policy.');
    expect(malformed(text({ Version: '2013-01-01', Statement: [] }))).toBe('The policy failed legacy parsing');
    expect(malformed(text({ Statement: [{ Effect: 'Permit', Action: 'a:b', Resource: '*' }] }))).toBe('Syntax errors in policy.');
    expect(malformed(text({ Statement: [{ Effect: 'Allow', Action: 'a:b', Resource: '*', Extra: 1 }] }))).toBe('Syntax errors in policy.');
    expect(malformed(text({ Statement: [{ Effect: 'Allow', Resource: '*' }] }))).toBe('Policy statement must contain actions.');
    expect(malformed(text({ Statement: [{ Effect: 'Allow', Action: 'a:b' }] }))).toBe('Policy statement must contain resources.');
    expect(malformed(text({ Statement: [{ Effect: 'Allow', Action: 'a:b', Resource: '*', Principal: '*' }] }))).toBe('Policy document should not specify a principal.');
    expect(malformed(text({ Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*', Principal: '*' }] }), 'trust')).toBe('Has prohibited field Resource');
    expect(malformed(text({ Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] }), 'trust')).toBe('Missing required field Principal');
  });

  it('accepts a trust policy', () => {
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    expect(parsePolicyDocument(text(trust), 'trust').Statement).toHaveLength(1);
  });
});
