import { randomBytes } from 'node:crypto';
import { MalformedPolicyDocumentError, parsePolicyDocument, type PolicyDocument, type PolicyKind } from '../permissions/policy/policy-document.js';
import { getAwsManagedPolicy, getAwsManagedPolicyArn, isAwsManagedArn, type AwsManagedPolicy } from './aws-managed-policies.js';
import {
  IamError,
  policyExists,
  policyNotAttachable,
  policyNotFound,
  roleExists,
  roleNotFound,
  rolePolicyNotFound,
  validationError,
} from './iam-error.js';
import type { ManagedPolicyRecord, RoleRecord } from './iam-model.js';
import {
  checkDocumentText,
  checkPath,
  checkPolicyName,
  checkRoleName,
  createUniqueId,
  getIamDate,
  getPolicyArn,
  getRoleArn,
  parseIamArn,
  type IamScope,
} from './iam-names.js';
import type { IamStore } from './iam-store.js';

type Tags = Array<{ Key: string; Value: string }>;

/** What enforcement needs of IAM: whether a role exists, and its permissions. */
export interface RolePermissions {
  roleExists(roleArn: string): Promise<boolean>;
  /** The role's inline and attached policies; undefined when the role does not exist. */
  loadRolePolicies(roleArn: string): Promise<PolicyDocument[] | undefined>;
}

/** A policy document in an answer: URL-encoded JSON, as IAM returns it. */
const encodeDocument = (text: string): string => encodeURIComponent(text);

const DEFAULT_MAX_ITEMS = 100;
const MAX_SESSION_DEFAULT = 3600;

function checkDocument(text: string | undefined, member: string, kind: PolicyKind): string {
  const checked = checkDocumentText(text, member);
  try {
    parsePolicyDocument(checked, kind);
  } catch (error) {
    if (error instanceof MalformedPolicyDocumentError) throw new IamError('MalformedPolicyDocument', error.message);
    throw error;
  }
  return checked;
}

function checkMaxItems(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_ITEMS;
  if (!Number.isInteger(value) || value < 1 || value > 1000) {
    throw validationError(String(value), 'maxItems', value < 1 ? 'Member must have value greater than or equal to 1' : 'Member must have value less than or equal to 1000');
  }
  return value;
}

/** One page of a sorted list, IAM's way: `Marker` is where the next page starts. */
function page<T>(items: T[], name: (item: T) => string, marker: string | undefined, maxItems: number | undefined): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const max = checkMaxItems(maxItems);
  const start = marker === undefined ? 0 : items.findIndex((item) => name(item) > Buffer.from(marker, 'base64').toString('utf8'));
  const rest = start < 0 ? [] : items.slice(start);
  const shown = rest.slice(0, max);
  const truncated = rest.length > max;
  return { items: shown, IsTruncated: truncated, ...(truncated ? { Marker: Buffer.from(name(shown[shown.length - 1] as T), 'utf8').toString('base64') } : {}) };
}

/** A role in an answer (IAM's Role shape). */
export interface RoleView {
  Path: string;
  RoleName: string;
  RoleId: string;
  Arn: string;
  CreateDate: string;
  AssumeRolePolicyDocument: string;
  Description?: string;
  MaxSessionDuration: number;
  Tags?: Tags;
}

function renderRole(role: RoleRecord): RoleView {
  return {
    Path: role.path,
    RoleName: role.roleName,
    RoleId: role.roleId,
    Arn: role.arn,
    CreateDate: role.createDate,
    AssumeRolePolicyDocument: encodeDocument(role.assumeRolePolicyDocument),
    ...(role.description === undefined ? {} : { Description: role.description }),
    MaxSessionDuration: role.maxSessionDuration,
    ...(role.tags === undefined || role.tags.length === 0 ? {} : { Tags: role.tags }),
  };
}

function renderPolicy(policy: ManagedPolicyRecord | (AwsManagedPolicy & { arn: string }), attachments: number): Record<string, unknown> {
  const aws = 'defaultVersionId' in policy;
  return {
    PolicyName: policy.policyName,
    PolicyId: policy.policyId,
    Arn: policy.arn,
    Path: policy.path,
    DefaultVersionId: aws ? policy.defaultVersionId : 'v1',
    AttachmentCount: attachments,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    ...(policy.description === undefined ? {} : { Description: policy.description }),
    CreateDate: policy.createDate,
    UpdateDate: aws ? policy.updateDate : policy.createDate,
    ...(!aws && policy.tags !== undefined && policy.tags.length > 0 ? { Tags: policy.tags } : {}),
  };
}

/**
 * A small IAM: roles, their inline policies, customer-managed policies, and attaching those or the
 * AWS-managed ones lambdock knows. Inputs and outputs carry AWS's member names (the query protocol maps
 * them). Also what enforcement reads (RolePermissions).
 */
export class IamService implements RolePermissions {
  constructor(
    private readonly store: IamStore,
    private readonly scope: IamScope,
    private readonly now: () => number = Date.now,
  ) {}

  private async fetchRoleOrThrow(name: string): Promise<RoleRecord> {
    const role = await this.store.fetchRole(name);
    if (role === undefined) throw roleNotFound(name);
    return role;
  }

  async createRole(input: { RoleName?: string; AssumeRolePolicyDocument?: string; Path?: string; Description?: string; MaxSessionDuration?: number; Tags?: Tags }) {
    const roleName = checkRoleName(input.RoleName);
    const path = checkPath(input.Path);
    const document = checkDocument(input.AssumeRolePolicyDocument, 'assumeRolePolicyDocument', 'trust');
    const maxSession = input.MaxSessionDuration ?? MAX_SESSION_DEFAULT;
    if (!Number.isInteger(maxSession) || maxSession < 3600 || maxSession > 43200) {
      throw validationError(String(maxSession), 'maxSessionDuration', maxSession < 3600 ? 'Member must have value greater than or equal to 3600' : 'Member must have value less than or equal to 43200');
    }
    const role: RoleRecord = {
      roleName,
      roleId: createUniqueId('AROA', randomBytes),
      arn: getRoleArn(this.scope, path, roleName),
      path,
      createDate: getIamDate(this.now()),
      assumeRolePolicyDocument: document,
      ...(input.Description === undefined ? {} : { description: input.Description }),
      maxSessionDuration: maxSession,
      ...(input.Tags === undefined ? {} : { tags: input.Tags }),
    };
    if (!(await this.store.createRole(role))) throw roleExists(roleName);
    return { Role: renderRole(role) };
  }

  async getRole(input: { RoleName?: string }) {
    return { Role: { ...renderRole(await this.fetchRoleOrThrow(checkRoleName(input.RoleName))), RoleLastUsed: {} } };
  }

  async listRoles(input: { PathPrefix?: string; Marker?: string; MaxItems?: number }) {
    const prefix = input.PathPrefix ?? '/';
    const roles = (await this.store.listRoles(undefined, Number.MAX_SAFE_INTEGER)).filter((r) => r.path.startsWith(prefix));
    const { items, ...rest } = page(roles, (r) => r.roleName.toLowerCase(), input.Marker, input.MaxItems);
    return { Roles: items.map(renderRole), ...rest };
  }

  async deleteRole(input: { RoleName?: string }) {
    const name = checkRoleName(input.RoleName);
    const outcome = await this.store.removeRole(name);
    if (outcome === 'missing') throw roleNotFound(name);
    if (outcome === 'has-attached') throw new IamError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
    if (outcome === 'has-inline') throw new IamError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
    return {};
  }

  async putRolePolicy(input: { RoleName?: string; PolicyName?: string; PolicyDocument?: string }) {
    const roleName = checkRoleName(input.RoleName);
    const policyName = checkPolicyName(input.PolicyName);
    const document = checkDocument(input.PolicyDocument, 'policyDocument', 'identity');
    if (!(await this.store.putRolePolicy(roleName, policyName, document))) throw roleNotFound(roleName);
    return {};
  }

  async getRolePolicy(input: { RoleName?: string; PolicyName?: string }) {
    const roleName = checkRoleName(input.RoleName);
    const policyName = checkPolicyName(input.PolicyName);
    const role = await this.fetchRoleOrThrow(roleName);
    const document = (await this.store.fetchRolePolicies(roleName))?.get(policyName);
    if (document === undefined) throw rolePolicyNotFound(policyName);
    return { RoleName: role.roleName, PolicyName: policyName, PolicyDocument: encodeDocument(document) };
  }

  async deleteRolePolicy(input: { RoleName?: string; PolicyName?: string }) {
    const roleName = checkRoleName(input.RoleName);
    const policyName = checkPolicyName(input.PolicyName);
    const outcome = await this.store.removeRolePolicy(roleName, policyName);
    if (outcome === 'missing-role') throw roleNotFound(roleName);
    if (outcome === 'missing-policy') throw rolePolicyNotFound(policyName);
    return {};
  }

  async listRolePolicies(input: { RoleName?: string; Marker?: string; MaxItems?: number }) {
    const roleName = checkRoleName(input.RoleName);
    const policies = await this.store.fetchRolePolicies(roleName);
    if (policies === undefined) throw roleNotFound(roleName);
    const { items, ...rest } = page([...policies.keys()].sort(), (n) => n, input.Marker, input.MaxItems);
    return { PolicyNames: items, ...rest };
  }

  /** The managed policy an ARN names: an AWS-managed one lambdock knows, or a customer-managed one of this account. */
  private async fetchManagedPolicy(arn: string | undefined, member: string): Promise<{ arn: string; name: string; document: string; record: ManagedPolicyRecord | (AwsManagedPolicy & { arn: string }) } | undefined> {
    const parsed = parseIamArn(arn, 'policy', member);
    const value = arn as string;
    if (isAwsManagedArn(value)) {
      const aws = getAwsManagedPolicy(value);
      return aws === undefined ? undefined : { arn: value, name: aws.policyName, document: aws.document, record: { ...aws, arn: getAwsManagedPolicyArn(aws) } };
    }
    if (parsed.account !== this.scope.accountId) return undefined;
    const record = await this.store.fetchPolicy(parsed.name);
    return record === undefined || record.arn !== value ? undefined : { arn: value, name: record.policyName, document: record.document, record };
  }

  async attachRolePolicy(input: { RoleName?: string; PolicyArn?: string }) {
    const roleName = checkRoleName(input.RoleName);
    const policy = await this.fetchManagedPolicy(input.PolicyArn, 'policyArn');
    const arn = input.PolicyArn as string;
    if (policy === undefined) {
      await this.fetchRoleOrThrow(roleName);
      throw policyNotAttachable(arn);
    }
    const outcome = await this.store.attachRolePolicy(roleName, arn, isAwsManagedArn(arn) ? undefined : policy.name);
    if (outcome === 'missing-role') throw roleNotFound(roleName);
    if (outcome === 'missing-policy') throw policyNotAttachable(arn);
    return {};
  }

  async detachRolePolicy(input: { RoleName?: string; PolicyArn?: string }) {
    const roleName = checkRoleName(input.RoleName);
    parseIamArn(input.PolicyArn, 'policy', 'policyArn');
    const arn = input.PolicyArn as string;
    const outcome = await this.store.detachRolePolicy(roleName, arn);
    if (outcome === 'missing-role') throw roleNotFound(roleName);
    if (outcome === 'not-attached') throw policyNotFound(arn);
    return {};
  }

  async listAttachedRolePolicies(input: { RoleName?: string; PathPrefix?: string; Marker?: string; MaxItems?: number }) {
    const roleName = checkRoleName(input.RoleName);
    const arns = await this.store.fetchAttachedPolicies(roleName);
    if (arns === undefined) throw roleNotFound(roleName);
    const prefix = input.PathPrefix ?? '/';
    const attached = arns
      .map((arn) => parseIamArn(arn, 'policy', 'policyArn'))
      .map((parsed, i) => ({ PolicyName: parsed.name, PolicyArn: arns[i] as string, path: parsed.path }))
      .filter((p) => p.path.startsWith(prefix))
      .sort((a, b) => a.PolicyName.localeCompare(b.PolicyName));
    const { items, ...rest } = page(attached, (p) => p.PolicyName, input.Marker, input.MaxItems);
    return { AttachedPolicies: items.map(({ PolicyName, PolicyArn }) => ({ PolicyName, PolicyArn })), ...rest };
  }

  async createPolicy(input: { PolicyName?: string; PolicyDocument?: string; Path?: string; Description?: string; Tags?: Tags }) {
    const policyName = checkPolicyName(input.PolicyName);
    const path = checkPath(input.Path, 'path');
    const document = checkDocument(input.PolicyDocument, 'policyDocument', 'identity');
    const record: ManagedPolicyRecord = {
      policyName,
      policyId: createUniqueId('ANPA', randomBytes),
      arn: getPolicyArn(this.scope, path, policyName),
      path,
      createDate: getIamDate(this.now()),
      document,
      ...(input.Description === undefined ? {} : { description: input.Description }),
      ...(input.Tags === undefined ? {} : { tags: input.Tags }),
    };
    if (!(await this.store.createPolicy(record))) throw policyExists(policyName);
    return { Policy: renderPolicy(record, 0) };
  }

  async getPolicy(input: { PolicyArn?: string }) {
    const policy = await this.fetchManagedPolicy(input.PolicyArn, 'policyArn');
    if (policy === undefined) throw policyNotFound(input.PolicyArn as string);
    return { Policy: renderPolicy(policy.record, await this.store.countAttachments(policy.arn)) };
  }

  async deletePolicy(input: { PolicyArn?: string }) {
    const policy = await this.fetchManagedPolicy(input.PolicyArn, 'policyArn');
    const arn = input.PolicyArn as string;
    if (policy === undefined || isAwsManagedArn(arn)) throw policyNotFound(arn);
    const outcome = await this.store.removePolicy(policy.name, arn);
    if (outcome === 'missing') throw policyNotFound(arn);
    if (outcome === 'attached') throw new IamError('DeleteConflict', 'Cannot delete a policy attached to entities.');
    return {};
  }

  /** The role an ARN of this account names (its name ignores case, its path does not). */
  private async fetchRoleOfArn(roleArn: string): Promise<RoleRecord | undefined> {
    const match = /^arn:aws:iam::(\d{12}):role(\/(?:[\u0021-\u007E]*\/)?)([\w+=,.@-]+)$/.exec(roleArn);
    if (match === null || match[1] !== this.scope.accountId) return undefined;
    const role = await this.store.fetchRole(match[3] as string);
    return role !== undefined && role.path === match[2] ? role : undefined;
  }

  async roleExists(roleArn: string): Promise<boolean> {
    return (await this.fetchRoleOfArn(roleArn)) !== undefined;
  }

  async loadRolePolicies(roleArn: string): Promise<PolicyDocument[] | undefined> {
    const role = await this.fetchRoleOfArn(roleArn);
    if (role === undefined) return undefined;
    const [inline, attached] = await Promise.all([this.store.fetchRolePolicies(role.roleName), this.store.fetchAttachedPolicies(role.roleName)]);
    const documents = [...(inline?.values() ?? [])];
    for (const arn of attached ?? []) {
      const policy = await this.fetchManagedPolicy(arn, 'policyArn');
      if (policy !== undefined) documents.push(policy.document);
    }
    return documents.map((text) => parsePolicyDocument(text, 'identity'));
  }
}
