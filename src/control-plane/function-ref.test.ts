import { describe, expect, it } from 'vitest';
import { lambdaErrorOf } from '../../test/helpers/lambda-error-of.js';
import { MAX_NAME_LENGTH, buildFunctionArn, parseFunctionRef, resolveQualifier, type Scope } from './function-ref.js';

const SCOPE: Scope = { region: 'us-east-1', accountId: '123456789012' };


describe('parseFunctionRef', () => {
  it('parses a plain name', () => {
    expect(parseFunctionRef('my-function', SCOPE)).toStrictEqual({ name: 'my-function' });
  });

  it('accepts letters, digits, hyphens and underscores in names', () => {
    expect(parseFunctionRef('My_Func-01', SCOPE)).toStrictEqual({ name: 'My_Func-01' });
  });

  it('parses name:qualifier with a version, an alias and $LATEST', () => {
    expect(parseFunctionRef('my-function:1', SCOPE)).toStrictEqual({ name: 'my-function', qualifier: '1' });
    expect(parseFunctionRef('my-function:prod', SCOPE)).toStrictEqual({ name: 'my-function', qualifier: 'prod' });
    expect(parseFunctionRef('my-function:$LATEST', SCOPE)).toStrictEqual({ name: 'my-function', qualifier: '$LATEST' });
  });

  it('parses a partial ARN, with and without a qualifier', () => {
    expect(parseFunctionRef('123456789012:function:my-function', SCOPE)).toStrictEqual({ name: 'my-function' });
    expect(parseFunctionRef('123456789012:function:my-function:live', SCOPE)).toStrictEqual({
      name: 'my-function',
      qualifier: 'live',
    });
  });

  it('parses a full ARN, with and without a qualifier', () => {
    expect(parseFunctionRef('arn:aws:lambda:us-east-1:123456789012:function:my-function', SCOPE)).toStrictEqual({
      name: 'my-function',
    });
    expect(parseFunctionRef('arn:aws:lambda:us-east-1:123456789012:function:my-function:$LATEST', SCOPE)).toStrictEqual({
      name: 'my-function',
      qualifier: '$LATEST',
    });
  });

  it('accepts ARNs of other partitions and GovCloud regions when they are this lambdock\'s', () => {
    const gov: Scope = { region: 'us-gov-west-1', accountId: '123456789012' };
    expect(parseFunctionRef('arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f', gov)).toStrictEqual({ name: 'f' });
    const cn: Scope = { region: 'cn-north-1', accountId: '123456789012' };
    expect(parseFunctionRef('arn:aws-cn:lambda:cn-north-1:123456789012:function:f:2', cn)).toStrictEqual({
      name: 'f',
      qualifier: '2',
    });
  });

  it('answers ResourceNotFoundException for an ARN of another region', () => {
    const error = lambdaErrorOf(() => parseFunctionRef('arn:aws:lambda:eu-west-1:123456789012:function:my-function', SCOPE));
    expect(error.code).toBe('ResourceNotFoundException');
    expect(error.status).toBe(404);
    expect(error.message).toBe("Functions from 'eu-west-1' are not reachable in this region ('us-east-1')");
  });

  it('checks the region before the account', () => {
    const error = lambdaErrorOf(() => parseFunctionRef('arn:aws:lambda:eu-west-1:999999999999:function:f', SCOPE));
    expect(error.code).toBe('ResourceNotFoundException');
  });

  it('answers AccessDeniedException for a full ARN of another account', () => {
    const input = 'arn:aws:lambda:us-east-1:999999999999:function:my-function';
    const error = lambdaErrorOf(() => parseFunctionRef(input, SCOPE));
    expect(error.code).toBe('AccessDeniedException');
    expect(error.status).toBe(403);
    expect(error.message).toContain(input);
    expect(error.message).toContain('999999999999');
  });

  it('answers AccessDeniedException for a partial ARN of another account', () => {
    const error = lambdaErrorOf(() => parseFunctionRef('999999999999:function:my-function', SCOPE));
    expect(error.code).toBe('AccessDeniedException');
  });

  it('accepts a name of exactly 64 characters', () => {
    const name = 'a'.repeat(MAX_NAME_LENGTH);
    expect(parseFunctionRef(name, SCOPE)).toStrictEqual({ name });
  });

  it.each([
    ['a plain name', (n: string) => n],
    ['a qualified name', (n: string) => `${n}:1`],
    ['a partial ARN', (n: string) => `123456789012:function:${n}`],
    ['a full ARN', (n: string) => `arn:aws:lambda:us-east-1:123456789012:function:${n}`],
  ])('refuses a name of 65 characters in %s with InvalidParameterValueException', (_, wrap) => {
    const name = 'a'.repeat(65);
    const error = lambdaErrorOf(() => parseFunctionRef(wrap(name), SCOPE));
    expect(error.code).toBe('InvalidParameterValueException');
    expect(error.message).toBe(
      `1 validation error detected: Value '${name}' at 'functionName' failed to satisfy constraint: ` +
        'Member must have length less than or equal to 64',
    );
  });

  it.each(['my function', 'fn/with/slashes', 'a:b:c', 'name.with.dots', 'arn:aws:lambda:us-east-1:123:function:f', 'f:'])(
    'refuses %j with ValidationException and AWS\'s pattern',
    (input) => {
      const error = lambdaErrorOf(() => parseFunctionRef(input, SCOPE));
      expect(error.code).toBe('ValidationException');
      expect(error.message).toMatch(
        new RegExp(
          `^1 validation error detected: Value '${input.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}' at 'functionName' ` +
            'failed to satisfy constraint: Member must satisfy regular expression pattern: \\(arn:',
        ),
      );
    },
  );

  it('refuses an empty name and a name over 256 characters with a length message', () => {
    expect(lambdaErrorOf(() => parseFunctionRef('', SCOPE)).message).toBe(
      "1 validation error detected: Value '' at 'functionName' failed to satisfy constraint: " +
        'Member must have length greater than or equal to 1',
    );
    const long = 'a'.repeat(257);
    const error = lambdaErrorOf(() => parseFunctionRef(long, SCOPE));
    expect(error.code).toBe('ValidationException');
    expect(error.message).toContain('Member must have length less than or equal to 256');
  });
});

describe('resolveQualifier', () => {
  it('keeps the derived qualifier when none is given explicitly', () => {
    expect(resolveQualifier({ name: 'f', qualifier: '3' }, undefined)).toBe('3');
    expect(resolveQualifier({ name: 'f', qualifier: '3' }, '')).toBe('3');
    expect(resolveQualifier({ name: 'f' }, undefined)).toBeUndefined();
  });

  it('takes the explicit qualifier when the name has none', () => {
    expect(resolveQualifier({ name: 'f' }, 'prod')).toBe('prod');
    expect(resolveQualifier({ name: 'f' }, '$LATEST')).toBe('$LATEST');
  });

  it('accepts an explicit qualifier that agrees with the derived one', () => {
    expect(resolveQualifier({ name: 'f', qualifier: '$LATEST' }, '$LATEST')).toBe('$LATEST');
  });

  it('refuses an explicit qualifier that differs from the derived one', () => {
    const error = lambdaErrorOf(() => resolveQualifier({ name: 'f', qualifier: '1' }, '2'));
    expect(error.code).toBe('InvalidParameterValueException');
    expect(error.message).toBe('The derived qualifier from the function name does not match the specified qualifier.');
  });

  it('refuses a malformed or too long explicit qualifier with ValidationException', () => {
    for (const bad of ['has space', 'a/b', 'x'.repeat(129)]) {
      const error = lambdaErrorOf(() => resolveQualifier({ name: 'f' }, bad));
      expect(error.code).toBe('ValidationException');
      expect(error.message).toContain(`Value '${bad}' at 'qualifier'`);
    }
  });
});

describe('buildFunctionArn', () => {
  it('builds an unqualified ARN in the scope\'s region and account', () => {
    expect(buildFunctionArn(SCOPE, 'my-function')).toBe('arn:aws:lambda:us-east-1:123456789012:function:my-function');
  });

  it('appends the qualifier', () => {
    expect(buildFunctionArn(SCOPE, 'my-function', '$LATEST')).toBe(
      'arn:aws:lambda:us-east-1:123456789012:function:my-function:$LATEST',
    );
  });

  it('round-trips through parseFunctionRef', () => {
    expect(parseFunctionRef(buildFunctionArn(SCOPE, 'f_1', 'v2'), SCOPE)).toStrictEqual({ name: 'f_1', qualifier: 'v2' });
  });
});
