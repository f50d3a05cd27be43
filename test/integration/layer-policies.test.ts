import {
  AddLayerVersionPermissionCommand,
  DeleteLayerVersionCommand,
  GetLayerVersionPolicyCommand,
  PublishLayerVersionCommand,
  RemoveLayerVersionPermissionCommand,
  type AddLayerVersionPermissionCommandInput,
} from '@aws-sdk/client-lambda';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../src/control-plane/store/redis-keys.js';
import { awsError } from '../helpers/lambda-error-of.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { makeZip } from '../helpers/zip.js';

let t: TestLambdock;
const LAYER = 'layer4policy';
const LAYER_ARN = (name: string, version: number) => `arn:aws:lambda:us-east-1:000000000000:layer:${name}:${version}`;
const NO_POLICY = 'No policy is associated with the given resource.';
const MISMATCH = 'The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id';

beforeAll(async () => {
  t = await startTestLambdock();
  const zip = await makeZip({ 'nodejs/node_modules/tag/index.js': 'module.exports = 1;' });
  await t.client.send(new PublishLayerVersionCommand({ LayerName: LAYER, Content: { ZipFile: zip } }));
});
afterAll(async () => {
  await t?.close();
});

const add = (input: Partial<AddLayerVersionPermissionCommandInput>) =>
  t.client.send(
    new AddLayerVersionPermissionCommand({ LayerName: LAYER, VersionNumber: 1, Action: 'lambda:GetLayerVersion', Principal: '*', StatementId: 's1', ...input }),
  );
const get = (LayerName = LAYER, VersionNumber = 1) => t.client.send(new GetLayerVersionPolicyCommand({ LayerName, VersionNumber }));
const remove = (StatementId: string, options: { LayerName?: string; VersionNumber?: number; RevisionId?: string } = {}) =>
  t.client.send(new RemoveLayerVersionPermissionCommand({ LayerName: LAYER, VersionNumber: 1, StatementId, ...options }));
const statement = (sid: string) => ({ Sid: sid, Effect: 'Allow', Principal: '*', Action: 'lambda:GetLayerVersion', Resource: LAYER_ARN(LAYER, 1) });

async function expectError(promise: Promise<unknown>, name: string, status: number, message: string) {
  const error = await awsError(promise);
  expect(error.name).toBe(name);
  expect(error.$metadata.httpStatusCode).toBe(status);
  expect(error.message).toBe(message);
}

describe('layer version policies', () => {
  it('adds, gets and removes statements in AWS shapes, with a RevisionId per change', async () => {
    await expectError(get(), 'ResourceNotFoundException', 404, NO_POLICY);
    const s1 = await add({});
    expect(s1.$metadata.httpStatusCode).toBe(201);
    expect(s1.Statement).toBe(JSON.stringify(statement('s1')));
    const first = await get();
    expect(first.Policy).toBe(JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: [statement('s1')] }));
    expect(first.RevisionId).toBe(s1.RevisionId);

    const s2 = await add({ StatementId: 's2', RevisionId: first.RevisionId });
    expect(s2.RevisionId).not.toBe(s1.RevisionId);
    expect(JSON.parse((await get()).Policy ?? '').Statement).toEqual([statement('s1'), statement('s2')]);
    expect((await remove('s2', { RevisionId: s2.RevisionId })).$metadata.httpStatusCode).toBe(204);
    const after = await get();
    expect(JSON.parse(after.Policy ?? '').Statement).toEqual([statement('s1')]);
    expect(after.RevisionId).not.toBe(s2.RevisionId);

    const account = await add({ StatementId: 'xaccount', Principal: '111111111111', OrganizationId: 'o-t194hfs8cz' });
    expect(JSON.parse(account.Statement ?? '')).toEqual({
      ...statement('xaccount'),
      Principal: { AWS: 'arn:aws:iam::111111111111:root' },
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-t194hfs8cz' } },
    });
    await remove('xaccount');
  });

  it('refuses what AWS refuses, in AWS words', async () => {
    await expectError(
      add({ StatementId: 's-x', Action: '*' }),
      'ValidationException',
      400,
      "1 validation error detected: Value '*' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: lambda:GetLayerVersion",
    );
    await expectError(
      add({}),
      'ResourceConflictException',
      409,
      'The statement id (s1) provided already exists. Please provide a new statement id, or remove the existing statement.',
    );
    await expectError(add({ StatementId: 's2', RevisionId: 'wrong' }), 'PreconditionFailedException', 412, MISMATCH);
    const missingLayer = `Layer version ${LAYER_ARN(`${LAYER}-doesnotexist`, 1)} does not exist.`;
    await expectError(add({ LayerName: `${LAYER}-doesnotexist`, StatementId: 's-x' }), 'ResourceNotFoundException', 404, missingLayer);
    await expectError(get(`${LAYER}-doesnotexist`), 'ResourceNotFoundException', 404, missingLayer);
    await expectError(remove('s1', { LayerName: `${LAYER}-doesnotexist` }), 'ResourceNotFoundException', 404, missingLayer);
    const missingVersion = `Layer version ${LAYER_ARN(LAYER, 2)} does not exist.`;
    await expectError(add({ VersionNumber: 2, StatementId: 's-x' }), 'ResourceNotFoundException', 404, missingVersion);
    await expectError(get(LAYER, 2), 'ResourceNotFoundException', 404, missingVersion);
    await expectError(remove('s1', { VersionNumber: 2 }), 'ResourceNotFoundException', 404, missingVersion);
    await expectError(remove('doesnotexist'), 'ResourceNotFoundException', 404, 'Statement doesnotexist is not found in resource policy.');
    await expectError(remove('s1', { RevisionId: 'wrong' }), 'PreconditionFailedException', 412, MISMATCH);
  });

  it('a deleted layer version takes its policy along', async () => {
    const zip = await makeZip({ 'nodejs/node_modules/tag/index.js': 'module.exports = 2;' });
    await t.client.send(new PublishLayerVersionCommand({ LayerName: 'layer-gone', Content: { ZipFile: zip } }));
    await add({ LayerName: 'layer-gone' });
    expect((await get('layer-gone')).Policy).toBeDefined();
    await t.client.send(new DeleteLayerVersionCommand({ LayerName: 'layer-gone', VersionNumber: 1 }));
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    try {
      expect(await redis.exists(redisKeys.layerPolicies(t.instanceId, 'layer-gone'))).toBe(0);
    } finally {
      await redis.quit();
    }
  });
});
