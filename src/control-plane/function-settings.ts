import { invalidParameter } from '../shared/errors.js';
import { Violations } from '../shared/violations.js';
import type { Architecture, Settings } from './function-model.js';
import { checkRuntime } from './runtimes.js';

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
const ROLE_PATTERN_TEXT = 'arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+';
const HANDLER_PATTERN = /^[^\s]+$/;
const ENV_KEY_PATTERN = /^[a-zA-Z]([a-zA-Z0-9_])+$/;
const ARCHITECTURES = ['x86_64', 'arm64'];

function checkRange(violations: Violations, member: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value)) violations.add(member, value, 'Member must be an integer');
  else if (value < min) violations.add(member, value, `Member must have value greater than or equal to ${min}`);
  else if (value > max) violations.add(member, value, `Member must have value less than or equal to ${max}`);
}

export { checkRuntime };

/** The pattern violations of variable names (AWS's model constraint on the map's keys). */
function checkEnvironmentKeys(variables: Record<string, string>, violations: Violations): void {
  for (const [key, value] of Object.entries(variables)) {
    if (!ENV_KEY_PATTERN.test(key)) {
      violations.add('environment.variables', key, 'Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+');
    }
    if (typeof value !== 'string') violations.add('environment.variables', key, 'Member must be a string');
  }
}

/** Reserved keys, then the names' pattern, then the 4 KB limit (checked after the model's other constraints). */
export function checkEnvironment(variables: Record<string, string>): Record<string, string> {
  const reserved = Object.keys(variables).filter((key) => RESERVED_ENV_KEYS.has(key));
  if (reserved.length > 0) {
    throw invalidParameter(
      'Lambda was unable to configure your environment variables because the environment variables you have ' +
        'provided contains reserved keys that are currently not supported for modification. ' +
        `Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  const violations = new Violations();
  checkEnvironmentKeys(variables, violations);
  violations.throwIfAny();
  const measured = JSON.stringify(variables);
  if (Buffer.byteLength(measured) > LIMITS.environmentBytes) {
    throw invalidParameter(
      'Lambda was unable to configure your environment variables because the environment variables you have ' +
        `provided exceeded the 4KB limit. String measured: ${measured}`,
    );
  }
  return { ...variables };
}

export type PackageType = 'Zip' | 'Image';

/** A .zip function's runtime and handler, both required. */
function resolveZipRuntime(merged: { runtime?: string; handler?: string }): Settings['runtime'] {
  if (merged.runtime === undefined) throw invalidParameter('Runtime is required for .zip deployment packages.');
  const runtime = checkRuntime(merged.runtime);
  if (merged.handler === undefined) throw invalidParameter('Handler is required for .zip deployment packages.');
  return runtime;
}

/** An image function brings its runtime and names its handler in its command: Runtime and Handler are refused, not dropped. */
function refuseRuntimeOfImage(merged: { runtime?: string; handler?: string }): void {
  if (merged.runtime !== undefined || merged.handler !== undefined) {
    throw invalidParameter(
      'Runtime and Handler are not used by functions with packageType Image (the image brings its runtime; ' +
        'ImageConfig.Command names the handler): remove them.',
    );
  }
}

/** The settings once merged over the base, before they are checked. */
function mergeSettings(input: SettingsInput, base: Partial<Settings>) {
  return {
    runtime: input.Runtime ?? base.runtime,
    handler: input.Handler ?? base.handler,
    role: input.Role ?? base.role,
    description: input.Description ?? base.description ?? '',
    memorySize: input.MemorySize ?? base.memorySize ?? LIMITS.memory.default,
    timeout: input.Timeout ?? base.timeout ?? LIMITS.timeout.default,
    ephemeralStorageSize: input.EphemeralStorage?.Size ?? base.ephemeralStorageSize ?? LIMITS.ephemeralStorage.default,
    architectures: (input.Architectures ?? base.architectures ?? ['x86_64']) as string[],
  };
}

/** The members the model constrains; an absent one is not checked (except a required Role). */
interface Constrained {
  role?: string;
  handler?: string;
  description?: string;
  timeout?: number;
  memorySize?: number;
  ephemeralStorageSize?: number;
  architectures?: string[];
}

/** Adds every model constraint the settings break (AWS lists them all in one ValidationException). */
function checkModelConstraints(settings: Constrained, violations: Violations, roleRequired: boolean): void {
  const { role, handler, description, architectures } = settings;
  if (role === undefined) {
    if (roleRequired) violations.addNull('role');
  } else if (!ROLE_PATTERN.test(role)) {
    violations.add('role', role, `Member must satisfy regular expression pattern: ${ROLE_PATTERN_TEXT}`);
  }
  if (handler !== undefined) {
    if (handler.length > 128) violations.add('handler', handler, 'Member must have length less than or equal to 128');
    if (!HANDLER_PATTERN.test(handler)) violations.add('handler', handler, 'Member must satisfy regular expression pattern: [^\\s]+');
  }
  if (description !== undefined && description.length > 256) {
    violations.add('description', description, 'Member must have length less than or equal to 256');
  }
  if (settings.timeout !== undefined) checkRange(violations, 'timeout', settings.timeout, LIMITS.timeout.min, LIMITS.timeout.max);
  if (settings.memorySize !== undefined) checkRange(violations, 'memorySize', settings.memorySize, LIMITS.memory.min, LIMITS.memory.max);
  if (architectures !== undefined) checkArchitectures(architectures, violations);
  if (settings.ephemeralStorageSize !== undefined) {
    const { min, max } = LIMITS.ephemeralStorage;
    checkRange(violations, 'ephemeralStorage.size', settings.ephemeralStorageSize, min, max);
  }
}

function checkArchitectures(architectures: string[], violations: Violations): void {
  if (architectures.length > 1) violations.add('architectures', architectures, 'Member must have length less than or equal to 1');
  else if (architectures.length < 1) violations.add('architectures', architectures, 'Member must have length greater than or equal to 1');
  else if (!ARCHITECTURES.includes(architectures[0] ?? '')) {
    violations.add(
      'architectures',
      architectures,
      'Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]',
    );
  }
}

/**
 * The model constraints of the members an update names, checked before anything is looked up: AWS answers
 * ValidationException for a malformed request before 404, 409 or 412.
 */
export function checkSettingsInput(input: SettingsInput): void {
  const violations = new Violations();
  checkModelConstraints(
    {
      role: input.Role,
      handler: input.Handler,
      description: input.Description,
      timeout: input.Timeout,
      memorySize: input.MemorySize,
      ephemeralStorageSize: input.EphemeralStorage?.Size,
      architectures: input.Architectures,
    },
    violations,
    false,
  );
  violations.throwIfAny();
}

/**
 * Validates an input against AWS's rules and merges it over `base` (the current settings, or defaults).
 * Model constraints come first, all of them listed in one ValidationException (with any the caller already
 * collected in `violations`, e.g. the function name's); then the service's own checks, one at a time.
 */
export function resolveSettings(
  input: SettingsInput,
  base: Partial<Settings>,
  violations = new Violations(),
  packageType: PackageType = 'Zip',
): Settings {
  const merged = mergeSettings(input, base);
  checkModelConstraints(merged, violations, true);
  violations.throwIfAny();

  if (packageType === 'Image') refuseRuntimeOfImage(merged);
  const runtime = packageType === 'Zip' ? resolveZipRuntime(merged) : undefined;
  const environment =
    input.Environment === undefined ? { ...(base.environment ?? {}) } : checkEnvironment(input.Environment.Variables ?? {});

  return {
    ...(runtime === undefined ? {} : { runtime, handler: merged.handler }),
    role: merged.role as string,
    description: merged.description,
    memorySize: merged.memorySize,
    timeout: merged.timeout,
    environment,
    ephemeralStorageSize: merged.ephemeralStorageSize,
    architectures: merged.architectures as Architecture[],
  };
}
