import { describe, expect, it } from 'vitest';
import type { ManagedPolicyRecord, RoleRecord } from './iam-model.js';
import { IamError } from './iam-error.js';
import { IamService } from './iam-service.js';
import type { IamStore } from './iam-store.js';

/** The store's contract in memory (names keyed lower-case, as the Redis store does). */
class MemoryIamStore implements IamStore {
  roles = new Map<string, { record: RoleRecord; inline: Map<string, string>; attached: string[] }>();
  policies = new Map<string, ManagedPolicyRecord>();
  attachments = new Map<string, Set<string>>();

  async createRole(record: RoleRecord) {
    if (this.roles.has(record.roleName.toLowerCase())) return false;
    this.roles.set(record.roleName.toLowerCase(), { record, inline: new Map(), attached: [] });
    return true;
  }
  async fetchRole(name: string) {
    return this.roles.get(name.toLowerCase())?.record;
  }
  async listRoles(after: string | undefined, limit: number) {
    return [...this.roles.keys()].sort().filter((k) => after === undefined || k > after).slice(0, limit).map((k) => this.roles.get(k)?.record as RoleRecord);
  }
  async removeRole(name: string) {
    const role = this.roles.get(name.toLowerCase());
    if (role === undefined) return 'missing' as const;
    if (role.attached.length > 0) return 'has-attached' as const;
    if (role.inline.size > 0) return 'has-inline' as const;
    this.roles.delete(name.toLowerCase());
    return 'deleted' as const;
  }
  async putRolePolicy(roleName: string, policyName: string, document: string) {
    const role = this.roles.get(roleName.toLowerCase());
    role?.inline.set(policyName, document);
    return role !== undefined;
  }
  async fetchRolePolicies(roleName: string) {
    const role = this.roles.get(roleName.toLowerCase());
    return role === undefined ? undefined : new Map(role.inline);
  }
  async removeRolePolicy(roleName: string, policyName: string) {
    const role = this.roles.get(roleName.toLowerCase());
    if (role === undefined) return 'missing-role' as const;
    return role.inline.delete(policyName) ? ('deleted' as const) : ('missing-policy' as const);
  }
  async attachRolePolicy(roleName: string, policyArn: string, customer: string | undefined) {
    const role = this.roles.get(roleName.toLowerCase());
    if (role === undefined) return 'missing-role' as const;
    if (customer !== undefined && !this.policies.has(customer.toLowerCase())) return 'missing-policy' as const;
    if (!role.attached.includes(policyArn)) role.attached.push(policyArn);
    this.attachments.set(policyArn, new Set([...(this.attachments.get(policyArn) ?? []), roleName.toLowerCase()]));
    return 'attached' as const;
  }
  async detachRolePolicy(roleName: string, policyArn: string) {
    const role = this.roles.get(roleName.toLowerCase());
    if (role === undefined) return 'missing-role' as const;
    if (!role.attached.includes(policyArn)) return 'not-attached' as const;
    role.attached = role.attached.filter((a) => a !== policyArn);
    this.attachments.get(policyArn)?.delete(roleName.toLowerCase());
    return 'detached' as const;
  }
  async fetchAttachedPolicies(roleName: string) {
    return this.roles.get(roleName.toLowerCase())?.attached.slice();
  }
  async createPolicy(record: ManagedPolicyRecord) {
    if (this.policies.has(record.policyName.toLowerCase())) return false;
    this.policies.set(record.policyName.toLowerCase(), record);
    return true;
  }
  async fetchPolicy(name: string) {
    return this.policies.get(name.toLowerCase());
  }
  async countAttachments(policyArn: string) {
    return this.attachments.get(policyArn)?.size ?? 0;
  }
  async removePolicy(name: string, policyArn: string) {
    if (!this.policies.has(name.toLowerCase())) return 'missing' as const;
    if ((this.attachments.get(policyArn)?.size ?? 0) > 0) return 'attached' as const;
    this.policies.delete(name.toLowerCase());
    return 'deleted' as const;
  }
}

const TRUST = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const ALLOW = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: '*' }] });
const service = () => new IamService(new MemoryIamStore(), { accountId: '123456789012' }, () => Date.UTC(2024, 0, 2, 3, 4, 5, 678));

async function error(promise: Promise<unknown>): Promise<{ code: string; message: string; status: number }> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof IamError) return { code: e.code, message: e.message, status: e.status };
    throw e;
  }
  throw new Error('resolved');
}

describe('IamService', () => {
  it('creates a role with IAM’s ARN, id, date and defaults', async () => {
    const { Role } = await service().createRole({ RoleName: 'r', AssumeRolePolicyDocument: TRUST, Path: '/a/b/' });
    expect(Role).toMatchObject({ Path: '/a/b/', Arn: 'arn:aws:iam::123456789012:role/a/b/r', CreateDate: '2024-01-02T03:04:05Z', MaxSessionDuration: 3600 });
    expect(Role.AssumeRolePolicyDocument).toBe(encodeURIComponent(TRUST));
  });

  it('checks the request as IAM does', async () => {
    const iam = service();
    expect(await error(iam.createRole({ AssumeRolePolicyDocument: TRUST }))).toEqual({
      code: 'ValidationError',
      message: "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null",
      status: 400,
    });
    expect((await error(iam.createRole({ RoleName: 'x'.repeat(65), AssumeRolePolicyDocument: TRUST }))).message).toContain('Member must have length less than or equal to 64');
    expect((await error(iam.createRole({ RoleName: 'r', AssumeRolePolicyDocument: TRUST, Path: 'nope' }))).code).toBe('ValidationError');
    expect((await error(iam.createRole({ RoleName: 'r', AssumeRolePolicyDocument: TRUST, MaxSessionDuration: 100 }))).message).toContain('greater than or equal to 3600');
    expect(await error(iam.createRole({ RoleName: 'r', AssumeRolePolicyDocument: ALLOW }))).toEqual({
      code: 'MalformedPolicyDocument',
      message: 'Has prohibited field Resource',
      status: 400,
    });
  });

  it('refuses a second role of the same name in another case, and finds a role in any case', async () => {
    const iam = service();
    await iam.createRole({ RoleName: 'MyRole', AssumeRolePolicyDocument: TRUST });
    expect(await error(iam.createRole({ RoleName: 'myrole', AssumeRolePolicyDocument: TRUST }))).toMatchObject({ code: 'EntityAlreadyExists', status: 409 });
    expect((await iam.getRole({ RoleName: 'MYROLE' })).Role.RoleName).toBe('MyRole');
  });

  it('pages roles with Marker and MaxItems', async () => {
    const iam = service();
    for (const name of ['c', 'a', 'b']) await iam.createRole({ RoleName: name, AssumeRolePolicyDocument: TRUST });
    const first = await iam.listRoles({ MaxItems: 2 });
    expect(first.Roles.map((r) => r.RoleName)).toEqual(['a', 'b']);
    expect(first.IsTruncated).toBe(true);
    const rest = await iam.listRoles({ MaxItems: 2, Marker: first.Marker as string });
    expect(rest).toEqual({ Roles: [expect.objectContaining({ RoleName: 'c' })], IsTruncated: false });
    expect((await error(iam.listRoles({ MaxItems: 0 }))).code).toBe('ValidationError');
  });

  it('refuses to delete a role that still has attached or inline policies', async () => {
    const iam = service();
    await iam.createRole({ RoleName: 'r', AssumeRolePolicyDocument: TRUST });
    await iam.putRolePolicy({ RoleName: 'r', PolicyName: 'p', PolicyDocument: ALLOW });
    await iam.attachRolePolicy({ RoleName: 'r', PolicyArn: 'arn:aws:iam::aws:policy/AWSLambda_FullAccess' });
    expect((await error(iam.deleteRole({ RoleName: 'r' }))).message).toBe('Cannot delete entity, must detach all policies first.');
    await iam.detachRolePolicy({ RoleName: 'r', PolicyArn: 'arn:aws:iam::aws:policy/AWSLambda_FullAccess' });
    expect((await error(iam.deleteRole({ RoleName: 'r' }))).message).toBe('Cannot delete entity, must delete policies first.');
    await iam.deleteRolePolicy({ RoleName: 'r', PolicyName: 'p' });
    await iam.deleteRole({ RoleName: 'r' });
    expect(await error(iam.deleteRole({ RoleName: 'r' }))).toEqual({ code: 'NoSuchEntity', message: 'The role with name r cannot be found.', status: 404 });
  });

  it('attaches only policies that exist: known AWS-managed ones, or this account’s', async () => {
    const iam = service();
    await iam.createRole({ RoleName: 'r', AssumeRolePolicyDocument: TRUST });
    const unknownAws = 'arn:aws:iam::aws:policy/NoSuchManagedPolicy';
    expect(await error(iam.attachRolePolicy({ RoleName: 'r', PolicyArn: unknownAws }))).toMatchObject({ code: 'NoSuchEntity', message: `Policy ${unknownAws} does not exist or is not attachable.` });
    await iam.createPolicy({ PolicyName: 'mine', PolicyDocument: ALLOW });
    const otherAccount = 'arn:aws:iam::210987654321:policy/mine';
    expect((await error(iam.attachRolePolicy({ RoleName: 'r', PolicyArn: otherAccount }))).code).toBe('NoSuchEntity');
    expect(await error(iam.attachRolePolicy({ RoleName: 'r', PolicyArn: 'not-an-arn' }))).toEqual({ code: 'ValidationError', message: 'Invalid ARN:  Could not be parsed!', status: 400 });
    expect((await error(iam.attachRolePolicy({ RoleName: 'ghost', PolicyArn: 'arn:aws:iam::123456789012:policy/mine' }))).message).toBe('The role with name ghost cannot be found.');
    await iam.attachRolePolicy({ RoleName: 'r', PolicyArn: 'arn:aws:iam::123456789012:policy/mine' });
    expect((await iam.getPolicy({ PolicyArn: 'arn:aws:iam::123456789012:policy/mine' })).Policy.AttachmentCount).toBe(1);
  });

  it('gives enforcement the role’s documents, by exact ARN (path included, name in any case)', async () => {
    const iam = service();
    await iam.createRole({ RoleName: 'Fn', AssumeRolePolicyDocument: TRUST, Path: '/svc/' });
    await iam.putRolePolicy({ RoleName: 'fn', PolicyName: 'p', PolicyDocument: ALLOW });
    await iam.attachRolePolicy({ RoleName: 'fn', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' });
    expect(await iam.roleExists('arn:aws:iam::123456789012:role/svc/Fn')).toBe(true);
    expect(await iam.roleExists('arn:aws:iam::123456789012:role/Fn')).toBe(false);
    expect(await iam.roleExists('arn:aws:iam::210987654321:role/svc/Fn')).toBe(false);
    expect(await iam.loadRolePolicies('arn:aws:iam::123456789012:role/svc/Fn')).toEqual([
      { Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: '*' }] },
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
    ]);
    expect(await iam.loadRolePolicies('arn:aws:iam::123456789012:role/none')).toBeUndefined();
  });
});
