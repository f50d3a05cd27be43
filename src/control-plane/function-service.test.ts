import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LambdaError } from '../shared/errors.js';
import { CodeStore } from './code/code-store.js';
import type { FunctionRecord } from './function-model.js';
import { FunctionService, type Preparer } from './function-service.js';
import { MemoryFunctionStore as MemoryStore } from '../../test/helpers/memory-function-store.js';
import { zipBase64 } from '../../test/helpers/zip.js';

const ROLE = 'arn:aws:iam::123456789012:role/r';
const scope = { region: 'us-east-1', accountId: '123456789012' };

describe('FunctionService', () => {
  let dir: string;
  let store: MemoryStore;
  let gate: { release: () => void; fail: (e: Error) => void } | undefined;
  let service: FunctionService;
  const backgroundErrors: unknown[] = [];
  const events: string[] = [];

  /**
   * Until no activation is under way (each unpacks code on disk: no fixed wait fits a busy host), or one is
   * held at the preparer by the test's gate.
   */
  const settle = () =>
    vi.waitFor(() => {
      const held = gate !== undefined && gate.release.name !== 'release';
      const unfinished = [...store.records.values()].filter((r) => r.state === 'Pending' || r.lastUpdateStatus === 'InProgress');
      if (unfinished.length > 0 && !held) throw new Error(`still activating: ${unfinished.map((r) => r.name).join(', ')}`);
    }, { timeout: 10_000 });
  /** Until the activation reached the preparer (it unpacks the code on disk first: no fixed wait fits a busy host). */
  const reachedPreparer = () =>
    vi.waitFor(() => {
      if (gate === undefined || gate.release.name === 'release') throw new Error('the preparer was not reached yet');
    }, { timeout: 10_000 });

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
            // Let go of, the gate is gone (settle then waits for the activation to finish).
            gate = {
              release: function released() {
                gate = undefined;
                resolve();
              },
              fail: (error: Error) => {
                gate = undefined;
                reject(error);
              },
            };
          });
    service = new FunctionService(store.stores, new CodeStore(dir, { references: store }), scope, prepare, (e) => backgroundErrors.push(e));
    service.addListener({ functionChanged: (n) => events.push(`changed ${n}`), functionDeleted: (n) => events.push(`deleted ${n}`), versionDeleted: (n, v) => events.push(`deleted ${n}:${v}`) });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true, maxRetries: 10 });
  });

  const create = async (name = 'fn') =>
    service.create({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await zipBase64() } });

  it('creates Pending with a RevisionId, then turns Active with a new RevisionId once prepared', async () => {
    gate = { release: function release() {}, fail: () => undefined };
    const created = await create();
    expect(created).toMatchObject({ state: 'Pending', lastUpdateStatus: 'InProgress', stateReasonCode: 'Creating' });
    await settle();
    expect((await service.get('fn')).state).toBe('Pending');
    await reachedPreparer();
    gate.release();
    await settle();
    const active = await service.get('fn');
    expect(active).toMatchObject({ state: 'Active', lastUpdateStatus: 'Successful' });
    expect(active.stateReason).toBeUndefined();
    expect(active.revisionId).not.toBe(created.revisionId);
  });

  it('marks a function Failed with the reason when preparing it fails', async () => {
    gate = { release: function release() {}, fail: () => undefined };
    await create();
    await reachedPreparer();
    gate.fail(new Error('no image for nodejs20.x'));
    await settle();
    expect(await service.get('fn')).toMatchObject({ state: 'Failed', stateReason: 'no image for nodejs20.x', lastUpdateStatus: 'Failed' });
    expect(backgroundErrors).toHaveLength(1);
  });

  it('refuses a second update while the first is in progress, with AWS\'s 409 text', async () => {
    await create();
    await settle();
    gate = { release: function release() {}, fail: () => undefined };
    const updated = await service.updateConfiguration('fn', { Timeout: 30 });
    expect(updated.lastUpdateStatus).toBe('InProgress');
    const error = await service.updateConfiguration('fn', { Timeout: 31 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LambdaError);
    expect((error as LambdaError).code).toBe('ResourceConflictException');
    expect((error as LambdaError).message).toBe(
      'The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:us-east-1:123456789012:function:fn',
    );
    await reachedPreparer();
    gate.release();
    await settle();
    expect(await service.get('fn')).toMatchObject({ timeout: 30, lastUpdateStatus: 'Successful', state: 'Active' });
    expect(events).toEqual(['changed fn']);
  });

  it('keeps a function Active when an update fails to prepare, reporting LastUpdateStatus Failed', async () => {
    await create();
    await settle();
    gate = { release: function release() {}, fail: () => undefined };
    await service.updateConfiguration('fn', { MemorySize: 512 });
    await reachedPreparer();
    gate.fail(new Error('boom'));
    await settle();
    expect(await service.get('fn')).toMatchObject({ state: 'Active', lastUpdateStatus: 'Failed', lastUpdateStatusReason: 'boom' });
  });

  it('resumes functions a stopped process left Pending', async () => {
    gate = { release: function release() {}, fail: () => undefined };
    await create('left-pending');
    // A new process on the same store: its preparer succeeds.
    const again = new FunctionService(store.stores, new CodeStore(dir, { references: store }), scope, () => Promise.resolve(), () => undefined);
    expect(await again.resumeUnfinished()).toBe(1);
    // Activation unpacks the code on disk first: poll rather than guess how long that takes on a busy host.
    await vi.waitFor(async () => expect((await again.get('left-pending')).state).toBe('Active'), { timeout: 10_000 });
    again.close();
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

  it('answers 409, never 412, to concurrent updates without a RevisionId', async () => {
    await create();
    await settle();
    gate = { release: function release() {}, fail: () => undefined };
    const results = await Promise.allSettled([
      service.updateConfiguration('fn', { Timeout: 10 }),
      service.updateConfiguration('fn', { Timeout: 11 }),
      service.updateConfiguration('fn', { MemorySize: 256 }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const codes = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as LambdaError).code] : []));
    expect(codes).toEqual(['ResourceConflictException', 'ResourceConflictException']);
    await reachedPreparer();
    gate.release();
  });

  it('applies an update again over a record that moved without an update in progress', async () => {
    await create();
    await settle();
    const real = store.replace.bind(store);
    let interfered = false;
    store.replace = async (record, expected) => {
      if (!interfered) {
        interfered = true;
        // Another writer lands first (e.g. an activation writing a new RevisionId).
        const current = (await store.load(record.name)) as FunctionRecord;
        await real({ ...current, revisionId: 'moved', description: 'theirs' }, current.revisionId);
      }
      return real(record, expected);
    };
    const updated = await service.updateConfiguration('fn', { Timeout: 42 });
    expect(updated).toMatchObject({ timeout: 42, description: 'theirs' });
    expect((await service.get('fn')).timeout).toBe(42);
  });

  it('refuses a malformed update with ValidationException before looking the function up (not 404, 409 or 412)', async () => {
    const missing = (await service.updateConfiguration('nope', { MemorySize: 99999, Timeout: 0 }).catch((e: unknown) => e)) as LambdaError;
    expect(missing.code).toBe('ValidationException');
    expect(missing.message).toMatch(/^2 validation errors detected: /);
    await create();
    const stale = (await service.updateConfiguration('fn', { RevisionId: 'stale', Role: 'r1' }).catch((e: unknown) => e)) as LambdaError;
    expect(stale.code).toBe('ValidationException');
    const code = (await service.updateCode('nope', { Architectures: ['mips'] }).catch((e: unknown) => e)) as LambdaError;
    expect(code.code).toBe('ValidationException');
  });

  it('answers 412 when a RevisionId was given and the record moved under the update', async () => {
    await create();
    await settle();
    const { revisionId } = await service.get('fn');
    const real = store.replace.bind(store);
    store.replace = async (record, expected) => {
      const current = (await store.load(record.name)) as FunctionRecord;
      await real({ ...current, revisionId: 'moved' }, current.revisionId);
      store.replace = real;
      return real(record, expected);
    };
    const error = await service.updateConfiguration('fn', { Timeout: 42, RevisionId: revisionId }).catch((e: unknown) => e);
    expect((error as LambdaError).code).toBe('PreconditionFailedException');
  });

  it('names the qualifier asked for when a function or version is not found, and $LATEST for Invoke', async () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function';
    const message = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as LambdaError).message;
    expect(await message(service.get('nope'))).toBe(`Function not found: ${arn}:nope`);
    expect(await message(service.get('nope', '$latest'))).toBe(`Function not found: ${arn}:nope:$latest`);
    expect(await message(service.resolve('nope', undefined, { unqualifiedAs: '$LATEST' }))).toBe(`Function not found: ${arn}:nope:$LATEST`);
    expect(await message(service.resolve('a'.repeat(65), undefined, { unqualifiedAs: '$LATEST' }))).toBe(`Function not found: ${arn}:${'a'.repeat(65)}:$LATEST`);
    expect(await message(service.get(`${arn}:${'a'.repeat(65)}`))).toBe(`Function not found: ${arn}:${'a'.repeat(65)}`);
    expect(await message(service.get('123456789012:function:nope:prod'))).toBe(`Function not found: ${arn}:nope:prod`);
    await create();
    expect(await message(service.get('fn', '1221'))).toBe(`Function not found: ${arn}:fn:1221`);
  });

  it('deletes a version that does not exist without complaint, but only on a function that does', async () => {
    await create();
    await service.remove('fn', '1233');
    await service.remove('fn', '1233');
    expect((await service.get('fn')).name).toBe('fn');
    await service.remove('fn');
    const missing = (await service.remove('fn', '1233').catch((e: unknown) => e)) as LambdaError;
    expect(missing.code).toBe('ResourceNotFoundException');
    expect(missing.message).toBe('Function not found: arn:aws:lambda:us-east-1:123456789012:function:fn');
  });

  it('refuses to delete an alias with AWS\'s text, even before looking the function up', async () => {
    const error = (await service.remove('nope', 'a'.repeat(65)).catch((e: unknown) => e)) as LambdaError;
    expect(error.code).toBe('InvalidParameterValueException');
    expect(error.message).toBe('Deletion of aliases is not currently supported.');
    const latest = (await service.remove('nope', '$LATEST').catch((e: unknown) => e)) as LambdaError;
    expect(latest.message).toBe('$LATEST version cannot be deleted without deleting the function.');
  });

  it('refuses a 65-character name on create with AWS\'s InvalidParameterValueException text', async () => {
    const name = 'a'.repeat(65);
    const error = (await create(name).catch((e: unknown) => e)) as LambdaError;
    expect(error.code).toBe('InvalidParameterValueException');
    expect(error.message).toBe(
      `1 validation error detected: Value '${name}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
    );
  });

  it('lists the name\'s, the code\'s and the settings\' violations of a create together', async () => {
    const error = (await service
      .create({ FunctionName: 'bad name', Runtime: 'nodejs20.x', Handler: 'h', Role: 'r1', MemorySize: 64 })
      .catch((e: unknown) => e)) as LambdaError;
    expect(error.code).toBe('ValidationException');
    expect(error.message).toMatch(/^4 validation errors detected: Value 'bad name' at 'functionName' .*; Value 'r1' at 'role' .*; Value null at 'code' failed to satisfy constraint: Member must not be null; Value '64' at 'memorySize' /);
    expect(store.records.size).toBe(0);
  });

  it('remembers that Environment was sent, even empty, so that answers show it', async () => {
    const zip = await zipBase64();
    const base = { Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip } };
    expect((await service.create({ ...base, FunctionName: 'with', Environment: { Variables: {} } })).environmentGiven).toBe(true);
    expect((await service.create({ ...base, FunctionName: 'without' })).environmentGiven).toBeUndefined();
    await settle();
    expect((await service.updateConfiguration('without', { Environment: { Variables: {} } })).environmentGiven).toBe(true);
  });
});
