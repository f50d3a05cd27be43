import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryFunctionStore as MemoryStore } from '../../test/helpers/memory-function-store.js';
import { zipBase64 } from '../../test/helpers/zip.js';
import { CodeStore } from './code/code-store.js';
import type { ImageInspector, InspectedImage } from './code/image-code.js';
import { toFunctionConfiguration } from './function-model.js';
import { FunctionService } from './function-service.js';
import { createFunctionPreparer } from './image-preparer.js';
import { LambdaError } from '../shared/errors.js';

const ROLE = 'arn:aws:iam::123456789012:role/r';
const scope = { region: 'us-east-1', accountId: '123456789012' };
const HEX_A = 'a'.repeat(64);
const HEX_B = 'b'.repeat(64);

/** Awaits `fn`, expecting it to fail with a LambdaError, and returns it. */
async function refusalOf(fn: () => Promise<unknown>): Promise<LambdaError> {
  const error = await fn().then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(LambdaError);
  return error as LambdaError;
}

/** Images "on the engine", by reference; ids resolve too. */
class FakeImages implements ImageInspector {
  readonly images = new Map<string, InspectedImage>();
  add(reference: string, hex: string, extra: Partial<InspectedImage> = {}): void {
    const image = { id: `sha256:${hex}`, hasShell: true, entrypoint: ['/lambda-entrypoint.sh'], cmd: ['index.handler'], workingDir: '/var/task', architecture: 'amd64', ...extra };
    this.images.set(reference, image);
    this.images.set(image.id, image);
  }
  async inspect(reference: string) {
    return this.images.get(reference);
  }
}

describe('FunctionService with container-image functions', () => {
  let dir: string;
  let store: MemoryStore;
  let images: FakeImages;
  let service: FunctionService;
  const backgroundErrors: unknown[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lambdock-img-'));
    store = new MemoryStore();
    images = new FakeImages();
    images.add('my-fn:latest', HEX_A);
    backgroundErrors.length = 0;
    service = new FunctionService(
      store.stores,
      new CodeStore(dir, { references: store }),
      scope,
      createFunctionPreparer(async () => undefined, images),
      (e) => backgroundErrors.push(e),
      { images },
    );
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true, maxRetries: 10 });
  });

  const settled = (name = 'fn') =>
    vi.waitFor(async () => {
      const record = await service.get(name);
      if (record.state === 'Pending' || record.lastUpdateStatus === 'InProgress') throw new Error('still activating');
      return record;
    });
  const createImage = (extra: Record<string, unknown> = {}) =>
    service.create({ FunctionName: 'fn', Role: ROLE, PackageType: 'Image', Code: { ImageUri: 'my-fn:latest' }, ...extra });

  it('creates an image function pinned to the digest its ImageUri names, shown as AWS shows one', async () => {
    await createImage({ ImageConfig: { EntryPoint: ['sh'], Command: ['-c', 'echo test'], WorkingDirectory: '/app1' } });
    const record = await settled();
    expect(record.state).toBe('Active');
    const config = toFunctionConfiguration(record, scope);
    expect(config).toMatchObject({
      PackageType: 'Image',
      CodeSha256: HEX_A,
      CodeSize: 0,
      ImageConfigResponse: { ImageConfig: { Command: ['-c', 'echo test'], EntryPoint: ['sh'], WorkingDirectory: '/app1' } },
    });
    expect(config).not.toHaveProperty('Runtime');
    expect(config).not.toHaveProperty('Handler');
    expect(config).not.toHaveProperty('RuntimeVersionConfig');
    expect(record.code.image).toMatchObject({ uri: 'my-fn:latest', resolvedUri: `my-fn@sha256:${HEX_A}`, id: `sha256:${HEX_A}` });
    // The tag moving on does not change the function (AWS pins the digest until UpdateFunctionCode).
    images.add('my-fn:latest', HEX_B);
    expect((await service.get('fn')).code.sha256Hex).toBe(HEX_A);
  });

  it('refuses a missing image at create, with AWS message', async () => {
    const error = await refusalOf(() => service.create({ FunctionName: 'fn', Role: ROLE, PackageType: 'Image', Code: { ImageUri: 'nope:1' } }));
    expect(error.code).toBe('InvalidParameterValueException');
    expect(error.message).toBe('Source image nope:1 does not exist. Provide a valid source image.');
    expect(store.records.size).toBe(0);
  });

  it('refuses Runtime or Handler, Layers, a zip, and an image of another architecture', async () => {
    for (const extra of [{ Runtime: 'nodejs20.x' }, { Handler: 'index.handler' }]) {
      expect((await refusalOf(() => createImage(extra))).message).toMatch(/^Runtime and Handler are not used by functions with packageType Image/);
    }
    expect((await refusalOf(() => createImage({ Layers: ['arn:aws:lambda:us-east-1:123456789012:layer:l:1'] }))).message).toMatch(
      /^Layers are not supported for functions with packageType Image/,
    );
    const zip = await zipBase64();
    expect((await refusalOf(() => createImage({ Code: { ZipFile: zip } }))).message).toBe('Please provide ImageUri when creating a function with packageType Image.');
    expect((await refusalOf(() => createImage({ Architectures: ['arm64'] }))).message).toMatch(/is built for amd64, but the function's architecture is arm64/);
    images.add('bare:1', HEX_B, { entrypoint: [], cmd: [] });
    expect((await refusalOf(() => createImage({ Code: { ImageUri: 'bare:1' } }))).message).toMatch(/has no ENTRYPOINT or CMD/);
    images.add('scratch:1', HEX_B, { hasShell: false });
    expect((await refusalOf(() => createImage({ Code: { ImageUri: 'scratch:1' } }))).message).toMatch(/through the image's \/bin\/sh .* and scratch:1 has none/);
    expect(store.records.size).toBe(0);
  });

  it('refuses ImageUri and ImageConfig for a .zip function', async () => {
    const base = { FunctionName: 'z', Role: ROLE, Runtime: 'nodejs20.x', Handler: 'index.handler' };
    expect((await refusalOf(() => service.create({ ...base, Code: { ImageUri: 'my-fn:latest' } }))).message).toBe(
      "Please don't provide ImageUri when creating a function with packageType Zip.",
    );
    expect((await refusalOf(async () => service.create({ ...base, Code: { ZipFile: await zipBase64() }, ImageConfig: { Command: ['x'] } }))).message).toBe(
      'ImageConfig is only for functions with packageType Image.',
    );
    await service.create({ ...base, Code: { ZipFile: await zipBase64() } });
    await settled('z');
    expect((await refusalOf(() => service.updateCode('z', { ImageUri: 'my-fn:latest' }))).message).toBe(
      "Please don't provide ImageUri when updating a function with packageType Zip.",
    );
  });

  it('updates the image (a new digest) and replaces or removes ImageConfig whole', async () => {
    await createImage({ ImageConfig: { EntryPoint: ['sh'], Command: ['-c', 'echo test'], WorkingDirectory: '/app1' } });
    await settled();
    const zip = await zipBase64();
    expect((await refusalOf(() => service.updateCode('fn', { ZipFile: zip }))).message).toBe(
      'Please provide ImageUri when updating a function with packageType Image.',
    );
    images.add('my-fn:2', HEX_B);
    await service.updateCode('fn', { ImageUri: 'my-fn:2' });
    expect((await settled()).code.codeSha256).toBe(HEX_B);

    await service.updateConfiguration('fn', { ImageConfig: { Command: ['-c', 'echo test1'], WorkingDirectory: '/app1' } });
    expect(toFunctionConfiguration(await settled(), scope).ImageConfigResponse).toEqual({
      ImageConfig: { Command: ['-c', 'echo test1'], WorkingDirectory: '/app1' },
    });
    await service.updateConfiguration('fn', { ImageConfig: {} });
    expect(toFunctionConfiguration(await settled(), scope)).not.toHaveProperty('ImageConfigResponse');
    expect((await refusalOf(() => service.updateConfiguration('fn', { Runtime: 'nodejs20.x' }))).message).toMatch(/^Runtime and Handler are not used/);
  });

  it('fails the function (ImageDeleted) when its image is gone by the time the change is applied', async () => {
    images.add('gone:1', HEX_B);
    await service.create({ FunctionName: 'fn', Role: ROLE, PackageType: 'Image', Code: { ImageUri: 'gone:1' } });
    // Removed after the create was answered, before its activation (which starts on the next turn) looks.
    images.images.clear();
    const record = await settled();
    expect(record).toMatchObject({ state: 'Failed', stateReasonCode: 'ImageDeleted' });
    expect(backgroundErrors).toEqual([]);
  });

  it('refuses PackageType Image when nothing can find images', async () => {
    const plain = new FunctionService(store.stores, new CodeStore(dir, { references: store }), scope, async () => undefined, () => undefined);
    expect((await refusalOf(() => plain.create({ FunctionName: 'fn', Role: ROLE, PackageType: 'Image', Code: { ImageUri: 'my-fn:latest' } }))).message).toBe(
      'lambdock cannot run container-image functions here: use PackageType Zip.',
    );
  });
});
