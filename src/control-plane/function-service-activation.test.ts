import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { serviceError } from '../shared/errors.js';
import { UNRECORDED_REASON } from './activation-outcome.js';
import { CodeStore } from './code/code-store.js';
import { formatLastModified, type FunctionRecord } from './function-model.js';
import { FunctionService } from './function-service.js';
import type { FunctionPage, RemovedFunction, ReplaceResult } from './function-store.js';
import { MemoryFunctionStore } from '../../test/helpers/memory-function-store.js';
import { zipBase64 } from '../../test/helpers/zip.js';

/** The FunctionStore contract in memory, with a switch that makes it fail like a Redis that does not answer. */
class FlakyStore extends MemoryFunctionStore {
  /** Every call fails while true. */
  down = false;
  /** So many next `replace` calls fail. */
  failReplaces = 0;

  private check(): void {
    if (this.down) throw serviceError(new Error('Command timed out'));
  }
  override async insert(record: FunctionRecord): Promise<boolean> {
    this.check();
    return super.insert(record);
  }
  override async load(name: string): Promise<FunctionRecord | undefined> {
    this.check();
    return super.load(name);
  }
  override async replace(record: FunctionRecord, expected: string): Promise<ReplaceResult> {
    this.check();
    if (this.failReplaces > 0) {
      this.failReplaces -= 1;
      throw serviceError(new Error('Command timed out'));
    }
    return super.replace(record, expected);
  }
  override async remove(name: string): Promise<RemovedFunction | undefined> {
    this.check();
    return super.remove(name);
  }
  override async list(marker: string | undefined, maxItems: number): Promise<FunctionPage> {
    this.check();
    return super.list(marker, maxItems);
  }
}

const ROLE = 'arn:aws:iam::123456789012:role/r';
const scope = { region: 'us-east-1', accountId: '123456789012' };

describe('FunctionService: an activation whose outcome cannot be stored', () => {
  let dir: string;
  let store: FlakyStore;
  let service: FunctionService;
  let recoveryIntervalMs: number;
  const backgroundErrors: unknown[] = [];

  const start = (): void => {
    service = new FunctionService(store.stores, new CodeStore(dir, { references: store }), scope, async () => undefined, (e) => backgroundErrors.push(e), {
      activation: { writeAttempts: 3, retryDelayMs: 1, recoveryIntervalMs, stuckAfterMs: 60_000 },
    });
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lambdock-fsa-'));
    store = new FlakyStore();
    backgroundErrors.length = 0;
    recoveryIntervalMs = 60_000;
    start();
  });
  afterEach(async () => {
    service.close();
    await rm(dir, { recursive: true, force: true, maxRetries: 10 });
  });

  const create = async (name = 'fn') =>
    service.create({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await zipBase64() } });
  const stored = (name = 'fn') => store.records.get(name) as FunctionRecord;

  it('retries the write with backoff and turns Active when a later try succeeds', async () => {
    store.failReplaces = 2;
    await create();
    await vi.waitFor(() => expect(stored().state).toBe('Active'));
    expect(stored()).toMatchObject({ state: 'Active', lastUpdateStatus: 'Successful' });
    expect(backgroundErrors).toHaveLength(0);
  });

  it('shows a create Failed with InternalError once the store answers again, and accepts an update that fixes it', async () => {
    await create();
    store.down = true;
    await vi.waitFor(() => expect(backgroundErrors).toHaveLength(1));
    store.down = false;
    expect(stored().state).toBe('Pending');

    const seen = await service.get('fn');
    expect(seen).toMatchObject({
      state: 'Failed',
      stateReason: UNRECORDED_REASON,
      stateReasonCode: 'InternalError',
      lastUpdateStatus: 'Failed',
      lastUpdateStatusReason: UNRECORDED_REASON,
      lastUpdateStatusReasonCode: 'InternalError',
    });
    expect(stored().revisionId).toBe(seen.revisionId);

    const updated = await service.updateConfiguration('fn', { Timeout: 10 });
    expect(updated.lastUpdateStatus).toBe('InProgress');
    await vi.waitFor(() => expect(stored()).toMatchObject({ state: 'Active', lastUpdateStatus: 'Successful', timeout: 10 }));
    expect(stored().stateReasonCode).toBeUndefined();
  });

  it('shows a failed update as LastUpdateStatus Failed (the function stays Active) and takes the next update', async () => {
    await create();
    await vi.waitFor(() => expect(stored().state).toBe('Active'));
    await service.updateConfiguration('fn', { Timeout: 10 });
    store.down = true;
    await vi.waitFor(() => expect(backgroundErrors).toHaveLength(1));
    store.down = false;

    expect((await service.list(undefined, undefined)).records[0]).toMatchObject({
      state: 'Active',
      lastUpdateStatus: 'Failed',
      lastUpdateStatusReasonCode: 'InternalError',
      lastUpdateStatusReason: UNRECORDED_REASON,
    });
    await service.updateConfiguration('fn', { Timeout: 11 });
    await vi.waitFor(() => expect(stored()).toMatchObject({ lastUpdateStatus: 'Successful', timeout: 11 }));
  });

  it('stores the Failed outcome on a recovery round, without waiting for a read', async () => {
    service.close();
    recoveryIntervalMs = 5;
    start();
    await create();
    store.down = true;
    await vi.waitFor(() => expect(backgroundErrors).toHaveLength(1));
    store.down = false;
    await vi.waitFor(() => expect(stored()).toMatchObject({ state: 'Failed', stateReasonCode: 'InternalError' }));
  });

  it('resumes a function left Pending that no activation works on (a create whose insert landed after it timed out)', async () => {
    const created = await create();
    await vi.waitFor(() => expect(stored().state).toBe('Active'));
    const longAgo = formatLastModified(new Date(Date.now() - 3_600_000));
    store.records.set('fn', { ...created, name: 'fn', lastModified: longAgo });
    expect((await service.get('fn')).state).toBe('Pending');
    await vi.waitFor(() => expect(stored()).toMatchObject({ state: 'Active', lastUpdateStatus: 'Successful' }));
  });
});
