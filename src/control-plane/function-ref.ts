import { LambdaError, invalidParameter, validationError } from '../shared/errors.js';

/** Where functions live: the region and account this lambdock answers for. */
export interface Scope {
  region: string;
  accountId: string;
}

/** A function named by the caller, with the qualifier (version or alias) it named, if any. */
export interface FunctionRef {
  name: string;
  qualifier?: string;
}

const NAME = '[a-zA-Z0-9-_]+';
const QUALIFIER = '(?:\\$LATEST|[a-zA-Z0-9-_]+)';
const FULL_ARN = new RegExp(
  `^arn:(aws[a-zA-Z-]*):lambda:([a-z]{2}(?:-gov)?-[a-z]+-\\d):(\\d{12}):function:(${NAME})(?::(${QUALIFIER}))?$`,
);
const PARTIAL_ARN = new RegExp(`^(\\d{12}):function:(${NAME})(?::(${QUALIFIER}))?$`);
const PLAIN = new RegExp(`^(${NAME})(?::(${QUALIFIER}))?$`);
const AWS_PATTERN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?';

export const MAX_NAME_LENGTH = 64;

export function buildFunctionArn(scope: Scope, name: string, qualifier?: string): string {
  const base = `arn:aws:lambda:${scope.region}:${scope.accountId}:function:${name}`;
  return qualifier === undefined ? base : `${base}:${qualifier}`;
}

function checkName(name: string): void {
  if (name.length > MAX_NAME_LENGTH) {
    throw invalidParameter(
      `1 validation error detected: Value '${name}' at 'functionName' failed to satisfy constraint: ` +
        `Member must have length less than or equal to ${MAX_NAME_LENGTH}`,
    );
  }
}

function checkScope(scope: Scope, region: string, accountId: string, input: string): void {
  if (region !== scope.region) {
    throw new LambdaError(
      'ResourceNotFoundException',
      `Functions from '${region}' are not reachable in this region ('${scope.region}')`,
    );
  }
  if (accountId !== scope.accountId) {
    throw new LambdaError(
      'AccessDeniedException',
      `User is not authorized to access ${input}: it belongs to account ${accountId}, not ${scope.accountId}`,
    );
  }
}

/**
 * Parses the `{FunctionName}` of a path (already URL-decoded) or a body field: a name, `name:qualifier`,
 * a partial ARN (`123456789012:function:name`) or a full ARN, each optionally qualified.
 */
export function parseFunctionRef(input: string, scope: Scope): FunctionRef {
  if (input.length === 0 || input.length > 256) {
    throw validationError(
      `1 validation error detected: Value '${input}' at 'functionName' failed to satisfy constraint: ` +
        `Member must have length ${input.length === 0 ? 'greater than or equal to 1' : 'less than or equal to 256'}`,
    );
  }
  let match = FULL_ARN.exec(input);
  if (match) {
    const [, , region = '', account = '', name = '', qualifier] = match;
    checkScope(scope, region, account, input);
    checkName(name);
    return qualifier === undefined ? { name } : { name, qualifier };
  }
  match = PARTIAL_ARN.exec(input);
  if (match) {
    const [, account = '', name = '', qualifier] = match;
    checkScope(scope, scope.region, account, input);
    checkName(name);
    return qualifier === undefined ? { name } : { name, qualifier };
  }
  match = PLAIN.exec(input);
  if (match) {
    const [, name = '', qualifier] = match;
    checkName(name);
    return qualifier === undefined ? { name } : { name, qualifier };
  }
  throw validationError(
    `1 validation error detected: Value '${input}' at 'functionName' failed to satisfy constraint: ` +
      `Member must satisfy regular expression pattern: ${AWS_PATTERN}`,
  );
}

/** Combines the qualifier derived from the name with an explicit `?Qualifier=`; they must agree. */
export function resolveQualifier(ref: FunctionRef, explicit: string | undefined): string | undefined {
  if (explicit === undefined || explicit === '') return ref.qualifier;
  if (!new RegExp(`^${QUALIFIER}$`).test(explicit) || explicit.length > 128) {
    throw validationError(
      `1 validation error detected: Value '${explicit}' at 'qualifier' failed to satisfy constraint: ` +
        `Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)`,
    );
  }
  if (ref.qualifier !== undefined && ref.qualifier !== explicit) {
    throw invalidParameter('The derived qualifier from the function name does not match the specified qualifier.');
  }
  return explicit;
}
