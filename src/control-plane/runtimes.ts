import { invalidParameter } from '../shared/errors.js';
import { SUPPORTED_RUNTIMES, type Runtime } from './function-model.js';

/**
 * The runtimes AWS accepts for new and updated functions, in the order AWS prints them in its refusal
 * (recorded from AWS: LocalStack's test_create_lambda_exceptions snapshot, 2025-11).
 */
export const AWS_RUNTIMES = [
  'nodejs20.x', 'python3.14', 'provided.al2023', 'python3.12', 'python3.13', 'nodejs24.x', 'nodejs22.x', 'java25',
  'python3.10', 'python3.11', 'java21', 'ruby3.3', 'ruby3.4', 'ruby3.2', 'python3.8', 'python3.9', 'java17',
  'nodejs16.x', 'dotnet10', 'dotnet8', 'java11', 'dotnet6', 'nodejs18.x', 'provided.al2', 'java8.al2',
] as const;

/** Runtimes of botocore's enum that AWS no longer lets functions be created or updated with. */
export const RETIRED_RUNTIMES = [
  'nodejs', 'nodejs4.3', 'nodejs4.3-edge', 'nodejs6.10', 'nodejs8.10', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x',
  'java8', 'python2.7', 'python3.6', 'python3.7', 'dotnetcore1.0', 'dotnetcore2.0', 'dotnetcore2.1', 'dotnetcore3.1',
  'go1.x', 'ruby2.5', 'ruby2.7', 'provided',
] as const;

const includes = (list: readonly string[], value: string) => list.includes(value);

/** Pythons newer than the host's Debian 3.11: no offline stand-in can be built for them. */
const REGISTRY_ONLY_PYTHONS = ['python3.12', 'python3.13', 'python3.14'] as const;

/**
 * A runtime lambdock can run, or the refusal AWS gives (a retired runtime, a value outside the enum). A
 * runtime AWS has but lambdock cannot run yet is refused as well, saying so: never accepted only to fail later.
 */
export function checkRuntime(value: string): Runtime {
  if (includes(SUPPORTED_RUNTIMES, value)) return value as Runtime;
  if (includes(RETIRED_RUNTIMES, value)) {
    throw invalidParameter(
      `The runtime parameter of ${value} is no longer supported for creating or updating AWS Lambda functions. ` +
        'We recommend you use a supported runtime while creating or updating functions.',
    );
  }
  if (includes(REGISTRY_ONLY_PYTHONS, value)) {
    throw invalidParameter(
      `The runtime ${value} is not supported by lambdock yet: lambdock builds python3.11 only, from the host's ` +
        `Debian Python, and has no ${value} image (that needs python:${value.slice('python'.length)}-slim-bookworm ` +
        `from a container registry). lambdock runs ${SUPPORTED_RUNTIMES.join(', ')}.`,
    );
  }
  if (includes(AWS_RUNTIMES, value)) {
    throw invalidParameter(
      `The runtime ${value} is not supported by lambdock yet. lambdock runs ${SUPPORTED_RUNTIMES.join(', ')}.`,
    );
  }
  throw invalidParameter(
    `Value ${value} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: ` +
      `[${AWS_RUNTIMES.join(', ')}] or be a valid ARN`,
  );
}
