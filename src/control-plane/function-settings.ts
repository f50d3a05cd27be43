import { invalidParameter, validationError } from '../shared/errors.js';
import { SUPPORTED_RUNTIMES, type Architecture, type Runtime, type Settings } from './function-model.js';

export type { Settings };

/** The configurable part of a function, as the API names it (CreateFunction / UpdateFunctionConfiguration). */
export interface SettingsInput {
  Runtime?: string;
  Handler?: string;
  Role?: string;
  Description?: string;
  MemorySize?: number;
  Timeout?: number;
  Environment?: { Variables?: Record<string, string> };
  EphemeralStorage?: { Size: number };
  Architectures?: string[];
}

export const LIMITS = {
  memory: { min: 128, max: 10240, default: 128 },
  timeout: { min: 1, max: 900, default: 3 },
  ephemeralStorage: { min: 512, max: 10240, default: 512 },
  environmentBytes: 4096,
} as const;

/** Keys the platform sets itself (AWS's list); a function may not define them. */
export const RESERVED_ENV_KEYS = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_LAMBDA_RUNTIME_API',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

const ROLE_PATTERN = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const HANDLER_PATTERN = /^[^\s]+$/;
const ENV_KEY_PATTERN = /^[a-zA-Z]([a-zA-Z0-9_])+$/;

function constraint(field: string, value: unknown, rule: string): never {
  const shown = value === null || value === undefined ? 'null' : `'${String(value)}'`;
  throw validationError(`1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ${rule}`);
}

function range(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value)) constraint(field, value, 'Member must be an integer');
  if (value < min) constraint(field, value, `Member must have value greater than or equal to ${min}`);
  if (value > max) constraint(field, value, `Member must have value less than or equal to ${max}`);
  return value;
}

export function checkRuntime(value: string): Runtime {
  if (!(SUPPORTED_RUNTIMES as readonly string[]).includes(value)) {
    throw invalidParameter(
      `Value ${value} at 'runtime' failed to satisfy constraint: lambdock supports the runtimes ${SUPPORTED_RUNTIMES.join(', ')}`,
    );
  }
  return value as Runtime;
}

export function checkEnvironment(variables: Record<string, string>): Record<string, string> {
  const reserved = Object.keys(variables).filter((key) => RESERVED_ENV_KEYS.has(key));
  if (reserved.length > 0) {
    throw invalidParameter(
      'Lambda was unable to configure your environment variables because the environment variables you have ' +
        'provided contains reserved keys that are currently not supported for modification. ' +
        `Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  for (const [key, value] of Object.entries(variables)) {
    if (!ENV_KEY_PATTERN.test(key)) {
      constraint('environment.variables', key, 'Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+');
    }
    if (typeof value !== 'string') constraint('environment.variables', key, 'Member must be a string');
  }
  const measured = JSON.stringify(variables);
  if (Buffer.byteLength(measured) > LIMITS.environmentBytes) {
    throw invalidParameter(
      'Lambda was unable to configure your environment variables because the environment variables you have ' +
        `provided exceeded the 4KB limit. String measured: ${measured}`,
    );
  }
  return { ...variables };
}

/** Validates an input against AWS's rules and merges it over `base` (the current settings, or defaults). */
export function resolveSettings(input: SettingsInput, base: Partial<Settings>): Settings {
  const runtimeValue = input.Runtime ?? base.runtime;
  if (runtimeValue === undefined) throw invalidParameter('Runtime is required for .zip deployment packages.');
  const runtime = checkRuntime(runtimeValue);

  const handler = input.Handler ?? base.handler;
  if (handler === undefined) throw invalidParameter('Handler is required for .zip deployment packages.');
  if (handler.length > 128 || !HANDLER_PATTERN.test(handler)) {
    constraint('handler', handler, 'Member must satisfy regular expression pattern: [^\\s]+');
  }

  const role = input.Role ?? base.role;
  if (role === undefined) constraint('role', null, 'Member must not be null');
  if (!ROLE_PATTERN.test(role)) {
    constraint(
      'role',
      role,
      'Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+',
    );
  }

  const description = input.Description ?? base.description ?? '';
  if (description.length > 256) constraint('description', description, 'Member must have length less than or equal to 256');

  const architectures = (input.Architectures ?? base.architectures ?? ['x86_64']) as string[];
  if (architectures.length !== 1) {
    constraint('architectures', `[${architectures.join(', ')}]`, 'Member must have length less than or equal to 1');
  }
  if (!['x86_64', 'arm64'].includes(architectures[0] ?? '')) {
    constraint('architectures', `[${architectures.join(', ')}]`, 'Member must satisfy enum value set: [x86_64, arm64]');
  }

  return {
    runtime,
    handler,
    role,
    description,
    memorySize: range('memorySize', input.MemorySize ?? base.memorySize ?? LIMITS.memory.default, LIMITS.memory.min, LIMITS.memory.max),
    timeout: range('timeout', input.Timeout ?? base.timeout ?? LIMITS.timeout.default, LIMITS.timeout.min, LIMITS.timeout.max),
    environment:
      input.Environment === undefined
        ? { ...(base.environment ?? {}) }
        : checkEnvironment(input.Environment.Variables ?? {}),
    ephemeralStorageSize: range(
      'ephemeralStorage.size',
      input.EphemeralStorage?.Size ?? base.ephemeralStorageSize ?? LIMITS.ephemeralStorage.default,
      LIMITS.ephemeralStorage.min,
      LIMITS.ephemeralStorage.max,
    ),
    architectures: architectures as Architecture[],
  };
}
