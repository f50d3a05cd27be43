import type { ManagedPolicyRecord, RoleRecord } from './iam-model.js';

/**
 * IAM's storage. Names are unique regardless of case in IAM, so the store keys roles and policies by
 * the lower-cased name and keeps the name as created in the record. Each change that checks and writes
 * (create when absent, delete when nothing hangs on it, attach to an existing role) is atomic.
 */
export interface IamStore {
  /** false when a role of that name (in any case) exists. */
  createRole(record: RoleRecord): Promise<boolean>;
  fetchRole(name: string): Promise<RoleRecord | undefined>;
  /** Role names (lower-cased keys) in order, after `after`. */
  listRoles(after: string | undefined, limit: number): Promise<RoleRecord[]>;
  /** `deleted`, or why not: the role is missing, or it still has inline policies or attached ones. */
  removeRole(name: string): Promise<'deleted' | 'missing' | 'has-inline' | 'has-attached'>;
  /** false when the role is missing. */
  putRolePolicy(roleName: string, policyName: string, document: string): Promise<boolean>;
  /** Inline policies by name, as put. undefined when the role is missing. */
  fetchRolePolicies(roleName: string): Promise<Map<string, string> | undefined>;
  removeRolePolicy(roleName: string, policyName: string): Promise<'deleted' | 'missing-role' | 'missing-policy'>;
  /**
   * Attaches a managed policy. `customer`: the policy must exist in the store (an AWS-managed one is
   * known without it). Attaching twice is a no-op, as in IAM.
   */
  attachRolePolicy(roleName: string, policyArn: string, customerPolicyName: string | undefined): Promise<'attached' | 'missing-role' | 'missing-policy'>;
  detachRolePolicy(roleName: string, policyArn: string): Promise<'detached' | 'missing-role' | 'not-attached'>;
  /** Attached policy ARNs in attach order; undefined when the role is missing. */
  fetchAttachedPolicies(roleName: string): Promise<string[] | undefined>;
  createPolicy(record: ManagedPolicyRecord): Promise<boolean>;
  fetchPolicy(name: string): Promise<ManagedPolicyRecord | undefined>;
  /** How many roles a policy is attached to. */
  countAttachments(policyArn: string): Promise<number>;
  removePolicy(name: string, policyArn: string): Promise<'deleted' | 'missing' | 'attached'>;
}
