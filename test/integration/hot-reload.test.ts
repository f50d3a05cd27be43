import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateFunctionCommand, LambdaServiceException, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { nodeZip } from '../helpers/zip.js';
import { ROLE, startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

let t: TestLambdock;
let root: string;
let folder: string;

const handler = (answer: string) => `exports.handler = async () => (${JSON.stringify(answer)});`;

/** Writes the handler as an editor would, readable by the sandbox's user. */
async function writeHandler(answer: string): Promise<void> {
  const file = path.join(folder, 'index.js');
  await writeFile(file, handler(answer));
  await chmod(file, 0o644);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'lambdock-hot-'));
  folder = path.join(root, 'fn');
  await mkdir(folder);
  await chmod(root, 0o755);
  await chmod(folder, 0o755);
  await writeHandler('first');
  t = await startTestLambdock({ LAMBDOCK_HOT_RELOAD_PATHS: root, LAMBDOCK_PAUSE_GRACE_MS: '50' });
  await t.createFunction({ FunctionName: 'live', Code: { S3Bucket: 'hot-reload', S3Key: folder } as never });
  await t.createFunction({ FunctionName: 'zipped', Code: { ZipFile: await nodeZip(handler('zip')) } });
});
afterAll(async () => {
  await t?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

describe('hot reload (a function whose code is a host folder)', () => {
  it('runs the folder as it is, and after a file changes the next invoke runs the new code; other functions stay warm', async () => {
    expect((await t.invoke({ FunctionName: 'live' })).json()).toBe('first');
    expect((await t.invoke({ FunctionName: 'zipped' })).json()).toBe('zip');
    const zippedBefore = await t.containersOf('zipped');

    await writeHandler('second');
    await vi.waitFor(async () => expect((await t.invoke({ FunctionName: 'live' })).json()).toBe('second'), { timeout: 10_000, interval: 200 });
    await writeHandler('third');
    await vi.waitFor(async () => expect((await t.invoke({ FunctionName: 'live' })).json()).toBe('third'), { timeout: 10_000, interval: 200 });

    expect((await t.invoke({ FunctionName: 'zipped' })).json()).toBe('zip');
    expect((await t.containersOf('zipped')).map((c) => c.id)).toEqual(zippedBefore.map((c) => c.id));
  });

  it('switches a zip function to a folder with UpdateFunctionCode', async () => {
    await t.client.send(new UpdateFunctionCodeCommand({ FunctionName: 'zipped', S3Bucket: 'hot-reload', S3Key: folder }));
    await t.waitUpdated('zipped');
    expect((await t.invoke({ FunctionName: 'zipped' })).json()).toBe('third');
  });

  it('refuses folders outside LAMBDOCK_HOT_RELOAD_PATHS and relative ones, clearly', async () => {
    const create = (key: string) =>
      t.client
        .send(new CreateFunctionCommand({ FunctionName: 'outside', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { S3Bucket: 'hot-reload', S3Key: key } }))
        .then(
          () => new Error('accepted') as LambdaServiceException,
          (e: unknown) => e as LambdaServiceException,
        );
    const outside = await create(path.join(root, '..'));
    expect(outside.name).toBe('InvalidParameterValueException');
    expect(outside.message).toBe(`The folder ${path.dirname(root)} is not under any folder listed in LAMBDOCK_HOT_RELOAD_PATHS (${root}).`);
    expect((await create('fn')).message).toBe('For hot reload, Code.S3Key must be an absolute path to a folder, got "fn".');
    const s3 = await t.client
      .send(new CreateFunctionCommand({ FunctionName: 'outside', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { S3Bucket: 'real-bucket', S3Key: 'fn.zip' } }))
      .then(
        () => new Error('accepted') as LambdaServiceException,
        (e: unknown) => e as LambdaServiceException,
      );
    expect(s3.message).toBe('lambdock does not read code from S3 yet: send the zip in Code.ZipFile.');
  });
});
