import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryLayerStore } from '../../../test/helpers/memory-layer-store.js';
import { makeZip } from '../../../test/helpers/zip.js';
import { LambdaError } from '../../shared/errors.js';
import { CodeStore } from '../code/code-store.js';
import { LayerService, pageLayerVersions } from './layer-service.js';
import type { LayerVersionRecord } from './layer-model.js';

const scope = { region: 'us-east-1', accountId: '000000000000' };

function version(n: number, runtimes: string[] = [], architectures: string[] = []): LayerVersionRecord {
  return {
    layerName: 'l',
    version: n,
    description: '',
    compatibleRuntimes: runtimes,
    compatibleArchitectures: architectures,
    code: { sha256Hex: 'a'.repeat(64), codeSha256: 'x', size: 1 },
    createdDate: '2024-01-01T00:00:00.000+0000',
  };
}

async function rejection(promise: Promise<unknown>): Promise<LambdaError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(LambdaError);
  return error as LambdaError;
}

describe('pageLayerVersions', () => {
  const all = [version(5, ['nodejs20.x']), version(4), version(3, ['nodejs20.x'], ['arm64']), version(1, ['nodejs20.x'])];

  it('pages newest first, the marker naming the last version given', () => {
    const first = pageLayerVersions(all, { maxItems: 2 });
    expect(first.versions.map((v) => v.version)).toEqual([5, 4]);
    expect(first.nextMarker).toBe('4');
    const second = pageLayerVersions(all, { maxItems: 2, marker: '4' });
    expect(second.versions.map((v) => v.version)).toEqual([3, 1]);
    expect(second.nextMarker).toBeUndefined();
  });

  it('filters by runtime and architecture (an empty list matches no filter)', () => {
    expect(pageLayerVersions(all, { runtime: 'nodejs20.x' }).versions.map((v) => v.version)).toEqual([5, 3, 1]);
    expect(pageLayerVersions(all, { runtime: 'nodejs20.x', architecture: 'arm64' }).versions.map((v) => v.version)).toEqual([3]);
  });
});

describe('LayerService', () => {
  let dir: string;
  let store: MemoryLayerStore;
  let layers: LayerService;
  let zip: Buffer;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lambdock-layers-'));
    store = new MemoryLayerStore();
    const code = new CodeStore(dir, { references: { countCodeReferences: async (sha) => store.countCodeReferences(sha) } });
    layers = new LayerService(store, code, scope, () => undefined);
    zip = await makeZip({ 'nodejs/node_modules/m/index.js': 'module.exports = 1;' });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('never reuses a version number, even once every version is deleted', async () => {
    expect((await layers.publish('l', { Content: { ZipFile: zip } })).version).toBe(1);
    expect((await layers.publish('l', { Content: { ZipFile: zip } })).version).toBe(2);
    await layers.remove('l', '1');
    await layers.remove('l', '2');
    await layers.remove('l', '2'); // idempotent
    expect((await layers.listVersions('l', {})).versions).toEqual([]);
    expect((await layers.publish('l', { Content: { ZipFile: zip } })).version).toBe(3);
  });

  it('counts the zipped size of every layer version for the account', async () => {
    expect(await layers.fetchTotalCodeSize()).toBe(0);
    await layers.publish('a', { Content: { ZipFile: zip } });
    await layers.publish('a', { Content: { ZipFile: zip } });
    await layers.publish('b', { Content: { ZipFile: zip } });
    expect(await layers.fetchTotalCodeSize()).toBe(3 * zip.length);
  });

  it('refuses content from S3 and a missing content', async () => {
    expect((await rejection(layers.publish('l', { Content: { S3Bucket: 'b', S3Key: 'k' } }))).message).toMatch(/does not read layer content from S3/);
    expect((await rejection(layers.publish('l', {}))).message).toBe(
      "1 validation error detected: Value null at 'content' failed to satisfy constraint: Member must not be null",
    );
  });

  it('lists each layer with its newest matching version, paging by name', async () => {
    for (const name of ['c', 'a', 'b']) await layers.publish(name, { Content: { ZipFile: zip }, CompatibleRuntimes: ['nodejs20.x'] });
    await layers.publish('b', { Content: { ZipFile: zip }, CompatibleRuntimes: ['python3.12'] });
    const first = await layers.list({ maxItems: 2 });
    expect(first.layers.map((l) => [l.layerName, l.latest.version])).toEqual([['a', 1], ['b', 2]]);
    expect(first.nextMarker).toBe('b');
    const second = await layers.list({ maxItems: 2, marker: 'b' });
    expect(second.layers.map((l) => l.layerName)).toEqual(['c']);
    expect(second.nextMarker).toBeUndefined();
    const node = await layers.list({ runtime: 'nodejs20.x' });
    expect(node.layers.map((l) => [l.layerName, l.latest.version])).toEqual([['a', 1], ['b', 1], ['c', 1]]);
  });

  it('answers ResourceNotFoundException for a missing version, by name or ARN', async () => {
    await layers.publish('l', { Content: { ZipFile: zip } });
    for (const attempt of [layers.get('l', '2'), layers.get('none', '1'), layers.getByArn('arn:aws:lambda:us-east-1:000000000000:layer:l:2')]) {
      const error = await rejection(attempt);
      expect([error.code, error.message]).toEqual(['ResourceNotFoundException', 'The resource you requested does not exist.']);
    }
    expect((await layers.getByArn('arn:aws:lambda:us-east-1:000000000000:layer:l:1')).version).toBe(1);
  });

  it('resolves a function\'s layers in order, refusing a version that does not exist', async () => {
    const one = await layers.publish('one', { Content: { ZipFile: zip } });
    const two = await layers.publish('two', { Content: { ZipFile: zip } });
    const arn = (name: string, n: number) => `arn:aws:lambda:us-east-1:000000000000:layer:${name}:${n}`;
    const fnCode = { sha256Hex: 'f'.repeat(64), codeSha256: 'f', size: 1, unzippedSize: 10 };
    const resolved = await layers.resolveFunctionLayers([arn('two', 1), arn('one', 1)], fnCode);
    expect(resolved.map((l) => [l.arn, l.code.sha256Hex])).toEqual([[arn('two', 1), two.code.sha256Hex], [arn('one', 1), one.code.sha256Hex]]);
    const missing = await rejection(layers.resolveFunctionLayers([arn('one', 9)], fnCode));
    expect([missing.code, missing.message]).toEqual(['InvalidParameterValueException', `Layer version ${arn('one', 9)} does not exist.`]);
  });

  it('refuses function code and layers past 250 MB unzipped together, with AWS\'s message', async () => {
    const layer = await layers.publish('big', { Content: { ZipFile: zip } });
    const layerSize = layer.code.unzippedSize ?? 0;
    const arns = ['arn:aws:lambda:us-east-1:000000000000:layer:big:1'];
    const fits = { sha256Hex: 'f'.repeat(64), codeSha256: 'f', size: 1, unzippedSize: 262_144_000 - layerSize };
    await expect(layers.resolveFunctionLayers(arns, fits)).resolves.toHaveLength(1);
    const error = await rejection(layers.resolveFunctionLayers(arns, { ...fits, unzippedSize: fits.unzippedSize + 1 }));
    expect(error.message).toBe(
      'Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. The actual size is 262144001 bytes.',
    );
  });
});
