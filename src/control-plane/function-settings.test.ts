import { describe, expect, it } from 'vitest';
import { lambdaErrorOf } from '../../test/helpers/lambda-error-of.js';
import {
  LIMITS,
  RESERVED_ENV_KEYS,
  checkEnvironment,
  checkRuntime,
  resolveSettings,
  type Settings,
  type SettingsInput,
} from './function-settings.js';

const ROLE = 'arn:aws:iam::123456789012:role/lambda-role';
const MINIMAL: SettingsInput = { Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE };


describe('resolveSettings: defaults and merging', () => {
  it('fills AWS\'s defaults: 128 MB, 3 s, 512 MB of /tmp, x86_64, no description, no variables', () => {
    expect(resolveSettings(MINIMAL, {})).toStrictEqual({
      runtime: 'nodejs20.x',
      handler: 'index.handler',
      role: ROLE,
      description: '',
      memorySize: 128,
      timeout: 3,
      environment: {},
      ephemeralStorageSize: 512,
      architectures: ['x86_64'],
    });
  });

  it('takes every given setting', () => {
    const settings = resolveSettings(
      {
        Runtime: 'provided.al2023',
        Handler: 'bootstrap',
        Role: 'arn:aws:iam::123456789012:role/service-role/x',
        Description: 'hello',
        MemorySize: 1769,
        Timeout: 900,
        Environment: { Variables: { STAGE: 'prod' } },
        EphemeralStorage: { Size: 10240 },
        Architectures: ['arm64'],
      },
      {},
    );
    expect(settings).toStrictEqual({
      runtime: 'provided.al2023',
      handler: 'bootstrap',
      role: 'arn:aws:iam::123456789012:role/service-role/x',
      description: 'hello',
      memorySize: 1769,
      timeout: 900,
      environment: { STAGE: 'prod' },
      ephemeralStorageSize: 10240,
      architectures: ['arm64'],
    });
  });

  it('merges an update over the current settings, keeping what the update leaves out', () => {
    const base: Settings = {
      runtime: 'provided.al2',
      handler: 'bootstrap',
      role: ROLE,
      description: 'kept',
      memorySize: 512,
      timeout: 30,
      environment: { KEEP: 'me' },
      ephemeralStorageSize: 1024,
      architectures: ['arm64'],
    };
    expect(resolveSettings({ Timeout: 60 }, base)).toStrictEqual({ ...base, timeout: 60 });
  });

  it('replaces the whole variable map when Environment is given, and clears it with an empty one', () => {
    const base = resolveSettings({ ...MINIMAL, Environment: { Variables: { OLD: '1' } } }, {});
    expect(resolveSettings({ Environment: { Variables: { NEW: '2' } } }, base).environment).toStrictEqual({ NEW: '2' });
    expect(resolveSettings({ Environment: {} }, base).environment).toStrictEqual({});
  });

  it('does not share the environment object with its input or base', () => {
    const variables = { KEY: 'v' };
    const settings = resolveSettings({ ...MINIMAL, Environment: { Variables: variables } }, {});
    variables.KEY = 'changed';
    expect(settings.environment).toStrictEqual({ KEY: 'v' });
    const again = resolveSettings({}, settings);
    expect(again.environment).not.toBe(settings.environment);
  });
});

describe('resolveSettings: limits', () => {
  const rangeMessage = (field: string, value: number, rule: string) =>
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must have value ${rule}`;

  it.each([128, 10240])('accepts MemorySize %i', (size) => {
    expect(resolveSettings({ ...MINIMAL, MemorySize: size }, {}).memorySize).toBe(size);
  });

  it('refuses MemorySize 127 and 10241', () => {
    const low = lambdaErrorOf(() => resolveSettings({ ...MINIMAL, MemorySize: 127 }, {}));
    expect(low.code).toBe('ValidationException');
    expect(low.message).toBe(rangeMessage('memorySize', 127, 'greater than or equal to 128'));
    const high = lambdaErrorOf(() => resolveSettings({ ...MINIMAL, MemorySize: 10241 }, {}));
    expect(high.message).toBe(rangeMessage('memorySize', 10241, 'less than or equal to 10240'));
  });

  it.each([1, 900])('accepts Timeout %i', (timeout) => {
    expect(resolveSettings({ ...MINIMAL, Timeout: timeout }, {}).timeout).toBe(timeout);
  });

  it('refuses Timeout 0 and 901', () => {
    expect(lambdaErrorOf(() => resolveSettings({ ...MINIMAL, Timeout: 0 }, {})).message).toBe(
      rangeMessage('timeout', 0, 'greater than or equal to 1'),
    );
    expect(lambdaErrorOf(() => resolveSettings({ ...MINIMAL, Timeout: 901 }, {})).message).toBe(
      rangeMessage('timeout', 901, 'less than or equal to 900'),
    );
  });

  it.each([512, 10240])('accepts EphemeralStorage %i', (size) => {
    expect(resolveSettings({ ...MINIMAL, EphemeralStorage: { Size: size } }, {}).ephemeralStorageSize).toBe(size);
  });

  it('refuses EphemeralStorage 511 and 10241', () => {
    expect(lambdaErrorOf(() => resolveSettings({ ...MINIMAL, EphemeralStorage: { Size: 511 } }, {})).message).toBe(
      rangeMessage('ephemeralStorage.size', 511, 'greater than or equal to 512'),
    );
    expect(lambdaErrorOf(() => resolveSettings({ ...MINIMAL, EphemeralStorage: { Size: 10241 } }, {})).message).toBe(
      rangeMessage('ephemeralStorage.size', 10241, 'less than or equal to 10240'),
    );
  });

  it('refuses a fractional value', () => {
    const error = lambdaErrorOf(() => resolveSettings({ ...MINIMAL, Timeout: 1.5 }, {}));
    expect(error.message).toBe("1 validation error detected: Value '1.5' at 'timeout' failed to satisfy constraint: Member must be an integer");
  });

  it('validates a value kept from the base as well', () => {
    const error = lambdaErrorOf(() => resolveSettings({}, { ...resolveSettings(MINIMAL, {}), memorySize: 64 }));
    expect(error.message).toBe(rangeMessage('memorySize', 64, 'greater than or equal to 128'));
  });

  it('lists every violated constraint in one ValidationException, as AWS does', () => {
    const error = lambdaErrorOf(() =>
      resolveSettings({ ...MINIMAL, Role: 'r1', MemorySize: 99999, Timeout: 0, Architectures: ['x86_64', 'arm64'] }, {}),
    );
    expect(error.code).toBe('ValidationException');
    expect(error.message).toBe(
      '4 validation errors detected: ' +
        [
          "Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
          "Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1",
          "Value '99999' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240",
          "Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1",
        ].join('; '),
    );
  });

  it('checks the model\'s constraints before the runtime', () => {
    const error = lambdaErrorOf(() => resolveSettings({ ...MINIMAL, Runtime: 'cobol', Timeout: 0 }, {}));
    expect(error.code).toBe('ValidationException');
  });

  it('publishes AWS\'s limits', () => {
    expect(LIMITS).toEqual({
      memory: { min: 128, max: 10240, default: 128 },
      timeout: { min: 1, max: 900, default: 3 },
      ephemeralStorage: { min: 512, max: 10240, default: 512 },
      environmentBytes: 4096,
    });
  });
});

describe('resolveSettings: required fields, runtime, role, handler, description, architectures', () => {
  it('requires a Runtime', () => {
    const error = lambdaErrorOf(() => resolveSettings({ Handler: 'h', Role: ROLE }, {}));
    expect(error.code).toBe('InvalidParameterValueException');
    expect(error.message).toBe('Runtime is required for .zip deployment packages.');
  });

  it('requires a Handler', () => {
    const error = lambdaErrorOf(() => resolveSettings({ Runtime: 'nodejs20.x', Role: ROLE }, {}));
    expect(error.code).toBe('InvalidParameterValueException');
    expect(error.message).toBe('Handler is required for .zip deployment packages.');
  });

  it('requires a Role', () => {
    const error = lambdaErrorOf(() => resolveSettings({ Runtime: 'nodejs20.x', Handler: 'h' }, {}));
    expect(error.code).toBe('ValidationException');
    expect(error.message).toMatch(/at 'role' failed to satisfy constraint: Member must not be null$/);
  });

  it('words a missing Role exactly as AWS does', () => {
    const error = lambdaErrorOf(() => resolveSettings({ Runtime: 'nodejs20.x', Handler: 'h' }, {}));
    expect(error.message).toBe("1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null");
  });

  // Recorded from AWS: LocalStack's test_create_lambda_exceptions snapshot.
  it.each(['non-existent-runtime', 'PYTHON3.9'])('refuses the runtime %j with AWS\'s enum, word for word', (runtime) => {
    const error = lambdaErrorOf(() => resolveSettings({ ...MINIMAL, Runtime: runtime }, {}));
    expect(error.code).toBe('InvalidParameterValueException');
    expect(error.message).toBe(
      `Value ${runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: ` +
        '[nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, java25, python3.10, ' +
        'python3.11, java21, ruby3.3, ruby3.4, ruby3.2, python3.8, python3.9, java17, nodejs16.x, dotnet10, dotnet8, ' +
        'java11, dotnet6, nodejs18.x, provided.al2, java8.al2] or be a valid ARN',
    );
  });

  // Recorded from AWS: LocalStack's test_create_deprecated_function_runtime_with_validation_enabled snapshots.
  it.each(['nodejs14.x', 'java8', 'go1.x', 'provided', 'python3.7', 'dotnetcore3.1', 'ruby2.7', 'nodejs12.x'])(
    'refuses the retired runtime %s with AWS\'s deprecation text',
    (runtime) => {
      const error = lambdaErrorOf(() => resolveSettings({ ...MINIMAL, Runtime: runtime }, {}));
      expect(error.code).toBe('InvalidParameterValueException');
      expect(error.message).toBe(
        `The runtime parameter of ${runtime} is no longer supported for creating or updating AWS Lambda functions. ` +
          'We recommend you use a supported runtime while creating or updating functions.',
      );
    },
  );

  it.each(['java21', 'nodejs18.x', 'ruby3.3', 'python3.10'])('refuses %s, which AWS has but lambdock cannot run yet, saying so', (runtime) => {
    const error = lambdaErrorOf(() => resolveSettings({ ...MINIMAL, Runtime: runtime }, {}));
    expect(error.code).toBe('InvalidParameterValueException');
    expect(error.message).toBe(
      `The runtime ${runtime} is not supported by lambdock yet. lambdock runs nodejs20.x, nodejs22.x, nodejs24.x, provided.al2023, provided.al2, python3.11.`,
    );
  });

  it.each(['python3.12', 'python3.13'])('refuses %s saying it has only the host\'s Python 3.11 and no image of it', (runtime) => {
    const error = lambdaErrorOf(() => resolveSettings({ ...MINIMAL, Runtime: runtime }, {}));
    expect(error.code).toBe('InvalidParameterValueException');
    expect(error.message).toBe(
      `The runtime ${runtime} is not supported by lambdock yet: lambdock builds python3.11 only, from the host's ` +
        `Debian Python, and has no ${runtime} image (that needs python:${runtime.slice(6)}-slim-bookworm from a ` +
        'container registry). lambdock runs nodejs20.x, nodejs22.x, nodejs24.x, provided.al2023, provided.al2, python3.11.',
    );
  });

  it('checkRuntime accepts each supported runtime', () => {
    for (const runtime of ['nodejs20.x', 'nodejs22.x', 'nodejs24.x', 'provided.al2023', 'provided.al2', 'python3.11']) expect(checkRuntime(runtime)).toBe(runtime);
  });

  it.each(['lambda-role', 'arn:aws:iam::12345:role/x', 'arn:aws:iam::123456789012:user/x', 'arn:aws:iam::123456789012:role', 'arn:aws:iam::123456789012:role/a b'])(
    'refuses the role %j',
    (role) => {
      const error = lambdaErrorOf(() => resolveSettings({ ...MINIMAL, Role: role }, {}));
      expect(error.code).toBe('ValidationException');
      expect(error.message).toBe(
        `1 validation error detected: Value '${role}' at 'role' failed to satisfy constraint: ` +
          'Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+',
      );
    },
  );

  it('accepts roles with paths and other partitions', () => {
    for (const role of ['arn:aws:iam::123456789012:role/service-role/my.role@x', 'arn:aws-cn:iam::123456789012:role/r']) {
      expect(resolveSettings({ ...MINIMAL, Role: role }, {}).role).toBe(role);
    }
  });

  it('refuses a handler with whitespace or over 128 characters', () => {
    expect(lambdaErrorOf(() => resolveSettings({ ...MINIMAL, Handler: 'index handler' }, {})).message).toContain(
      "at 'handler' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\\s]+",
    );
    expect(lambdaErrorOf(() => resolveSettings({ ...MINIMAL, Handler: 'h'.repeat(129) }, {})).code).toBe('ValidationException');
    expect(resolveSettings({ ...MINIMAL, Handler: 'h'.repeat(128) }, {}).handler).toHaveLength(128);
  });

  it('refuses a description over 256 characters', () => {
    expect(resolveSettings({ ...MINIMAL, Description: 'd'.repeat(256) }, {}).description).toHaveLength(256);
    const error = lambdaErrorOf(() => resolveSettings({ ...MINIMAL, Description: 'd'.repeat(257) }, {}));
    expect(error.message).toContain("at 'description' failed to satisfy constraint: Member must have length less than or equal to 256");
  });

  it('refuses two architectures', () => {
    const error = lambdaErrorOf(() => resolveSettings({ ...MINIMAL, Architectures: ['x86_64', 'arm64'] }, {}));
    expect(error.code).toBe('ValidationException');
    expect(error.message).toBe(
      "1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: " +
        'Member must have length less than or equal to 1',
    );
  });

  it('refuses an unknown architecture and an empty list', () => {
    // Recorded from AWS (uppercase_architecture): the enum sits inside a list constraint.
    expect(lambdaErrorOf(() => resolveSettings({ ...MINIMAL, Architectures: ['X86_64'] }, {})).message).toBe(
      "1 validation error detected: Value '[X86_64]' at 'architectures' failed to satisfy constraint: " +
        'Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]',
    );
    expect(lambdaErrorOf(() => resolveSettings({ ...MINIMAL, Architectures: [] }, {})).code).toBe('ValidationException');
  });
});

describe('checkEnvironment', () => {
  const ENV_PREFIX =
    'Lambda was unable to configure your environment variables because the environment variables you have provided';

  it('refuses reserved keys and names them all', () => {
    const error = lambdaErrorOf(() => checkEnvironment({ AWS_REGION: 'x', FINE: 'y', _HANDLER: 'z' }));
    expect(error.code).toBe('InvalidParameterValueException');
    expect(error.message).toBe(
      `${ENV_PREFIX} contains reserved keys that are currently not supported for modification. ` +
        'Reserved keys used in this request: AWS_REGION, _HANDLER',
    );
  });

  it('refuses each of AWS\'s reserved keys', () => {
    for (const key of RESERVED_ENV_KEYS) {
      expect(lambdaErrorOf(() => checkEnvironment({ [key]: 'v' })).message).toContain(`Reserved keys used in this request: ${key}`);
    }
    expect(RESERVED_ENV_KEYS).toContain('AWS_LAMBDA_RUNTIME_API');
    expect(RESERVED_ENV_KEYS).toContain('AWS_SECRET_ACCESS_KEY');
  });

  it('accepts variables of exactly 4 KB (measured as JSON) and refuses one byte more', () => {
    // {"AB":"<value>"} is 9 bytes plus the value.
    const fits = { AB: 'x'.repeat(4096 - 9) };
    expect(Buffer.byteLength(JSON.stringify(fits))).toBe(4096);
    expect(checkEnvironment(fits)).toStrictEqual(fits);
    const over = { AB: 'x'.repeat(4096 - 8) };
    const error = lambdaErrorOf(() => checkEnvironment(over));
    expect(error.code).toBe('InvalidParameterValueException');
    expect(error.message.startsWith(`${ENV_PREFIX} exceeded the 4KB limit. String measured: `)).toBe(true);
    expect(error.message.endsWith(JSON.stringify(over))).toBe(true);
  });

  it('counts bytes, not characters, against the 4 KB limit', () => {
    // {"AB":"é…"}: 2,043 two-byte characters make 4,095 bytes (2,052 characters); one more makes 4,097 bytes.
    expect(() => checkEnvironment({ AB: 'é'.repeat(2043) })).not.toThrow();
    expect(lambdaErrorOf(() => checkEnvironment({ AB: 'é'.repeat(2044) })).message).toContain('exceeded the 4KB limit');
  });

  it.each(['1ABC', 'A', 'MY-VAR', 'MY VAR', '_LEADING', 'ÄB'])('refuses the key %j', (key) => {
    const error = lambdaErrorOf(() => checkEnvironment({ [key]: 'v' }));
    expect(error.code).toBe('ValidationException');
    expect(error.message).toBe(
      `1 validation error detected: Value '${key}' at 'environment.variables' failed to satisfy constraint: ` +
        'Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+',
    );
  });

  it('accepts well-formed keys and empty values', () => {
    expect(checkEnvironment({ AB: '', a_1: 'x', Path9: 'y' })).toStrictEqual({ AB: '', a_1: 'x', Path9: 'y' });
  });

  it('refuses a value that is not a string', () => {
    const error = lambdaErrorOf(() => checkEnvironment({ COUNT: 3 as unknown as string }));
    expect(error.message).toContain('Member must be a string');
  });
});
