import { describe, expect, it } from 'vitest';
import { MemoryFunctionPolicyStore } from '../../../test/helpers/memory-function-policy-store.js';
import { LambdaError } from '../../shared/errors.js';
import type { AliasRecord } from '../aliases/alias-model.js';
import type { FunctionRecord, VersionRecord } from '../function-model.js';
import type { PolicyRecord } from './policy-model.js';
import { FunctionPolicyService } from './function-policy-service.js';

const scope = { region: 'us-east-1', accountId: '000000000000' };
const ARN = (name: string, qualifier?: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}${qualifier === undefined ? '' : `:${qualifier}`}`;
const S3 = { StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com' };

/** fn has version 1 and the alias live (each with its RevisionId); fn2 exists too. */
function service() {
  const known: Record<string, { versions: string[]; aliases: string[] }> = { fn: { versions: ['1'], aliases: ['live'] }, fn2: { versions: [], aliases: [] } };
  const exists = (name: string, qualifier: string) =>
    known[name] !== undefined && (qualifier === '$LATEST' || known[name].versions.includes(qualifier) || known[name].aliases.includes(qualifier));
  const policies = new MemoryFunctionPolicyStore(exists);
  const svc = new FunctionPolicyService(
    {
      functions: { load: async (name) => (known[name] === undefined ? undefined : ({ name, revisionId: `${name}-rev` } as FunctionRecord)) },
      versions: {
        loadVersion: async (name, v) => (known[name]?.versions.includes(v) ? ({ name, version: v, revisionId: `${name}-${v}-rev` } as VersionRecord) : undefined),
      },
      aliases: { loadAlias: async (name, a) => (known[name]?.aliases.includes(a) ? ({ name: a, revisionId: `${name}-${a}-rev` } as AliasRecord) : undefined) },
      policies,
    },
    scope,
  );
  return { svc, policies, known };
}

async function errorOf(promise: Promise<unknown>): Promise<LambdaError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(LambdaError);
  return error as LambdaError;
}

const expectError = async (promise: Promise<unknown>, code: string, message: string) => {
  const error = await errorOf(promise);
  expect(error.code).toBe(code);
  expect(error.message).toBe(message);
};

describe('FunctionPolicyService', () => {
  it('adds statements to the policy of each qualifier, each policy with its own RevisionId', async () => {
    const { svc } = service();
    const added = await svc.addPermission('fn', undefined, S3);
    expect(JSON.parse(added.Statement)).toEqual({ Sid: 's3', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: ARN('fn') });
    await svc.addPermission('fn:1', '1', S3);
    await svc.addPermission(ARN('fn', 'live'), undefined, S3);
    const latest = await svc.getPolicy('fn', undefined);
    expect(JSON.parse(latest.Policy)).toEqual({ Version: '2012-10-17', Id: 'default', Statement: [JSON.parse(added.Statement)] });
    expect(latest.RevisionId).not.toBe('fn-rev');
    expect(JSON.parse((await svc.getPolicy('fn', '1')).Policy).Statement[0].Resource).toBe(ARN('fn', '1'));
    expect(JSON.parse((await svc.getPolicy('fn', 'live')).Policy).Statement[0].Resource).toBe(ARN('fn', 'live'));
    expect(await svc.getPolicy('fn', '$LATEST')).toEqual(latest);

    await svc.addPermission('fn', undefined, { ...S3, StatementId: 'two', RevisionId: latest.RevisionId });
    const after = await svc.getPolicy('fn', undefined);
    expect(after.RevisionId).not.toBe(latest.RevisionId);
    expect(await svc.loadPolicy('fn', undefined)).toEqual([
      JSON.parse(added.Statement),
      { ...JSON.parse(added.Statement), Sid: 'two' },
    ]);
    expect(await svc.loadPolicy('fn', '1')).toHaveLength(1);
    expect(await svc.loadPolicy('fn2', undefined)).toBeUndefined();
  });

  it('checks a first statement against the RevisionId of the function, version or alias', async () => {
    const { svc } = service();
    const mismatch = 'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id';
    await expectError(svc.addPermission('fn', 'live', { ...S3, RevisionId: 'wrong' }), 'PreconditionFailedException', mismatch);
    await svc.addPermission('fn', 'live', { ...S3, RevisionId: 'fn-live-rev' });
    await svc.addPermission('fn', '1', { ...S3, RevisionId: 'fn-1-rev' });
    await svc.addPermission('fn', undefined, { ...S3, RevisionId: 'fn-rev' });
    await expectError(svc.addPermission('fn', undefined, { ...S3, StatementId: 'two', RevisionId: 'fn-rev' }), 'PreconditionFailedException', mismatch);
  });

  it('refuses a duplicate StatementId, $LATEST and missing targets with AWS messages', async () => {
    const { svc } = service();
    await svc.addPermission('fn', undefined, S3);
    await expectError(
      svc.addPermission('fn', undefined, S3),
      'ResourceConflictException',
      'The statement id (s3) provided already exists. Please provide a new statement id, or remove the existing statement.',
    );
    await expectError(svc.addPermission('fn:$LATEST', undefined, S3), 'InvalidParameterValueException', 'We currently do not support adding policies for $LATEST.');
    await expectError(svc.addPermission('nope', '1', S3), 'ResourceNotFoundException', `Function not found: ${ARN('nope')}`);
    await expectError(svc.addPermission('fn', '2', S3), 'ResourceNotFoundException', `Function not found: ${ARN('fn', '2')}`);
    await expectError(svc.addPermission('fn', 'gone', S3), 'ResourceNotFoundException', `Cannot find alias arn: ${ARN('fn', 'gone')}`);
    await expectError(svc.addPermission('fn', 'a$b', S3), 'ResourceNotFoundException', `Function not found: ${ARN('fn', 'a$b')}`);
    await expectError(
      svc.addPermission('fn:live', '1', S3),
      'InvalidParameterValueException',
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
    await expectError(svc.addPermission('fn', undefined, { ...S3, Principal: 'nope.example.com' }), 'InvalidParameterValueException', 'The provided principal was invalid. Please check the principal and try again.');
  });

  it('removes statements, and the policy with its last one', async () => {
    const { svc } = service();
    await svc.addPermission('fn', undefined, S3);
    await svc.addPermission('fn', undefined, { ...S3, StatementId: 'two' });
    const before = await svc.getPolicy('fn', undefined);
    await expectError(
      svc.removePermission('fn', 'two', undefined, 'stale'),
      'PreconditionFailedException',
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    );
    await expectError(svc.removePermission('fn', 'three', undefined, undefined), 'ResourceNotFoundException', 'Statement three is not found in resource policy.');
    await svc.removePermission('fn', 'two', undefined, before.RevisionId);
    const after = await svc.getPolicy('fn', undefined);
    expect(after.RevisionId).not.toBe(before.RevisionId);
    expect(JSON.parse(after.Policy).Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['s3']);
    await svc.removePermission('fn', 's3', '$LATEST', undefined);
    await expectError(svc.getPolicy('fn', undefined), 'ResourceNotFoundException', 'The resource you requested does not exist.');
    await expectError(svc.removePermission('fn', 's3', undefined, undefined), 'ResourceNotFoundException', 'No policy is associated with the given resource.');
    await expectError(svc.removePermission('nope', 's3', undefined, undefined), 'ResourceNotFoundException', `No policy found for: ${ARN('nope')}`);
    await expectError(svc.removePermission('fn', 's3', 'gone', undefined), 'ResourceNotFoundException', `Cannot find alias arn: ${ARN('fn', 'gone')}`);
    await expectError(
      svc.removePermission('fn', 'a b', undefined, undefined),
      'ValidationException',
      "1 validation error detected: Value 'a b' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)",
    );
  });

  it('answers GetPolicy 404 alike for a missing function, version, alias or policy', async () => {
    const { svc, policies, known } = service();
    for (const [name, qualifier] of [['nope', undefined], ['fn', '77'], ['fn', 'gone'], ['fn', undefined], ['fn2', undefined]] as const) {
      await expectError(svc.getPolicy(name, qualifier), 'ResourceNotFoundException', 'The resource you requested does not exist.');
    }
    // A policy left behind by an alias deleted a moment ago is not shown.
    await svc.addPermission('fn', 'live', S3);
    known.fn!.aliases = [];
    expect(await policies.loadPolicy('fn', 'live')).toBeDefined();
    await expectError(svc.getPolicy('fn', 'live'), 'ResourceNotFoundException', 'The resource you requested does not exist.');
  });

  it('re-applies a change when the policy moved under it, unless the caller named a RevisionId', async () => {
    const { svc, policies } = service();
    await svc.addPermission('fn', undefined, S3);
    // Another writer adds `other` between this call's read and its write, once.
    const replace = policies.replacePolicy.bind(policies);
    let raced = false;
    policies.replacePolicy = async (name: string, qualifier: string, policy: PolicyRecord | undefined, expected: string | undefined) => {
      if (!raced) {
        raced = true;
        const current = await policies.loadPolicy(name, qualifier);
        const other = { ...current!.statements[0]!, Sid: 'other' };
        await replace(name, qualifier, { revisionId: 'raced', statements: [...current!.statements, other] }, current!.revisionId);
      }
      return replace(name, qualifier, policy, expected);
    };
    await svc.addPermission('fn', undefined, { ...S3, StatementId: 'mine' });
    expect((await svc.loadPolicy('fn', undefined))?.map((s) => s.Sid)).toEqual(['s3', 'other', 'mine']);
    raced = false;
    const revision = (await svc.getPolicy('fn', undefined)).RevisionId;
    await expectError(
      svc.addPermission('fn', undefined, { ...S3, StatementId: 'late', RevisionId: revision }),
      'PreconditionFailedException',
      'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id',
    );
  });

  it('drops the policy of a qualifier, or all of a function', async () => {
    const { svc } = service();
    await svc.addPermission('fn', undefined, S3);
    await svc.addPermission('fn', '1', S3);
    await svc.addPermission('fn', 'live', S3);
    await svc.removeQualifier('fn', 'live');
    expect(await svc.loadPolicy('fn', 'live')).toBeUndefined();
    expect(await svc.loadPolicy('fn', '1')).toBeDefined();
    await svc.removeAll('fn');
    expect(await svc.loadPolicy('fn', undefined)).toBeUndefined();
    expect(await svc.loadPolicy('fn', '1')).toBeUndefined();
  });
});
