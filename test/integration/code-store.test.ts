import { readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  UpdateFunctionCodeCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeZip, nodeZip, type ZipFiles } from '../helpers/zip.js';
import { ROLE, startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { awsError } from '../helpers/lambda-error-of.js';

let t: TestLambdock;

beforeAll(async () => {
  t = await startTestLambdock();
});
afterAll(async () => {
  await t?.close();
});

/** Every file and directory under <dataDir>/code. */
async function codeEntries(): Promise<string[]> {
  const root = path.join(t.dataDir, 'code');
  const entries = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  return entries.map(String).sort();
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const create = (name: string, zip: Uint8Array, extra: Record<string, unknown> = {}) =>
  t.client.send(
    new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip }, ...extra }),
  );

describe('uploaded code on disk', () => {
  it('keeps nothing of refused creates, a refused update, a DryRun; removes replaced and deleted code', async () => {
    await t.createFunction({ FunctionName: 'kept', Code: { ZipFile: await nodeZip('exports.handler = async () => 1;') } });
    const before = await codeEntries();
    expect(before.length).toBeGreaterThan(0);

    for (let i = 0; i < 3; i += 1) {
      const refused = await awsError(create('kept', await nodeZip(`exports.handler = async () => ${10 + i};`)));
      expect(refused.$metadata.httpStatusCode).toBe(409);
    }
    const invalid = await awsError(create('bad-memory', await nodeZip('exports.handler = async () => 20;'), { MemorySize: 99_999 }));
    expect(invalid.$metadata.httpStatusCode).toBe(400);
    const stale = await awsError(
      t.client.send(new UpdateFunctionCodeCommand({ FunctionName: 'kept', ZipFile: await nodeZip('exports.handler = async () => 30;'), RevisionId: 'stale' })),
    );
    expect(stale.$metadata.httpStatusCode).toBe(412);
    const dry = await t.client.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'kept', ZipFile: await nodeZip('exports.handler = async () => 40;'), DryRun: true }),
    );
    expect(dry.$metadata.httpStatusCode).toBe(200);
    expect(await codeEntries()).toEqual(before);

    await t.client.send(new UpdateFunctionCodeCommand({ FunctionName: 'kept', ZipFile: await nodeZip('exports.handler = async () => 2;') }));
    await t.waitUpdated('kept');
    await until(async () => (await codeEntries()).every((entry) => !before.includes(entry)), 'the replaced code to go');
    await t.client.send(new DeleteFunctionCommand({ FunctionName: 'kept' }));
    await until(async () => (await codeEntries()).length === 0, 'the deleted function\'s code to go');
  });

  it('removes a deleted function\'s code once its sandbox is gone', async () => {
    const zip = await nodeZip('exports.handler = async () => require("fs").readdirSync("/var/task");');
    await t.createFunction({ FunctionName: 'mounted', Code: { ZipFile: zip } });
    expect((await t.invoke({ FunctionName: 'mounted' })).json()).toEqual(['index.js']);
    await t.client.send(new DeleteFunctionCommand({ FunctionName: 'mounted' }));
    await until(async () => (await t.containersOf('mounted')).length === 0, 'the sandbox to go');
    await until(async () => (await codeEntries()).length === 0, 'the code to go');
  });

  it('refuses a zip entry whose path passes 4 KB with 400 InvalidParameterValueException, not 500', async () => {
    const name = `${'s'.repeat(250)}/`.repeat(17) + 'index.js';
    const error = await awsError(create('long-name', await makeZip({ [name]: 'x', 'index.js': 'x' })));
    expect(error.name).toBe('InvalidParameterValueException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toMatch(/has a path longer than 2048 bytes/);
    expect(await codeEntries()).toEqual([]);
  });
});

describe('unpacking in the background', () => {
  it('answers a 14,000-file zip at once, Pending; an invoke meanwhile gets 409; Active once unpacked', async () => {
    const files: ZipFiles = { 'index.js': 'exports.handler = async () => "big";' };
    for (let i = 0; i < 14_000; i += 1) files[`node_modules/pkg${Math.floor(i / 50)}/lib/file${i}.js`] = `module.exports = ${i};\n`;
    const created = await create('big', await makeZip(files));
    expect(created).toMatchObject({ State: 'Pending', StateReasonCode: 'Creating' });
    const pending = await awsError(t.client.send(new InvokeCommand({ FunctionName: 'big' })));
    expect(pending.name).toBe('ResourceConflictException');
    expect(pending.$metadata.httpStatusCode).toBe(409);
    expect(pending.message).toBe(
      'The operation cannot be performed at this time. The function is currently in the following state: Pending',
    );
    await waitUntilFunctionActiveV2({ client: t.client, maxWaitTime: 120, minDelay: 1 }, { FunctionName: 'big' });
    expect((await t.invoke({ FunctionName: 'big' })).json()).toBe('big');
    await t.client.send(new DeleteFunctionCommand({ FunctionName: 'big' }));
  }, 180_000);

  it('turns a function whose zip data is damaged Failed with StateReasonCode InvalidZipFileException', async () => {
    const zip = await makeZip({ 'index.js': 'exports.handler = async () => "damaged data";' });
    const damaged = Buffer.from(zip);
    const at = damaged.indexOf('damaged data');
    if (at !== -1) damaged[at] = 'D'.charCodeAt(0); // stored uncompressed: the CRC-32 no longer matches
    const created = await create('damaged', at === -1 ? corruptDeflate(zip) : damaged);
    expect(created.State).toBe('Pending');
    await until(async () => {
      const config = await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'damaged' }));
      return config.State !== 'Pending';
    }, 'the function to settle');
    const config = await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'damaged' }));
    expect(config).toMatchObject({
      State: 'Failed',
      StateReasonCode: 'InvalidZipFileException',
      StateReason: 'Could not unzip uploaded file. Please check your file, then try to upload again.',
      LastUpdateStatus: 'Failed',
    });
    await t.client.send(new DeleteFunctionCommand({ FunctionName: 'damaged' }));
    await until(async () => (await codeEntries()).length === 0, 'the damaged code to go');
  });
});

/** Flips a byte in the middle of the first entry's deflated data (yazl compresses by default). */
function corruptDeflate(zip: Buffer): Buffer {
  const out = Buffer.from(zip);
  const nameLength = out.readUInt16LE(26);
  const extraLength = out.readUInt16LE(28);
  const dataAt = 30 + nameLength + extraLength;
  out[dataAt + 2] = (out[dataAt + 2] ?? 0) ^ 0xff;
  return out;
}
