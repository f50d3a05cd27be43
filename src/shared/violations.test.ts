import { describe, expect, it } from 'vitest';
import { Violations, formatViolations, showValue } from './violations.js';

describe('Violations', () => {
  it('shows values the way AWS prints them', () => {
    expect(showValue('x')).toBe("'x'");
    expect(showValue(12)).toBe("'12'");
    expect(showValue(null)).toBe('null');
    expect(showValue(['x86_64', 'arm64'])).toBe("'[x86_64, arm64]'");
    expect(showValue({ '2': 2.5 })).toBe("'{2=2.5}'");
  });

  it('counts in the singular and the plural and joins with "; "', () => {
    expect(formatViolations(['a'])).toBe('1 validation error detected: a');
    expect(formatViolations(['a', 'b'])).toBe('2 validation errors detected: a; b');
  });

  it('throws one ValidationException listing everything collected, and nothing when empty', () => {
    expect(() => new Violations().throwIfAny()).not.toThrow();
    const error = new Violations().addNull('role').add('timeout', 0, 'Member must have value greater than or equal to 1').toError();
    expect(error?.code).toBe('ValidationException');
    expect(error?.message).toBe(
      "2 validation errors detected: Value null at 'role' failed to satisfy constraint: Member must not be null; " +
        "Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
  });

  it('lists violations in the order of the members it is given (the model\'s), nested ones by their root', () => {
    const error = new Violations(['functionName', 'role', 'code', 'ephemeralStorage'])
      .add('ephemeralStorage.size', 1, 'r')
      .addNull('code')
      .addNull('functionName')
      .add('unknown', 'x', 'r')
      .addNull('role')
      .toError();
    expect(error?.message.match(/at '[^']+'/g)).toEqual([
      "at 'functionName'",
      "at 'role'",
      "at 'code'",
      "at 'ephemeralStorage.size'",
      "at 'unknown'",
    ]);
  });
});
