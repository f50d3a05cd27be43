import { describe, expect, it } from 'vitest';
import { lambdaErrorOf } from '../../../test/helpers/lambda-error-of.js';
import { checkAliasInput, formatJavaDouble, resolveWeights } from './alias-input.js';

describe('formatJavaDouble', () => {
  it('prints numbers as Java prints a double', () => {
    expect([2, -1, 0, 0.5, 0.25, 1e-4, 12345678].map(formatJavaDouble)).toEqual(['2.0', '-1.0', '0.0', '0.5', '0.25', '1.0E-4', '1.2345678E7']);
  });
});

describe('checkAliasInput', () => {
  it('lists every violation at once, in the model\'s order', () => {
    const error = lambdaErrorOf(() =>
      checkAliasInput({ Name: '12', FunctionVersion: 'x', Description: 'd'.repeat(257), RoutingConfig: { AdditionalVersionWeights: { '2': -1 } } }, true),
    );
    expect(error.code).toBe('ValidationException');
    expect(error.message).toMatch(/^4 validation errors detected: Value '12' at 'name'.*; Value 'x' at 'functionVersion'.*; Value '.*' at 'description'.*; Value '\{2=-1.0\}' at 'routingConfig.additionalVersionWeights'/);
  });

  it('requires a FunctionVersion to create, not to update', () => {
    expect(lambdaErrorOf(() => checkAliasInput({ Name: 'a' }, true)).message).toBe(
      "1 validation error detected: Value null at 'functionVersion' failed to satisfy constraint: Member must not be null",
    );
    expect(() => checkAliasInput({ Name: 'a' }, false)).not.toThrow();
  });

  it('takes weights of exactly 0 and 1', () => {
    expect(() => checkAliasInput({ Name: 'a', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0 } } }, true)).not.toThrow();
    expect(() => checkAliasInput({ Name: 'a', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 1 } } }, true)).not.toThrow();
  });
});

describe('resolveWeights', () => {
  it('treats an empty map as no routing', () => {
    expect(resolveWeights('1', {})).toBeUndefined();
    expect(resolveWeights('1', undefined)).toBeUndefined();
    expect(resolveWeights('1', { '2': 0.4 })).toEqual({ '2': 0.4 });
  });

  it('checks the count before $LATEST and the primary version', () => {
    expect(lambdaErrorOf(() => resolveWeights('$LATEST', { '1': 0.1, '2': 0.1 })).message).toBe('Number of items in AdditionalVersionWeights cannot be greater than 1');
    expect(lambdaErrorOf(() => resolveWeights('$LATEST', { '1': 0.1 })).message).toBe('$LATEST is not supported for an alias pointing to more than 1 version');
  });
});
