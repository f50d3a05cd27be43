import type { Violations } from '../../shared/violations.js';
import { checkMember, type Constraint } from '../policies/permission-input.js';
import type { PolicyPrincipal, PolicyStatement } from '../policies/policy-model.js';

/** AddLayerVersionPermission's body (and its `?RevisionId=`). */
export interface LayerPermissionInput {
  StatementId?: string;
  Action?: string;
  Principal?: string;
  OrganizationId?: string;
  RevisionId?: string;
}

/** AddLayerVersionPermissionRequest's members in the model's order: the order AWS lists violations in. */
export const LAYER_PERMISSION_MEMBERS = ['layerName', 'versionNumber', 'statementId', 'action', 'principal', 'organizationId', 'revisionId'] as const;

/** botocore's constraints, patterns exactly as AWS prints them (recorded from AWS for `action`). */
const CONSTRAINTS = {
  statementId: { min: 1, max: 100, pattern: '([a-zA-Z0-9-_]+)' },
  action: { max: 22, pattern: 'lambda:GetLayerVersion' },
  principal: { max: 10000, pattern: '\\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{12}:root' },
  organizationId: { max: 34, pattern: 'o-[a-z0-9]{10,32}' },
} satisfies Record<string, Constraint>;

export function checkLayerPermissionInput(input: LayerPermissionInput, violations: Violations): void {
  if (input.StatementId === undefined) violations.addNull('statementId');
  if (input.Action === undefined) violations.addNull('action');
  if (input.Principal === undefined) violations.addNull('principal');
  checkMember('statementId', input.StatementId, CONSTRAINTS.statementId, violations);
  checkMember('action', input.Action, CONSTRAINTS.action, violations);
  checkMember('principal', input.Principal, CONSTRAINTS.principal, violations);
  checkMember('organizationId', input.OrganizationId, CONSTRAINTS.organizationId, violations);
}

/** RemoveLayerVersionPermission's `{StatementId}`. */
export function checkLayerStatementId(statementId: string, violations: Violations): void {
  checkMember('statementId', statementId, CONSTRAINTS.statementId, violations);
}

/** `*` stays as it is; an account id becomes its root's ARN, as in AWS's documented answers. */
function getLayerPrincipal(principal: string): PolicyPrincipal {
  if (principal === '*') return '*';
  return { AWS: /^\d{12}$/.test(principal) ? `arn:aws:iam::${principal}:root` : principal };
}

/** The statement AddLayerVersionPermission adds (already checked) on the layer version's ARN. */
export function buildLayerStatement(input: LayerPermissionInput, layerVersionArn: string): PolicyStatement {
  return {
    Sid: input.StatementId ?? '',
    Effect: 'Allow',
    Principal: getLayerPrincipal(input.Principal ?? ''),
    Action: input.Action ?? '',
    Resource: layerVersionArn,
    ...(input.OrganizationId === undefined ? {} : { Condition: { StringEquals: { 'aws:PrincipalOrgID': input.OrganizationId } } }),
  };
}
