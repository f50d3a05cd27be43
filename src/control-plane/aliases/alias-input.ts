import { invalidParameter } from '../../shared/errors.js';
import { Violations } from '../../shared/violations.js';
import { LATEST } from '../function-model.js';

export interface AliasInput {
  Name?: string;
  FunctionVersion?: string;
  Description?: string;
  RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> };
  RevisionId?: string;
}

/** The members of CreateAlias / UpdateAlias in the model's order (AWS lists violations in it). */
const ALIAS_MEMBERS = ['functionName', 'name', 'functionVersion', 'description', 'routingConfig'];

/** The patterns and limits as AWS prints them (botocore's model: Alias, VersionWithLatestPublished, AdditionalVersion). */
export const ALIAS_NAME_PATTERN = '(?!^[0-9]+$)([a-zA-Z0-9-_]+)';
export const ALIAS_VERSION_PATTERN = '(\\$LATEST(\\.PUBLISHED)?|[0-9]+)';
const fullMatch = (pattern: string) => new RegExp(`^(?:${pattern})$`);
const NAME_REGEXP = fullMatch(ALIAS_NAME_PATTERN);
const VERSION_REGEXP = fullMatch(ALIAS_VERSION_PATTERN);
const WEIGHT_KEY_REGEXP = /^[0-9]+$/;

/** A number as Java prints a double (AWS's validator shows map values so): `2.0`, `0.25`, `1.0E-4`. */
export function formatJavaDouble(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e7)) {
    const [mantissa = '', exponent = ''] = value.toExponential().split('e');
    return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
  }
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

const showWeights = (weights: Record<string, number>): string =>
  `{${Object.entries(weights).map(([k, v]) => `${k}=${typeof v === 'number' ? formatJavaDouble(v) : String(v)}`).join(', ')}}`;

/** Adds the violations of an alias name (the body's `Name` or the path's `{Name}`). */
export function checkAliasName(name: string | undefined, violations: Violations): void {
  if (name === undefined) {
    violations.addNull('name');
    return;
  }
  if (name.length < 1) violations.add('name', name, 'Member must have length greater than or equal to 1');
  if (name.length > 128) violations.add('name', name, 'Member must have length less than or equal to 128');
  if (name.length > 0 && !NAME_REGEXP.test(name)) {
    violations.add('name', name, `Member must satisfy regular expression pattern: ${ALIAS_NAME_PATTERN}`);
  }
}

/** Adds the violations of a `FunctionVersion` an alias points to (or ListAliases filters by). */
export function checkAliasVersion(version: string, violations: Violations): void {
  if (version.length < 1) violations.add('functionVersion', version, 'Member must have length greater than or equal to 1');
  if (version.length > 1024) violations.add('functionVersion', version, 'Member must have length less than or equal to 1024');
  if (version.length > 0 && !VERSION_REGEXP.test(version)) {
    violations.add('functionVersion', version, `Member must satisfy regular expression pattern: ${ALIAS_VERSION_PATTERN}`);
  }
}

function checkWeights(weights: Record<string, number>, violations: Violations): void {
  const keys = Object.keys(weights);
  if (keys.some((k) => k.length < 1 || k.length > 1024 || !WEIGHT_KEY_REGEXP.test(k))) {
    violations.add(
      'routingConfig.additionalVersionWeights',
      showWeights(weights),
      'Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]',
    );
  }
  if (Object.values(weights).some((w) => typeof w !== 'number' || !(w >= 0 && w <= 1))) {
    violations.add(
      'routingConfig.additionalVersionWeights',
      showWeights(weights),
      'Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]',
    );
  }
}

/** Every constraint violation of a CreateAlias (`creating`) or UpdateAlias request, listed at once. */
export function checkAliasInput(input: AliasInput, creating: boolean, violations = new Violations(ALIAS_MEMBERS)): void {
  checkAliasName(input.Name, violations);
  if (input.FunctionVersion !== undefined) checkAliasVersion(input.FunctionVersion, violations);
  else if (creating) violations.addNull('functionVersion');
  if (input.Description !== undefined && input.Description.length > 256) {
    violations.add('description', input.Description, 'Member must have length less than or equal to 256');
  }
  const weights = input.RoutingConfig?.AdditionalVersionWeights;
  if (weights !== undefined) checkWeights(weights, violations);
  violations.throwIfAny();
}

export function newViolations(): Violations {
  return new Violations(ALIAS_MEMBERS);
}

/**
 * The routing an alias may have, checked in AWS's order: at most one additional version, none beside
 * `$LATEST`, and not the alias's own version. An empty map means no routing.
 */
export function resolveWeights(
  functionVersion: string,
  weights: Record<string, number> | undefined,
): Record<string, number> | undefined {
  if (weights === undefined || Object.keys(weights).length === 0) return undefined;
  if (Object.keys(weights).length > 1) throw invalidParameter('Number of items in AdditionalVersionWeights cannot be greater than 1');
  if (functionVersion === LATEST) throw invalidParameter('$LATEST is not supported for an alias pointing to more than 1 version');
  if (weights[functionVersion] !== undefined) {
    throw invalidParameter(
      `Invalid function version ${functionVersion}. Function version ${functionVersion} is already included in routing configuration.`,
    );
  }
  return { ...weights };
}
