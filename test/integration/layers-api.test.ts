import { readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteLayerVersionCommand,
  GetAccountSettingsCommand,
  GetFunctionConfigurationCommand,
  GetLayerVersionByArnCommand,
  GetLayerVersionCommand,
  ListLayersCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
  type PublishLayerVersionCommandInput,
} from '@aws-sdk/client-lambda';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisFunctionStore } from '../../src/control-plane/store/redis-function-store.js';
import { RedisLayerStore } from '../../src/control-plane/store/redis-layer-store.js';
import { redisKeys } from '../../src/control-plane/store/redis-keys.js';
import { awsError } from '../helpers/lambda-error-of.js';
import { ROLE, startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { makeZip, nodeZip } from '../helpers/zip.js';

let t: TestLambdock;
const LAYER_ARN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:layer:${name}`;
const CREATED_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;

beforeAll(async () => {
  t = await startTestLambdock();
});
afterAll(async () => {
  await t?.close();
});

async function expectError(promise: Promise<unknown>, name: string, status: number, message?: string) {
  const error = await awsError(promise);
  expect(error.name).toBe(name);
  expect(error.$metadata.httpStatusCode).toBe(status);
  if (message !== undefined) expect(error.message).toBe(message);
  return error;
}

// One zip per tag (a zip carries its entries' times: built twice, it can differ).
const zips = new Map<string, Promise<Buffer>>();
const layerZip = (tag: string): Promise<Buffer> => {
  const zip = zips.get(tag) ?? makeZip({ 'nodejs/node_modules/tag/index.js': `module.exports = ${JSON.stringify(tag)};` });
  zips.set(tag, zip);
  return zip;
};
const publish = async (input: Partial<PublishLayerVersionCommandInput> & { LayerName: string }) =>
  t.client.send(new PublishLayerVersionCommand({ Content: { ZipFile: await layerZip(input.LayerName) }, ...input }));

/** Files of the code store named after this SHA-256 (base64 as AWS reports it): its zip and its tree. */
async function storedCode(codeSha256: string): Promise<string[]> {
  const hex = Buffer.from(codeSha256, 'base64').toString('hex');
  const names = await readdir(path.join(t.dataDir, 'code')).catch(() => [] as string[]);
  return names.filter((name) => name.startsWith(hex));
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('layers API', () => {
  it('publishes numbered versions and describes them as AWS does', async () => {
    const first = await publish({
      LayerName: 'life',
      Description: 'shared code',
      LicenseInfo: 'MIT',
      CompatibleRuntimes: ['nodejs20.x'],
      CompatibleArchitectures: ['x86_64'],
    });
    expect(first.$metadata.httpStatusCode).toBe(201);
    expect(first).toMatchObject({
      LayerArn: LAYER_ARN('life'),
      LayerVersionArn: `${LAYER_ARN('life')}:1`,
      Version: 1,
      Description: 'shared code',
      LicenseInfo: 'MIT',
      CompatibleRuntimes: ['nodejs20.x'],
      CompatibleArchitectures: ['x86_64'],
    });
    expect(first.CreatedDate).toMatch(CREATED_DATE);
    expect(first.Content?.CodeSize).toBe((await layerZip('life')).length);
    expect(first.Content?.Location).toMatch(/^http:\/\/.+\/_lambdock\/code\/[0-9a-f]{64}\.zip$/);
    const location = first.Content?.Location ?? '';
    expect(Buffer.from(await (await fetch(location)).arrayBuffer())).toEqual(await layerZip('life'));

    const second = await publish({ LayerName: 'life', CompatibleRuntimes: ['nodejs20.x'] });
    expect(second.Version).toBe(2);
    expect(second.Content?.CodeSha256).toBe(first.Content?.CodeSha256);
    expect(second.Description).toBe('');
    expect(second.LicenseInfo).toBeUndefined();

    const got = await t.client.send(new GetLayerVersionCommand({ LayerName: 'life', VersionNumber: 1 }));
    const byArn = await t.client.send(new GetLayerVersionByArnCommand({ Arn: `${LAYER_ARN('life')}:1` }));
    for (const answer of [got, byArn]) {
      expect({ ...answer, $metadata: undefined }).toEqual({ ...first, $metadata: undefined });
    }
    const byLayerArn = await t.client.send(new GetLayerVersionCommand({ LayerName: LAYER_ARN('life'), VersionNumber: 2 }));
    expect(byLayerArn.Version).toBe(2);

    const versions = await t.client.send(new ListLayerVersionsCommand({ LayerName: 'life' }));
    expect(versions.LayerVersions?.map((v) => v.Version)).toEqual([2, 1]);
    expect(versions.LayerVersions?.[1]).toEqual({
      LayerVersionArn: `${LAYER_ARN('life')}:1`,
      Version: 1,
      Description: 'shared code',
      CreatedDate: first.CreatedDate,
      CompatibleRuntimes: ['nodejs20.x'],
      LicenseInfo: 'MIT',
      CompatibleArchitectures: ['x86_64'],
    });
    const paged = await t.client.send(new ListLayerVersionsCommand({ LayerName: 'life', MaxItems: 1 }));
    expect(paged.LayerVersions?.map((v) => v.Version)).toEqual([2]);
    const rest = await t.client.send(new ListLayerVersionsCommand({ LayerName: 'life', MaxItems: 1, Marker: paged.NextMarker }));
    expect(rest.LayerVersions?.map((v) => v.Version)).toEqual([1]);
    expect(rest.NextMarker).toBeUndefined();

    // Deleting is idempotent; numbers are never reused, even after every version is gone.
    for (const n of [1, 2, 2]) {
      const deleted = await t.client.send(new DeleteLayerVersionCommand({ LayerName: 'life', VersionNumber: n }));
      expect(deleted.$metadata.httpStatusCode).toBe(204);
    }
    expect((await t.client.send(new ListLayerVersionsCommand({ LayerName: 'life' }))).LayerVersions).toEqual([]);
    expect((await publish({ LayerName: 'life' })).Version).toBe(3);
  });

  it('lists layers with their newest matching version', async () => {
    await publish({ LayerName: 'list-a', CompatibleRuntimes: ['nodejs20.x'], CompatibleArchitectures: ['arm64'] });
    await publish({ LayerName: 'list-a', CompatibleRuntimes: ['python3.12'] });
    await publish({ LayerName: 'list-b', CompatibleRuntimes: ['nodejs20.x'] });
    const all = await t.client.send(new ListLayersCommand({}));
    const a = all.Layers?.find((l) => l.LayerName === 'list-a');
    expect(a).toMatchObject({ LayerArn: LAYER_ARN('list-a'), LatestMatchingVersion: { Version: 2, CompatibleRuntimes: ['python3.12'] } });
    const node = await t.client.send(new ListLayersCommand({ CompatibleRuntime: 'nodejs20.x' }));
    expect(node.Layers?.filter((l) => l.LayerName?.startsWith('list-')).map((l) => [l.LayerName, l.LatestMatchingVersion?.Version])).toEqual([
      ['list-a', 1],
      ['list-b', 1],
    ]);
    const arm = await t.client.send(new ListLayersCommand({ CompatibleArchitecture: 'arm64' }));
    expect(arm.Layers?.map((l) => l.LayerName)).toEqual(['list-a']);
    const page = await t.client.send(new ListLayersCommand({ CompatibleRuntime: 'nodejs20.x', MaxItems: 1 }));
    expect(page.Layers).toHaveLength(1);
    expect(page.NextMarker).toBeDefined();
  });

  it('answers errors as AWS does', async () => {
    await publish({ LayerName: 'errs' });
    const missing = 'The resource you requested does not exist.';
    await expectError(t.client.send(new GetLayerVersionCommand({ LayerName: 'errs', VersionNumber: 2 })), 'ResourceNotFoundException', 404, missing);
    await expectError(t.client.send(new GetLayerVersionCommand({ LayerName: 'nope', VersionNumber: 1 })), 'ResourceNotFoundException', 404, missing);
    await expectError(t.client.send(new GetLayerVersionByArnCommand({ Arn: `${LAYER_ARN('errs')}:2` })), 'ResourceNotFoundException', 404, missing);
    await expectError(
      t.client.send(new GetLayerVersionCommand({ LayerName: 'errs', VersionNumber: 0 })),
      'InvalidParameterValueException',
      400,
      'Layer Version Cannot be less than 1',
    );
    await expectError(t.client.send(new DeleteLayerVersionCommand({ LayerName: 'errs', VersionNumber: -1 })), 'InvalidParameterValueException', 400);
    const byLayerArn = await expectError(t.client.send(new GetLayerVersionByArnCommand({ Arn: LAYER_ARN('errs') })), 'ValidationException', 400);
    expect(byLayerArn.message).toMatch(/^1 validation error detected: Value '.*:layer:errs' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: /);
    await expectError(
      t.client.send(new ListLayersCommand({ CompatibleArchitecture: 'archdoesnotexist' as 'x86_64' })),
      'ValidationException',
      400,
      "1 validation error detected: Value 'archdoesnotexist' at 'compatibleArchitecture' failed to satisfy constraint: Member must satisfy enum value set: [x86_64, arm64]",
    );
    const runtimes = await expectError(
      t.client.send(new PublishLayerVersionCommand({ LayerName: 'errs', Content: { ZipFile: await layerZip('x') }, CompatibleRuntimes: ['invalidruntime' as 'nodejs20.x'] })),
      'ValidationException',
      400,
    );
    expect(runtimes.message).toMatch(/^1 validation error detected: Value '\[invalidruntime\]' at 'compatibleRuntimes' failed to satisfy constraint: Member must satisfy enum value set: \[nodejs20\.x, /);
    const s3 = await expectError(
      t.client.send(new PublishLayerVersionCommand({ LayerName: 'errs', Content: { S3Bucket: 'bucket', S3Key: 'layer.zip' } })),
      'InvalidParameterValueException',
      400,
    );
    expect(s3.message).toMatch(/S3/);
    expect((await t.client.send(new ListLayerVersionsCommand({ LayerName: 'nope' }))).LayerVersions).toEqual([]);
    expect((await t.client.send(new DeleteLayerVersionCommand({ LayerName: 'nope', VersionNumber: 1 }))).$metadata.httpStatusCode).toBe(204);
  });
});

describe('functions with layers', () => {
  it('take up to 5 layer versions, shown as AWS shapes them, and kept in published versions', async () => {
    const one = await publish({ LayerName: 'fn-one' });
    const two = await publish({ LayerName: 'fn-two' });
    await t.createFunction({ FunctionName: 'with-layers', Code: { ZipFile: await nodeZip('exports.handler = async () => 1;') }, Layers: [one.LayerVersionArn ?? '', two.LayerVersionArn ?? ''] });
    const config = await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'with-layers' }));
    expect(config.Layers).toEqual([
      { Arn: one.LayerVersionArn, CodeSize: one.Content?.CodeSize },
      { Arn: two.LayerVersionArn, CodeSize: two.Content?.CodeSize },
    ]);
    const version = await t.client.send(new PublishVersionCommand({ FunctionName: 'with-layers' }));
    expect(version.Layers).toEqual(config.Layers);

    const updated = await t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'with-layers', Layers: [two.LayerVersionArn ?? ''] }));
    expect(updated.Layers).toEqual([{ Arn: two.LayerVersionArn, CodeSize: two.Content?.CodeSize }]);
    await t.waitUpdated('with-layers');
    const cleared = await t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'with-layers', Layers: [] }));
    expect(cleared.Layers).toBeUndefined();
    await t.waitUpdated('with-layers');
    const published = await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'with-layers', Qualifier: '1' }));
    expect(published.Layers).toEqual(config.Layers);
  });

  it('refuses what AWS refuses', async () => {
    await publish({ LayerName: 'fn-refused' });
    await publish({ LayerName: 'fn-refused' });
    await t.createFunction({ FunctionName: 'refusing', Code: { ZipFile: await nodeZip('exports.handler = async () => 1;') } });
    const update = (layers: string[]) => t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'refusing', Layers: layers }));
    const arn = (n: number) => `${LAYER_ARN('fn-refused')}:${n}`;
    await expectError(update([arn(9)]), 'InvalidParameterValueException', 400, `Layer version ${arn(9)} does not exist.`);
    await expectError(
      update([arn(1), arn(2)]),
      'InvalidParameterValueException',
      400,
      `Two different versions of the same layer are not allowed to be referenced in the same function. ${arn(1)} and ${arn(2)} are versions of the same layer.`,
    );
    await expectError(update(Array.from({ length: 6 }, (_, i) => `${LAYER_ARN(`six${i}`)}:1`)), 'InvalidParameterValueException', 400, 'Cannot reference more than 5 layers.');
    await expectError(
      update(['arn:aws:lambda:eu-west-1:000000000000:layer:fn-refused:1']),
      'InvalidParameterValueException',
      400,
      'Layers are not in the same region as the function. Layers are expected to be in region us-east-1.',
    );
    await expectError(update([LAYER_ARN('fn-refused')]), 'ValidationException', 400);
    const missing = `${LAYER_ARN('never-published')}:1`;
    await expectError(
      t.client.send(
        new CreateFunctionCommand({
          FunctionName: 'never-created',
          Role: ROLE,
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Code: { ZipFile: await nodeZip('exports.handler = async () => 1;') },
          Layers: [missing],
        }),
      ),
      'InvalidParameterValueException',
      400,
      `Layer version ${missing} does not exist.`,
    );
    await expectError(t.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'never-created' })), 'ResourceNotFoundException', 404);
  });

  it('stores a layer once however many use it, and keeps it while a function does', async () => {
    const zip = await makeZip({ 'nodejs/node_modules/once/index.js': 'module.exports = "once";' });
    const first = await t.client.send(new PublishLayerVersionCommand({ LayerName: 'stored-once', Content: { ZipFile: zip } }));
    await t.client.send(new PublishLayerVersionCommand({ LayerName: 'stored-twice', Content: { ZipFile: zip } }));
    const sha = first.Content?.CodeSha256 ?? '';
    expect(await storedCode(sha)).toHaveLength(1); // the zip (unpacked when a function first runs with it)
    // Stored once, but counted per version for the account, as AWS counts it.
    const before = (await t.client.send(new GetAccountSettingsCommand({}))).AccountUsage?.TotalCodeSize ?? 0;
    await t.client.send(new PublishLayerVersionCommand({ LayerName: 'stored-thrice', Content: { ZipFile: zip } }));
    expect((await t.client.send(new GetAccountSettingsCommand({}))).AccountUsage?.TotalCodeSize).toBe(before + zip.length);
    await t.client.send(new DeleteLayerVersionCommand({ LayerName: 'stored-thrice', VersionNumber: 1 }));
    const code = await nodeZip(`exports.handler = async () => require('once');`);
    await t.createFunction({ FunctionName: 'holds-layer', Role: ROLE, Code: { ZipFile: code }, Layers: [first.LayerVersionArn ?? ''] });
    await t.client.send(new DeleteLayerVersionCommand({ LayerName: 'stored-once', VersionNumber: 1 }));
    await t.client.send(new DeleteLayerVersionCommand({ LayerName: 'stored-twice', VersionNumber: 1 }));
    // AWS: a function keeps a deleted layer version it uses, and keeps running with it (here: its first
    // cold start comes after the deletion, once unreferenced code would have been removed).
    const config = await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'holds-layer' }));
    expect(config.Layers?.[0]?.Arn).toBe(first.LayerVersionArn);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await storedCode(sha)).length).toBeGreaterThan(0);
    expect((await t.invoke({ FunctionName: 'holds-layer' })).json()).toBe('once');
    await t.client.send(new DeleteFunctionCommand({ FunctionName: 'holds-layer' }));
    await eventually(async () => (await storedCode(sha)).length === 0);
  });

  it('counts who holds layer code in Redis: layer versions, $LATEST and published versions, each let go in turn', async () => {
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    try {
      const layer = await publish({ LayerName: 'held' });
      const key = redisKeys.codeHolders(t.instanceId, Buffer.from(layer.Content?.CodeSha256 ?? '', 'base64').toString('hex'));
      const holders = async () => (await redis.smembers(key)).sort();
      expect(await holders()).toEqual(['layer:held:1']);
      await t.createFunction({ FunctionName: 'holder', Code: { ZipFile: await nodeZip('exports.handler = async () => 1;') }, Layers: [layer.LayerVersionArn ?? ''] });
      await t.client.send(new PublishVersionCommand({ FunctionName: 'holder' }));
      expect(await holders()).toEqual(['function:holder', 'layer:held:1', 'version:holder:1']);
      await t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'holder', Layers: [] }));
      await t.waitUpdated('holder');
      expect(await holders()).toEqual(['layer:held:1', 'version:holder:1']);
      // Lost holds (data from before they were counted) come back at start-up.
      await redis.del(key);
      await new RedisFunctionStore(redis, t.instanceId).restoreCodeReferences();
      await new RedisLayerStore(redis, t.instanceId).restoreCodeReferences();
      expect(await holders()).toEqual(['layer:held:1', 'version:holder:1']);
      await t.client.send(new DeleteFunctionCommand({ FunctionName: 'holder', Qualifier: '1' }));
      expect(await holders()).toEqual(['layer:held:1']);
      await t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'holder', Layers: [layer.LayerVersionArn ?? ''] }));
      await t.waitUpdated('holder');
      expect(await holders()).toEqual(['function:holder', 'layer:held:1']);
      await t.client.send(new DeleteFunctionCommand({ FunctionName: 'holder' }));
      expect(await holders()).toEqual(['layer:held:1']);
      await t.client.send(new DeleteLayerVersionCommand({ LayerName: 'held', VersionNumber: 1 }));
      expect(await holders()).toEqual([]);
    } finally {
      await redis.quit();
    }
  });
});
