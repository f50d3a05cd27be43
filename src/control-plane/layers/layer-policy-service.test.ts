import { describe, expect, it } from 'vitest';
import { MemoryLayerPolicyStore } from '../../../test/helpers/memory-layer-policy-store.js';
import { LambdaError } from '../../shared/errors.js';
import type { PolicyRecord } from '../policies/policy-model.js';
import type { LayerVersionRecord } from './layer-model.js';
import { LayerPolicyService } from './layer-policy-service.js';

const scope = { region: 'us-east-1', accountId: '000000000000' };
const ARN = 'arn:aws:lambda:us-east-1:000000000000:layer:lib:1';
const S1 = { StatementId: 's1', Action: 'lambda:GetLayerVersion', Principal: '*' };

/** Layer `lib` has version 1. */
function service() {
  const policies = new MemoryLayerPolicyStore((name, version) => name === 'lib' && version === 1);
  const svc = new LayerPolicyService(
    { layers: { load: async (name, version) => (name === 'lib' && version === 1 ? ({ layerName: name, version } as LayerVersionRecord) : undefined) }, policies },
    scope,
  );
  return { svc, policies };
}

const expectError = async (promise: Promise<unknown>, code: string, message: string) => {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(LambdaError);
  expect((error as LambdaError).code).toBe(code);
  expect((error as LambdaError).message).toBe(message);
};
const MISMATCH = 'The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id';

describe('LayerPolicyService', () => {
  it('adds statements, answering the RevisionId of the policy they made', async () => {
    const { svc } = service();
    const added = await svc.addPermission('lib', '1', S1);
    expect(JSON.parse(added.Statement)).toEqual({ Sid: 's1', Effect: 'Allow', Principal: '*', Action: 'lambda:GetLayerVersion', Resource: ARN });
    expect((await svc.getPolicy(ARN.slice(0, -2), '1')).RevisionId).toBe(added.RevisionId);
    const second = await svc.addPermission('lib', '1', { ...S1, StatementId: 's2', Principal: '111111111111', OrganizationId: 'o-1234567890', RevisionId: added.RevisionId });
    expect(JSON.parse(second.Statement)).toMatchObject({
      Principal: { AWS: 'arn:aws:iam::111111111111:root' },
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1234567890' } },
    });
    const policy = await svc.getPolicy('lib', '1');
    expect(JSON.parse(policy.Policy)).toMatchObject({ Version: '2012-10-17', Id: 'default', Statement: [{ Sid: 's1' }, { Sid: 's2' }] });
    expect(policy.RevisionId).toBe(second.RevisionId);
  });

  it('refuses with AWS messages', async () => {
    const { svc } = service();
    await expectError(svc.getPolicy('lib', '1'), 'ResourceNotFoundException', 'No policy is associated with the given resource.');
    await expectError(svc.addPermission('lib', '1', { ...S1, RevisionId: 'any' }), 'PreconditionFailedException', MISMATCH);
    await svc.addPermission('lib', '1', S1);
    await expectError(
      svc.addPermission('lib', '1', S1),
      'ResourceConflictException',
      'The statement id (s1) provided already exists. Please provide a new statement id, or remove the existing statement.',
    );
    await expectError(
      svc.addPermission('lib', '1', { ...S1, Action: 'lambda:InvokeFunction', Principal: 'someone' }),
      'ValidationException',
      "2 validation errors detected: Value 'lambda:InvokeFunction' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: lambda:GetLayerVersion; Value 'someone' at 'principal' failed to satisfy constraint: Member must satisfy regular expression pattern: \\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{12}:root",
    );
    for (const [name, version] of [['nope', '1'], ['lib', '2']] as const) {
      const missing = `Layer version arn:aws:lambda:us-east-1:000000000000:layer:${name}:${version} does not exist.`;
      await expectError(svc.addPermission(name, version, { ...S1, StatementId: 'x' }), 'ResourceNotFoundException', missing);
      await expectError(svc.getPolicy(name, version), 'ResourceNotFoundException', missing);
      await expectError(svc.removePermission(name, version, 's1', undefined), 'ResourceNotFoundException', missing);
    }
    await expectError(svc.removePermission('lib', '1', 'nope', undefined), 'ResourceNotFoundException', 'Statement nope is not found in resource policy.');
    await expectError(svc.removePermission('lib', '1', 's1', 'wrong'), 'PreconditionFailedException', MISMATCH);
  });

  it('removes statements, and the policy with its last one', async () => {
    const { svc, policies } = service();
    await svc.addPermission('lib', '1', S1);
    const two = await svc.addPermission('lib', '1', { ...S1, StatementId: 's2' });
    await svc.removePermission('lib', '1', 's2', two.RevisionId);
    const left = await svc.getPolicy('lib', '1');
    expect(left.RevisionId).not.toBe(two.RevisionId);
    expect(JSON.parse(left.Policy).Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['s1']);
    await svc.removePermission('lib', '1', 's1', undefined);
    expect(policies.policies.size).toBe(0);
    await expectError(svc.removePermission('lib', '1', 's1', undefined), 'ResourceNotFoundException', 'No policy is associated with the given resource.');
  });

  it('re-applies a change when the policy moved under it', async () => {
    const { svc, policies } = service();
    await svc.addPermission('lib', '1', S1);
    const replace = policies.replacePolicy.bind(policies);
    let raced = false;
    policies.replacePolicy = async (name: string, version: number, policy: PolicyRecord | undefined, expected: string | undefined) => {
      if (!raced) {
        raced = true;
        const current = await policies.loadPolicy(name, version);
        await replace(name, version, { revisionId: 'raced', statements: [...current!.statements, { ...current!.statements[0]!, Sid: 'other' }] }, current!.revisionId);
      }
      return replace(name, version, policy, expected);
    };
    await svc.addPermission('lib', '1', { ...S1, StatementId: 'mine' });
    expect(JSON.parse((await svc.getPolicy('lib', '1')).Policy).Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['s1', 'other', 'mine']);
  });
});
