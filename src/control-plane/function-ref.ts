import { LambdaError, invalidParameter } from '../shared/errors.js';
import { Violations } from '../shared/violations.js';

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

/**
 * The two shapes AWS gives a function name. `FunctionName` (CreateFunction, UpdateFunctionCode and
 * UpdateFunctionConfiguration): at most 140 characters, no dots. `NamespacedFunctionName` (GetFunction,
 * GetFunctionConfiguration, DeleteFunction, Invoke): at most 256 characters, dots allowed, `$LATEST.PUBLISHED`.
 */
export type NameShape = 'FunctionName' | 'NamespacedFunctionName';

/** The patterns exactly as AWS prints them in its constraint messages (recorded from AWS). */
export const NAME_PATTERNS: Record<NameShape, string> = {
  FunctionName:
    '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?',
  NamespacedFunctionName:
    '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?',
};
const NAME_MAX_LENGTH: Record<NameShape, number> = { FunctionName: 140, NamespacedFunctionName: 256 };

/** The `?Qualifier=` of GetFunction, DeleteFunction and Invoke (NumericLatestPublishedOrAliasQualifier). */
export const QUALIFIER_PATTERN = '\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+';
const QUALIFIER_MAX_LENGTH = 128;

/** AWS matches a member's pattern against the whole value. */
const fullMatch = (pattern: string) => new RegExp(`^(?:${pattern})$`);
const NAME_REGEXPS: Record<NameShape, RegExp> = {
  FunctionName: fullMatch(NAME_PATTERNS.FunctionName),
  NamespacedFunctionName: fullMatch(NAME_PATTERNS.NamespacedFunctionName),
};
const QUALIFIER_REGEXP = fullMatch(QUALIFIER_PATTERN);

/** Capture groups of the name patterns: region (with its colon), account (with its colon), name, qualifier. */
const GROUP = { region: 3, account: 9, name: 11, qualifier: 13 } as const;

/** The longest name CreateFunction accepts (checked after the pattern, as InvalidParameterValueException). */
export const MAX_NAME_LENGTH = 64;

export function buildFunctionArn(scope: Scope, name: string, qualifier?: string): string {
  const base = `arn:aws:lambda:${scope.region}:${scope.accountId}:function:${name}`;
  return qualifier === undefined ? base : `${base}:${qualifier}`;
}

/** Adds the length and pattern violations of a function name (a path's `{FunctionName}` or a body member). */
export function checkFunctionName(input: string | undefined, shape: NameShape, violations: Violations): void {
  if (input === undefined) {
    violations.addNull('functionName');
    return;
  }
  if (input.length < 1) violations.add('functionName', input, 'Member must have length greater than or equal to 1');
  if (input.length > NAME_MAX_LENGTH[shape]) {
    violations.add('functionName', input, `Member must have length less than or equal to ${NAME_MAX_LENGTH[shape]}`);
  }
  if (input.length > 0 && !NAME_REGEXPS[shape].test(input)) {
    violations.add('functionName', input, `Member must satisfy regular expression pattern: ${NAME_PATTERNS[shape]}`);
  }
}

/** Adds the violations of an explicit `?Qualifier=` (an empty one counts as none, as the SDKs never send it). */
export function checkQualifier(qualifier: string | undefined, violations: Violations): void {
  if (qualifier === undefined || qualifier === '') return;
  if (qualifier.length > QUALIFIER_MAX_LENGTH) {
    violations.add('qualifier', qualifier, `Member must have length less than or equal to ${QUALIFIER_MAX_LENGTH}`);
  }
  if (!QUALIFIER_REGEXP.test(qualifier)) {
    violations.add('qualifier', qualifier, `Member must satisfy regular expression pattern: ${QUALIFIER_PATTERN}`);
  }
}

function checkScope(scope: Scope, region: string | undefined, accountId: string | undefined): void {
  if (region !== undefined && region !== scope.region) {
    throw new LambdaError(
      'ResourceNotFoundException',
      `Functions from '${region}' are not reachable in this region ('${scope.region}')`,
    );
  }
  if (accountId !== undefined && accountId !== scope.accountId) {
    // AWS's answer carries no message at all.
    throw new LambdaError('AccessDeniedException', '');
  }
}

/**
 * Splits a name that already satisfies its pattern into the function and the qualifier it names, and
 * refuses ARNs of another region (404) or account (403). Names longer than 64 characters pass: no
 * function has one, so looking one up answers 404, as AWS does.
 */
export function splitFunctionName(input: string, scope: Scope, shape: NameShape): FunctionRef {
  const match = NAME_REGEXPS[shape].exec(input);
  if (match === null) throw new Violations().add('functionName', input, `Member must satisfy regular expression pattern: ${NAME_PATTERNS[shape]}`).toError();
  const region = match[GROUP.region]?.slice(0, -1);
  const account = match[GROUP.account]?.slice(0, -1);
  checkScope(scope, region, account);
  const name = match[GROUP.name] ?? '';
  const qualifier = match[GROUP.qualifier];
  return qualifier === undefined ? { name } : { name, qualifier };
}

/**
 * Parses the `{FunctionName}` of a path (already URL-decoded) or a body member: a name, `name:qualifier`,
 * a partial ARN (`123456789012:function:name`) or a full ARN, each optionally qualified.
 */
export function parseFunctionRef(input: string, scope: Scope, shape: NameShape = 'NamespacedFunctionName'): FunctionRef {
  const violations = new Violations();
  checkFunctionName(input, shape, violations);
  violations.throwIfAny();
  return splitFunctionName(input, scope, shape);
}

/**
 * Parses a path's `{FunctionName}` together with its `?Qualifier=`: both are validated at once (every
 * violation listed, in the model's order: FunctionName, Qualifier), then the qualifier named in the ARN and the explicit one must agree.
 */
export function parseFunctionTarget(
  input: string,
  explicitQualifier: string | undefined,
  scope: Scope,
  shape: NameShape = 'NamespacedFunctionName',
): FunctionRef {
  const violations = new Violations();
  checkFunctionName(input, shape, violations);
  checkQualifier(explicitQualifier, violations);
  violations.throwIfAny();
  const ref = splitFunctionName(input, scope, shape);
  const qualifier = resolveQualifier(ref, explicitQualifier);
  return qualifier === undefined ? { name: ref.name } : { name: ref.name, qualifier };
}

/** Combines the qualifier derived from the name with an explicit `?Qualifier=`; they must agree. */
export function resolveQualifier(ref: FunctionRef, explicit: string | undefined): string | undefined {
  if (explicit === undefined || explicit === '') return ref.qualifier;
  const violations = new Violations();
  checkQualifier(explicit, violations);
  violations.throwIfAny();
  if (ref.qualifier !== undefined && ref.qualifier !== explicit) {
    throw invalidParameter('The derived qualifier from the function name does not match the specified qualifier.');
  }
  return explicit;
}

/**
 * The function an operation on `$LATEST` only names (updates, PublishVersion, aliases): a qualifier other
 * than `$LATEST` is refused, as published versions never change.
 */
export function parseLatestName(input: string, scope: Scope): string {
  const ref = parseFunctionRef(input, scope, 'FunctionName');
  if (ref.qualifier !== undefined && ref.qualifier !== '$LATEST') {
    throw invalidParameter(
      'Current operation does not support versions other than $LATEST. Please set the version to $LATEST or do not set a version in your request.',
    );
  }
  return ref.name;
}
