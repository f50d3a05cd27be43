import { describe, expect, it } from 'vitest';
import { lambdaErrorOf } from '../../test/helpers/lambda-error-of.js';
import {
  MAX_NAME_LENGTH,
  NAME_PATTERNS,
  buildFunctionArn,
  parseFunctionRef,
  parseFunctionTarget,
  resolveQualifier,
  type Scope,
} from './function-ref.js';

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

  it('answers AccessDeniedException without a message for a full ARN of another account, as AWS does', () => {
    const error = lambdaErrorOf(() => parseFunctionRef('arn:aws:lambda:us-east-1:999999999999:function:my-function', SCOPE));
    expect(error.code).toBe('AccessDeniedException');
    expect(error.status).toBe(403);
    expect(error.message).toBe('');
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
  ])('lets a name of 65 characters in %s through (looking it up answers 404, as AWS does)', (_, wrap) => {
    const name = 'a'.repeat(65);
    expect(parseFunctionRef(wrap(name), SCOPE).name).toBe(name);
  });

  it('accepts dots in names where AWS does (NamespacedFunctionName) and refuses them in FunctionName', () => {
    expect(parseFunctionRef('name.with.dots', SCOPE)).toStrictEqual({ name: 'name.with.dots' });
    const error = lambdaErrorOf(() => parseFunctionRef('name.with.dots', SCOPE, 'FunctionName'));
    expect(error.message).toBe(
      "1 validation error detected: Value 'name.with.dots' at 'functionName' failed to satisfy constraint: " +
        `Member must satisfy regular expression pattern: ${NAME_PATTERNS.FunctionName}`,
    );
  });

  it('reads an incomplete ARN the way AWS does: the last word is the name', () => {
    expect(parseFunctionRef('arn:aws:lambda:us-east-1:123456789012:function', SCOPE)).toStrictEqual({ name: 'function' });
  });

  // Recorded from AWS: LocalStack's test_function_name_and_qualifier_validation snapshots.
  it.each([
    'my function',
    'fn/with/slashes',
    'a:b:c',
    'my-function!',
    '*',
    'invalid-account:function:my-function',
    'arn:aws:lambda:invalid-region:123456789012:function:my-function',
    'arn:aws:ec2:us-east-1:123456789012:instance:i-1234567890abcdef0',
    'arn:aws:lambda:us-east-1:123456789012:function:my-function:1:2',
    'function:my-function:$LATEST:extra',
    'arn:aws:lambda::123456789012:function:my-function',
    'arn:aws:lambda:us-east-1::function:my-function',
    'arn:aws:lambda:us-east-1:123456789012:function:my-function:$LATES',
    'arn:aws:lambda:us-east-1:123:function:f',
    'f:',
  ])('refuses %j with ValidationException and AWS\'s pattern, word for word', (input) => {
    const error = lambdaErrorOf(() => parseFunctionRef(input, SCOPE));
    expect(error.code).toBe('ValidationException');
    expect(error.message).toBe(
      `1 validation error detected: Value '${input}' at 'functionName' failed to satisfy constraint: ` +
        'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?',
    );
  });

  it('lists both violations of an over-long name that breaks the pattern too', () => {
    const input = `arn:aws:lambda:invalid-region:123456789012:function:my-function${'a'.repeat(170)}`;
    const error = lambdaErrorOf(() => parseFunctionRef(input, SCOPE, 'FunctionName'));
    expect(error.message).toBe(
      `2 validation errors detected: Value '${input}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 140; ` +
        `Value '${input}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${NAME_PATTERNS.FunctionName}`,
    );
  });

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

describe('parseFunctionTarget', () => {
  it('lists the qualifier\'s and the name\'s violations together', () => {
    const name = `arn:aws:lambda:invalid-region:123456789012:function:my-function-${'a'.repeat(170)}`;
    const qualifier = 'a'.repeat(129);
    const error = lambdaErrorOf(() => parseFunctionTarget(name, qualifier, SCOPE));
    expect(error.code).toBe('ValidationException');
    expect(error.message).toBe(
      `2 validation errors detected: Value '${name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${NAME_PATTERNS.NamespacedFunctionName}; ` +
        `Value '${qualifier}' at 'qualifier' failed to satisfy constraint: Member must have length less than or equal to 128`,
    );
  });

  it('refuses a qualifier with characters outside AWS\'s pattern, printing the pattern as AWS does', () => {
    expect(lambdaErrorOf(() => parseFunctionTarget('my-function', 'invalid!', SCOPE)).message).toBe(
      "1 validation error detected: Value 'invalid!' at 'qualifier' failed to satisfy constraint: " +
        'Member must satisfy regular expression pattern: \\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+',
    );
  });

  it('accepts $latest as a qualifier (it names no version, so looking it up is 404)', () => {
    expect(parseFunctionTarget('my-function', '$latest', SCOPE)).toStrictEqual({ name: 'my-function', qualifier: '$latest' });
  });

  it('refuses a qualifier that differs from the one in the ARN', () => {
    const error = lambdaErrorOf(() =>
      parseFunctionTarget('arn:aws:lambda:us-east-1:123456789012:function:my-function:$LATEST', '1', SCOPE),
    );
    expect(error.code).toBe('InvalidParameterValueException');
    expect(error.message).toBe('The derived qualifier from the function name does not match the specified qualifier.');
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
