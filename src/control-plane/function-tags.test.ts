import { describe, expect, it } from 'vitest';
import { lambdaErrorOf } from '../../test/helpers/lambda-error-of.js';
import { checkTags, getTaggedFunctionName } from './function-tags.js';

const scope = { region: 'us-east-1', accountId: '123456789012' };

describe('getTaggedFunctionName', () => {
  it('takes the function name from an unqualified function ARN', () => {
    expect(getTaggedFunctionName('arn:aws:lambda:us-east-1:123456789012:function:my-fn', scope)).toBe('my-fn');
  });

  it('answers other resources as AWS does', () => {
    expect(lambdaErrorOf(() => getTaggedFunctionName('arn:aws:lambda:us-east-1:123456789012:function:my-fn:live', scope)).code).toBe(
      'InvalidParameterValueException',
    );
    expect(lambdaErrorOf(() => getTaggedFunctionName('arn:aws:lambda:us-east-1:123456789012:foobar:x', scope)).code).toBe('ValidationException');
    const esm = 'arn:aws:lambda:us-east-1:123456789012:event-source-mapping:8f1d4b5c-1234-4abc-9def-0123456789ab';
    expect(lambdaErrorOf(() => getTaggedFunctionName(esm, scope)).message).toBe(`Event source mapping not found: ${esm}`);
    const other = 'arn:aws:lambda:us-east-1:999999999999:function:my-fn';
    expect(lambdaErrorOf(() => getTaggedFunctionName(other, scope)).message).toBe(`Function not found: ${other}`);
  });
});

describe('checkTags', () => {
  it('accepts AWS tag characters and 50 tags', () => {
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    expect(checkTags(fifty)).toEqual(fifty);
    expect(checkTags({ 'team/owner:é @+=._-': '' })).toEqual({ 'team/owner:é @+=._-': '' });
  });

  it('refuses bad keys and values, aws: keys and a 51st tag', () => {
    expect(lambdaErrorOf(() => checkTags({ '': 'v' })).code).toBe('ValidationException');
    expect(lambdaErrorOf(() => checkTags({ 'a#b': 'v' })).code).toBe('ValidationException');
    expect(lambdaErrorOf(() => checkTags({ k: 'v!' })).message).toMatch(/Map value must satisfy constraint/);
    expect(lambdaErrorOf(() => checkTags({ 'AWS:x': 'v' })).code).toBe('InvalidParameterValueException');
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    expect(lambdaErrorOf(() => checkTags(many)).message).toBe('Number of tags exceeds resource tag limit.');
  });
});
