import { holdsCondition, getContextValues, type RequestContext } from './conditions.js';
import type { PolicyDocument, PolicyStatement } from './policy-document.js';
import { matchesPrincipal, type RequestPrincipal } from './principals.js';
import { matchesWildcard } from './wildcard.js';

/**
 * AWS's policy evaluation for one request, without I/O: an explicit Deny in any applicable statement
 * wins, otherwise one Allow is needed, otherwise the request is implicitly denied.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html
 */

export interface AuthorizationRequest {
  /** `lambda:InvokeFunction` */
  action: string;
  /** The resource's ARN. */
  resource: string;
  principal?: RequestPrincipal;
  /** Condition keys (`aws:SourceArn`, `aws:SourceAccount`, `lambda:FunctionUrlAuthType`, …), case-insensitive as in AWS. */
  context: RequestContext;
}

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

const asList = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Action names are case-insensitive (`lambda:invokefunction` is `lambda:InvokeFunction`). */
function matchesAction(statement: PolicyStatement, action: string): boolean {
  if (statement.NotAction !== undefined) return !asList(statement.NotAction).some((p) => matchesWildcard(p, action, true));
  return asList(statement.Action).some((p) => matchesWildcard(p, action, true));
}

/** Resource ARNs are case-sensitive. A statement with neither element (a trust policy's) covers any resource. */
function matchesResource(statement: PolicyStatement, resource: string): boolean {
  if (statement.NotResource !== undefined) return !asList(statement.NotResource).some((p) => matchesWildcard(p, resource));
  if (statement.Resource === undefined) return true;
  return asList(statement.Resource).some((p) => matchesWildcard(p, resource));
}

/** A resource policy's statement applies to the callers its Principal names, or that its NotPrincipal does not. */
function matchesStatementPrincipal(statement: PolicyStatement, request: AuthorizationRequest): boolean {
  if (statement.NotPrincipal !== undefined) return !matchesPrincipal(statement.NotPrincipal, request.principal);
  return statement.Principal !== undefined && matchesPrincipal(statement.Principal, request.principal);
}

function decide(statements: Iterable<PolicyStatement>, request: AuthorizationRequest, checkPrincipal: boolean): Decision {
  const context = getContextValues(request.context);
  let allowed = false;
  for (const statement of statements) {
    const applies =
      matchesAction(statement, request.action) &&
      matchesResource(statement, request.resource) &&
      (!checkPrincipal || matchesStatementPrincipal(statement, request)) &&
      holdsCondition(statement.Condition, context);
    if (!applies) continue;
    if (statement.Effect === 'Deny') return 'ExplicitDeny';
    allowed = true;
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}

/** Identity-based policies (a role's inline and attached ones): their statements have no Principal. */
export function evaluateIdentityPolicies(policies: readonly PolicyDocument[], request: AuthorizationRequest): Decision {
  return decide(
    policies.flatMap((p) => p.Statement),
    request,
    false,
  );
}

/** A resource-based policy (a function's): a statement applies only when its Principal names the caller. */
export function evaluateResourcePolicy(policy: PolicyDocument | undefined, request: AuthorizationRequest): Decision {
  return policy === undefined ? 'ImplicitDeny' : decide(policy.Statement, request, true);
}

/**
 * Within one account, identity-based and resource-based policies add up: an explicit deny in either
 * wins, otherwise an Allow in either allows.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html
 */
export function combineDecisions(...decisions: Decision[]): Decision {
  if (decisions.includes('ExplicitDeny')) return 'ExplicitDeny';
  return decisions.includes('Allow') ? 'Allow' : 'ImplicitDeny';
}
