import { invalidParameter } from '../../shared/errors.js';
import type { Violations } from '../../shared/violations.js';
import type { PolicyCondition, PolicyPrincipal, PolicyStatement } from './policy-model.js';

/** AddPermission's body (botocore's AddPermissionRequest, less the path and query members). */
export interface PermissionInput {
  StatementId?: string;
  Action?: string;
  Principal?: string;
  SourceArn?: string;
  SourceAccount?: string;
  EventSourceToken?: string;
  RevisionId?: string;
  PrincipalOrgID?: string;
  FunctionUrlAuthType?: string;
  InvokedViaFunctionUrl?: boolean;
}

/** AddPermissionRequest's members in the model's order: the order AWS lists violations in. */
export const PERMISSION_MEMBERS = [
  'functionName',
  'statementId',
  'action',
  'principal',
  'sourceArn',
  'sourceAccount',
  'eventSourceToken',
  'qualifier',
  'revisionId',
  'principalOrgID',
  'functionUrlAuthType',
  'invokedViaFunctionUrl',
] as const;

/** A member's constraints from botocore's model; patterns exactly as AWS prints them. */
export interface Constraint {
  min?: number;
  max: number;
  pattern: string;
}

const CONSTRAINTS = {
  statementId: { min: 1, max: 100, pattern: '([a-zA-Z0-9-_]+)' },
  action: { max: 10000, pattern: '(lambda:[*]|lambda:[a-zA-Z]+|[*])' },
  principal: { max: 2048, pattern: '[^\\s]+' },
  sourceArn: {
    max: 10000,
    pattern: 'arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)',
  },
  sourceAccount: { max: 12, pattern: '\\d{12}' },
  eventSourceToken: { max: 256, pattern: '[a-zA-Z0-9._\\-]+' },
  principalOrgID: { min: 12, max: 34, pattern: 'o-[a-z0-9]{10,32}' },
} satisfies Record<string, Constraint>;

/** RemovePermission's `{StatementId}` (NamespacedStatementId: dots allowed). */
const NAMESPACED_STATEMENT_ID: Constraint = { min: 1, max: 100, pattern: '([a-zA-Z0-9-_.]+)' };

const FUNCTION_URL_AUTH_TYPES = ['NONE', 'AWS_IAM'] as const;

/** An AWS account id as a principal: granted to the account's root. */
const ACCOUNT_ID = /^\d{12}$/;
/** An IAM identity by ARN (a user, a role, an account's root). */
const IAM_ARN = /^arn:aws[a-zA-Z-]*:iam::/;
/**
 * Service principals: `<service>.amazonaws.com`, and the few that live under `amazon.com` (Alexa's
 * `alexa-appkit.amazon.com`, `alexa-connectedhome.amazon.com`).
 */
const SERVICE_PRINCIPAL = /^[a-z0-9][a-z0-9.-]*\.amazon(aws)?\.com$/;

/** Adds the length and pattern violations of a string member (absent: none). */
export function checkMember(member: string, value: string | undefined, constraint: Constraint, violations: Violations): void {
  if (value === undefined) return;
  if (constraint.min !== undefined && value.length < constraint.min) {
    violations.add(member, value, `Member must have length greater than or equal to ${constraint.min}`);
  }
  if (value.length > constraint.max) violations.add(member, value, `Member must have length less than or equal to ${constraint.max}`);
  if (!new RegExp(`^(?:${constraint.pattern})$`).test(value)) {
    violations.add(member, value, `Member must satisfy regular expression pattern: ${constraint.pattern}`);
  }
}

/** Adds the violations of AddPermission's body (the path's name and the qualifier are checked beside it). */
export function checkPermissionInput(input: PermissionInput, violations: Violations): void {
  if (input.StatementId === undefined) violations.addNull('statementId');
  if (input.Action === undefined) violations.addNull('action');
  if (input.Principal === undefined) violations.addNull('principal');
  checkMember('statementId', input.StatementId, CONSTRAINTS.statementId, violations);
  checkMember('action', input.Action, CONSTRAINTS.action, violations);
  checkMember('principal', input.Principal, CONSTRAINTS.principal, violations);
  checkMember('sourceArn', input.SourceArn, CONSTRAINTS.sourceArn, violations);
  checkMember('sourceAccount', input.SourceAccount, CONSTRAINTS.sourceAccount, violations);
  checkMember('eventSourceToken', input.EventSourceToken, CONSTRAINTS.eventSourceToken, violations);
  checkMember('principalOrgID', input.PrincipalOrgID, CONSTRAINTS.principalOrgID, violations);
  const authType = input.FunctionUrlAuthType;
  if (authType !== undefined && !(FUNCTION_URL_AUTH_TYPES as readonly string[]).includes(authType)) {
    violations.add('functionUrlAuthType', authType, `Member must satisfy enum value set: [${FUNCTION_URL_AUTH_TYPES.join(', ')}]`);
  }
}

/** Adds the violations of RemovePermission's `{StatementId}`. */
export function checkNamespacedStatementId(statementId: string, violations: Violations): void {
  checkMember('statementId', statementId, NAMESPACED_STATEMENT_ID, violations);
}

/** The principal as a statement names it (AWS's rewriting, recorded from AWS); others are refused. */
export function getPolicyPrincipal(principal: string): PolicyPrincipal {
  if (principal === '*') return '*';
  if (SERVICE_PRINCIPAL.test(principal)) return { Service: principal };
  if (ACCOUNT_ID.test(principal)) return { AWS: `arn:aws:iam::${principal}:root` };
  if (IAM_ARN.test(principal)) return { AWS: principal };
  throw invalidParameter('The provided principal was invalid. Please check the principal and try again.');
}

/**
 * The conditions of a statement, with keys in the order AWS writes them (recorded from AWS:
 * `StringEquals` holding SourceAccount, FunctionUrlAuthType, PrincipalOrgID, then `ArnLike`). Where
 * EventSourceToken and InvokedViaFunctionUrl fall among them is not recorded; they come last of their block.
 */
function buildCondition(input: PermissionInput): PolicyCondition | undefined {
  const stringEquals: Record<string, string> = {};
  if (input.SourceAccount !== undefined) stringEquals['AWS:SourceAccount'] = input.SourceAccount;
  if (input.FunctionUrlAuthType !== undefined) stringEquals['lambda:FunctionUrlAuthType'] = input.FunctionUrlAuthType;
  if (input.PrincipalOrgID !== undefined) stringEquals['aws:PrincipalOrgID'] = input.PrincipalOrgID;
  if (input.EventSourceToken !== undefined) stringEquals['lambda:EventSourceToken'] = input.EventSourceToken;
  const condition: PolicyCondition = {};
  if (Object.keys(stringEquals).length > 0) condition.StringEquals = stringEquals;
  if (input.SourceArn !== undefined) condition.ArnLike = { 'AWS:SourceArn': input.SourceArn };
  if (input.InvokedViaFunctionUrl === true) condition.Bool = { 'lambda:InvokedViaFunctionUrl': 'true' };
  return Object.keys(condition).length > 0 ? condition : undefined;
}

/**
 * The statement AddPermission adds for `input` (already checked) on `resourceArn`: the function's ARN,
 * qualified when the policy is a version's or an alias's.
 */
export function buildStatement(input: PermissionInput, resourceArn: string): PolicyStatement {
  const condition = buildCondition(input);
  return {
    Sid: input.StatementId ?? '',
    Effect: 'Allow',
    Principal: getPolicyPrincipal(input.Principal ?? ''),
    Action: input.Action ?? '',
    Resource: resourceArn,
    ...(condition === undefined ? {} : { Condition: condition }),
  };
}
