/** A role as stored: what GetRole answers, with the trust policy as sent (JSON text). */
export interface RoleRecord {
  roleName: string;
  roleId: string;
  arn: string;
  path: string;
  /** ISO 8601, to the second (`2024-01-01T00:00:00Z`), as IAM's CreateDate. */
  createDate: string;
  assumeRolePolicyDocument: string;
  description?: string;
  maxSessionDuration: number;
  tags?: Array<{ Key: string; Value: string }>;
}

/** A customer-managed policy (one version, v1: lambdock has no CreatePolicyVersion). */
export interface ManagedPolicyRecord {
  policyName: string;
  policyId: string;
  arn: string;
  path: string;
  createDate: string;
  document: string;
  description?: string;
  tags?: Array<{ Key: string; Value: string }>;
}

export interface AttachedPolicy {
  policyName: string;
  policyArn: string;
}
