import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import yazl from 'yazl';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LambdaError } from '../shared/errors.js';
import { CodeStore } from './code/code-store.js';
import { FunctionService } from './function-service.js';
import { MemoryFunctionStore } from '../../test/helpers/memory-function-store.js';

const ROLE = 'arn:aws:iam::123456789012:role/r';
const scope = { region: 'us-east-1', accountId: '123456789012' };
const CORRUPT = 'Could not unzip uploaded file. Please check your file, then try to upload again.';

function zipOf(files: Record<string, string>): Promise<Buffer> {
  return new Promise((resolve) => {
    const zip = new yazl.ZipFile();
    for (const [name, content] of Object.entries(files)) zip.addBuffer(Buffer.from(content), name, { compress: false });
    zip.end();
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
  });
}

const handler = (n: number) => zipOf({ 'index.js': `exports.handler = async () => ${n};` });

/** A zip whose central directory is sound but whose data fails its CRC-32: found only while unpacking. */
async function damagedZip(): Promise<Buffer> {
  const zip = await zipOf({ 'index.js': 'exports.handler = async () => "damaged";' });
  zip[zip.indexOf('damaged')] = 'D'.charCodeAt(0);
  return zip;
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('FunctionService and the code store', () => {
  let dir: string;
  let store: MemoryFunctionStore;
  let mounted: Set<string>;
  let code: CodeStore;
  let service: FunctionService;
  const backgroundErrors: unknown[] = [];

  const codeFiles = async (): Promise<string[]> => (await readdir(path.join(dir, 'code')).catch(() => [] as string[])).sort();
  const create = async (name: string, zip: Buffer, extra: Record<string, unknown> = {}) =>
    service.create({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip.toString('base64') }, ...extra });
  const active = (name: string) => until(async () => (await service.get(name)).lastUpdateStatus !== 'InProgress', `${name} to settle`);
  const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as LambdaError);

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lambdock-code-'));
    store = new MemoryFunctionStore();
    mounted = new Set();
    backgroundErrors.length = 0;
    code = new CodeStore(dir, { references: store, isTreeInUse: (tree) => mounted.has(tree), retryMs: 20 });
    service = new FunctionService(store.stores, code, scope, () => Promise.resolve(), (e) => backgroundErrors.push(e));
  });
  afterEach(async () => {
    code.close();
    await rm(dir, { recursive: true, force: true, maxRetries: 10 });
  });

  it('stores no code for refused creates: an existing name (409), bad settings, a qualified name', async () => {
    await create('taken', await handler(1));
    await active('taken');
    const before = await codeFiles();
    expect(before).toHaveLength(2); // <sha>.zip and <sha>/
    expect((await failure(create('taken', await handler(2))))?.code).toBe('ResourceConflictException');
    expect((await failure(create('bad-memory', await handler(3), { MemorySize: 1 })))?.code).toMatch(/Exception$/);
    expect((await failure(create('taken:1', await handler(4))))?.code).toBe('InvalidParameterValueException');
    expect(await codeFiles()).toEqual(before);
  });

  it('stores no code for a refused UpdateFunctionCode (412 RevisionId) nor for a DryRun', async () => {
    await create('fn', await handler(1));
    await active('fn');
    const before = await codeFiles();
    const mismatch = await failure(service.updateCode('fn', { ZipFile: (await handler(2)).toString('base64'), RevisionId: 'stale' }));
    expect(mismatch?.code).toBe('PreconditionFailedException');
    const dry = await service.updateCode('fn', { ZipFile: (await handler(3)).toString('base64'), DryRun: true });
    expect(dry.code.size).toBe((await handler(3)).length);
    expect(await codeFiles()).toEqual(before);
  });

  it('removes the old code after UpdateFunctionCode, and the code of a deleted function', async () => {
    await create('fn', await handler(1));
    await active('fn');
    const first = await codeFiles();
    await service.updateCode('fn', { ZipFile: (await handler(2)).toString('base64') });
    await active('fn');
    await until(async () => (await codeFiles()).every((f) => !first.includes(f)), 'the old code to go');
    expect(await codeFiles()).toHaveLength(2);
    await service.remove('fn');
    await until(async () => (await codeFiles()).length === 0, 'the deleted function\'s code to go');
  });

  it('keeps code two functions share until the last one goes', async () => {
    const zip = await handler(1);
    await create('a', zip);
    await create('b', zip);
    await active('a');
    await active('b');
    await service.remove('a');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await codeFiles()).toHaveLength(2);
    await service.remove('b');
    await until(async () => (await codeFiles()).length === 0, 'the shared code to go');
  });

  it('keeps a tree a sandbox has mounted until the sandbox is gone', async () => {
    const created = await create('fn', await handler(1));
    await active('fn');
    const tree = code.getTreePath(created.code.sha256Hex);
    mounted.add(tree);
    await service.remove('fn');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(existsSync(path.join(tree, 'index.js'))).toBe(true);
    mounted.delete(tree);
    await until(async () => (await codeFiles()).length === 0, 'the unmounted code to go');
  });

  it('answers CreateFunction Pending before unpacking, then turns Active once the tree is unpacked', async () => {
    const created = await create('fn', await handler(1));
    expect(created).toMatchObject({ state: 'Pending', stateReasonCode: 'Creating', lastUpdateStatus: 'InProgress' });
    expect(existsSync(code.getTreePath(created.code.sha256Hex))).toBe(false);
    await active('fn');
    expect(await service.get('fn')).toMatchObject({ state: 'Active', lastUpdateStatus: 'Successful' });
    expect(existsSync(path.join(code.getTreePath(created.code.sha256Hex), 'index.js'))).toBe(true);
  });

  it('turns a function whose zip data is damaged Failed with StateReasonCode InvalidZipFileException, and keeps no code', async () => {
    const created = await create('fn', await damagedZip());
    expect(created.state).toBe('Pending');
    await active('fn');
    expect(await service.get('fn')).toMatchObject({
      state: 'Failed',
      stateReasonCode: 'InvalidZipFileException',
      stateReason: CORRUPT,
      lastUpdateStatus: 'Failed',
    });
    expect(backgroundErrors).toEqual([]);
    await service.remove('fn');
    await until(async () => (await codeFiles()).length === 0, 'the damaged code to go');
  });

  it('fails an UpdateFunctionCode whose zip data is damaged and keeps the previous code', async () => {
    const created = await create('fn', await handler(1));
    await active('fn');
    await service.updateCode('fn', { ZipFile: (await damagedZip()).toString('base64') });
    await active('fn');
    expect(await service.get('fn')).toMatchObject({
      state: 'Active',
      lastUpdateStatus: 'Failed',
      lastUpdateStatusReasonCode: 'InvalidZipFileException',
      code: created.code,
    });
    await until(async () => (await codeFiles()).length === 2, 'the damaged code to go');
  });

  it('refuses synchronously what the central directory shows: not a zip, an escaping name, a name too long', async () => {
    const notZip = await failure(create('a', Buffer.from('not a zip at all')));
    expect(notZip).toMatchObject({ code: 'InvalidParameterValueException', message: CORRUPT });
    const link = await new Promise<Buffer>((resolve) => {
      const zip = new yazl.ZipFile();
      zip.addBuffer(Buffer.from('../../etc'), 'etc', { mode: 0o120777 });
      zip.end();
      const chunks: Buffer[] = [];
      zip.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
    });
    const escaping = await failure(create('b', link));
    expect(escaping).toMatchObject({ code: 'InvalidParameterValueException' });
    const long = await failure(create('c', await zipOf({ [`${'d'.repeat(200)}/`.repeat(21) + 'f.js']: 'x' })));
    expect(long).toMatchObject({ code: 'InvalidParameterValueException' });
    expect((long as LambdaError).message).toMatch(/path longer than 2048 bytes/);
    expect(store.records.size).toBe(0);
    expect(await codeFiles()).toEqual([]);
  });

  it('sweeps at start-up what nothing references and what a stopped process left half-written', async () => {
    await create('kept', await handler(1));
    await active('kept');
    const kept = await codeFiles();
    // Code a stopped process wrote but never committed, a temporary zip and a partial tree.
    const orphan = new CodeStore(dir, { references: { countCodeReferences: async () => 1 } });
    await orphan.stage(await handler(2));
    const { writeFile, mkdir } = await import('node:fs/promises');
    await writeFile(path.join(dir, 'code', `${'a'.repeat(64)}.zip.123.tmp`), 'x');
    await mkdir(path.join(dir, 'code', `.${'b'.repeat(64)}.partial-xyz`));
    expect((await codeFiles()).length).toBe(kept.length + 3);
    const restarted = new CodeStore(dir, { references: store });
    expect(await restarted.sweep()).toBe(3);
    expect(await codeFiles()).toEqual(kept);
  });
});
