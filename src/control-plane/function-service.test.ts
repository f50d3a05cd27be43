import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import yazl from 'yazl';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LambdaError } from '../shared/errors.js';
import { CodeStore } from './code/code-store.js';
import type { FunctionRecord } from './function-model.js';
import { FunctionService, type Preparer } from './function-service.js';
import type { FunctionPage, FunctionStore, ReplaceResult } from './function-store.js';

/** The FunctionStore contract, in memory. */
class MemoryStore implements FunctionStore {
  readonly records = new Map<string, FunctionRecord>();
  async insert(record: FunctionRecord): Promise<boolean> {
    if (this.records.has(record.name)) return false;
    this.records.set(record.name, structuredClone(record));
    return true;
  }
  async load(name: string): Promise<FunctionRecord | undefined> {
    const r = this.records.get(name);
    return r === undefined ? undefined : structuredClone(r);
  }
  async replace(record: FunctionRecord, expected: string): Promise<ReplaceResult> {
    const current = this.records.get(record.name);
    if (current === undefined) return 'missing';
    if (current.revisionId !== expected) return 'revision-mismatch';
    this.records.set(record.name, structuredClone(record));
    return 'replaced';
  }
  async remove(name: string): Promise<FunctionRecord | undefined> {
    const removed = this.records.get(name);
    this.records.delete(name);
    return removed;
  }
  async countCodeReferences(sha256Hex: string): Promise<number> {
    return [...this.records.values()].filter((r) => r.code.sha256Hex === sha256Hex).length;
  }
  async list(marker: string | undefined, maxItems: number): Promise<FunctionPage> {
    const names = [...this.records.keys()].sort().filter((n) => marker === undefined || n > marker);
    const page = names.slice(0, maxItems);
    const records = page.map((n) => structuredClone(this.records.get(n) as FunctionRecord));
    return names.length > maxItems ? { records, nextMarker: page[page.length - 1] } : { records };
  }
}

function zipBase64(): Promise<string> {
  return new Promise((resolve) => {
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from('exports.handler = async () => 1;'), 'index.js');
    zip.end();
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks).toString('base64')));
  });
}

const ROLE = 'arn:aws:iam::123456789012:role/r';
const scope = { region: 'us-east-1', accountId: '123456789012' };

describe('FunctionService', () => {
  let dir: string;
  let store: MemoryStore;
  let gate: { release: () => void; fail: (e: Error) => void } | undefined;
  let service: FunctionService;
  const backgroundErrors: unknown[] = [];
  const events: string[] = [];

  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lambdock-fs-'));
    store = new MemoryStore();
    gate = undefined;
    backgroundErrors.length = 0;
    events.length = 0;
    const prepare: Preparer = () =>
      gate === undefined
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            gate = { release: resolve, fail: reject };
          });
    service = new FunctionService(store, new CodeStore(dir, { references: store }), scope, prepare, (e) => backgroundErrors.push(e));
    service.addListener({ functionChanged: (n) => events.push(`changed ${n}`), functionDeleted: (n) => events.push(`deleted ${n}`) });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const create = async (name = 'fn') =>
    service.create({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await zipBase64() } });

  it('creates Pending with a RevisionId, then turns Active with a new RevisionId once prepared', async () => {
    gate = { release: () => undefined, fail: () => undefined };
    const created = await create();
    expect(created).toMatchObject({ state: 'Pending', lastUpdateStatus: 'InProgress', stateReasonCode: 'Creating' });
    await settle();
    expect((await service.get('fn')).state).toBe('Pending');
    gate.release();
    await settle();
    const active = await service.get('fn');
    expect(active).toMatchObject({ state: 'Active', lastUpdateStatus: 'Successful' });
    expect(active.stateReason).toBeUndefined();
    expect(active.revisionId).not.toBe(created.revisionId);
  });

  it('marks a function Failed with the reason when preparing it fails', async () => {
    gate = { release: () => undefined, fail: () => undefined };
    await create();
    await settle();
    gate.fail(new Error('no image for nodejs20.x'));
    await settle();
    expect(await service.get('fn')).toMatchObject({ state: 'Failed', stateReason: 'no image for nodejs20.x', lastUpdateStatus: 'Failed' });
    expect(backgroundErrors).toHaveLength(1);
  });

  it('refuses a second update while the first is in progress, with AWS\'s 409 text', async () => {
    await create();
    await settle();
    gate = { release: () => undefined, fail: () => undefined };
    const updated = await service.updateConfiguration('fn', { Timeout: 30 });
    expect(updated.lastUpdateStatus).toBe('InProgress');
    const error = await service.updateConfiguration('fn', { Timeout: 31 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LambdaError);
    expect((error as LambdaError).code).toBe('ResourceConflictException');
    expect((error as LambdaError).message).toBe(
      'The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:us-east-1:123456789012:function:fn',
    );
    await settle();
    gate.release();
    await settle();
    expect(await service.get('fn')).toMatchObject({ timeout: 30, lastUpdateStatus: 'Successful', state: 'Active' });
    expect(events).toEqual(['changed fn']);
  });

  it('keeps a function Active when an update fails to prepare, reporting LastUpdateStatus Failed', async () => {
    await create();
    await settle();
    gate = { release: () => undefined, fail: () => undefined };
    await service.updateConfiguration('fn', { MemorySize: 512 });
    await settle();
    gate.fail(new Error('boom'));
    await settle();
    expect(await service.get('fn')).toMatchObject({ state: 'Active', lastUpdateStatus: 'Failed', lastUpdateStatusReason: 'boom' });
  });

  it('resumes functions a stopped process left Pending', async () => {
    gate = { release: () => undefined, fail: () => undefined };
    await create('left-pending');
    // A new process on the same store: its preparer succeeds.
    const again = new FunctionService(store, new CodeStore(dir, { references: store }), scope, () => Promise.resolve(), () => undefined);
    expect(await again.resumeUnfinished()).toBe(1);
    await settle();
    expect((await again.get('left-pending')).state).toBe('Active');
  });

  it('stores nothing when the zip is refused', async () => {
    const error = await service
      .create({ FunctionName: 'bad', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: Buffer.from('nope').toString('base64') } })
      .catch((e: unknown) => e);
    expect((error as LambdaError).code).toBe('InvalidParameterValueException');
    expect(store.records.size).toBe(0);
    expect(await readdir(path.join(dir, 'code')).catch(() => [])).toEqual([]);
  });

  it('deletes, tells listeners, and refuses to delete $LATEST alone', async () => {
    await create();
    const latest = await service.remove('fn', '$LATEST').catch((e: unknown) => e);
    expect((latest as LambdaError).message).toBe('$LATEST version cannot be deleted without deleting the function.');
    await service.remove('fn');
    expect(events).toEqual(['deleted fn']);
    const missing = await service.get('fn').catch((e: unknown) => e);
    expect((missing as LambdaError).code).toBe('ResourceNotFoundException');
  });

  it('counts functions and code size for GetAccountSettings', async () => {
    await create('a');
    await create('b');
    const usage = await service.usage();
    expect(usage.functionCount).toBe(2);
    expect(usage.totalCodeSize).toBe(2 * Buffer.from(await zipBase64(), 'base64').length);
  });
});
