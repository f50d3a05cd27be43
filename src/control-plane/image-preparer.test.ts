import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryFunctionStore } from '../../test/helpers/memory-function-store.js';
import { makeZip } from '../../test/helpers/zip.js';
import { SharedAttempt } from '../shared/shared-attempt.js';
import { CodeStore } from './code/code-store.js';
import type { FunctionRecord } from './function-model.js';
import { FunctionService } from './function-service.js';
import { createImagePreparer } from './image-preparer.js';

const ROLE = 'arn:aws:iam::123456789012:role/r';
const scope = { region: 'us-east-1', accountId: '123456789012' };

describe('runtime image builds behind activations', () => {
  let dir: string;
  let store: MemoryFunctionStore;
  let service: FunctionService;
  let builds: number;
  /** The fake builder: fails its first build, then succeeds; each build waits for `release`. */
  let release: () => void;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lambdock-img-'));
    store = new MemoryFunctionStore();
    builds = 0;
    let gate = Promise.resolve();
    release = () => undefined;
    const builder = new SharedAttempt(async () => {
      builds += 1;
      await gate;
      if (builds === 1) throw new Error('docker build of lambdock-runtime:nodejs failed: no space left on device');
      return ['lambdock-runtime:nodejs'];
    });
    gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    service = new FunctionService(store.stores, new CodeStore(dir, { references: store }), scope, createImagePreparer(builder), () => undefined);
  });
  afterEach(async () => {
    service.close();
    await rm(dir, { recursive: true, force: true, maxRetries: 10 });
  });

  const create = async (name: string) =>
    service.create({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: ROLE,
      Code: { ZipFile: (await makeZip({ 'index.js': 'exports.handler = async () => 1;' })).toString('base64') },
    });
  const stored = (name: string) => store.records.get(name) as FunctionRecord;

  it('fails the functions waiting on a failed build, with its reason, and builds again for the next create', async () => {
    await Promise.all([create('first'), create('second')]);
    await vi.waitFor(() => expect(builds).toBe(1));
    await new Promise((resolve) => setTimeout(resolve, 20)); // both activations wait on that one build
    release();
    await vi.waitFor(() => expect(stored('second').state).toBe('Failed'));
    for (const name of ['first', 'second']) {
      expect(stored(name)).toMatchObject({
        state: 'Failed',
        stateReasonCode: 'InternalError',
        stateReason: 'lambdock could not build its runtime images: docker build of lambdock-runtime:nodejs failed: no space left on device',
        lastUpdateStatus: 'Failed',
      });
    }
    expect(builds).toBe(1);

    await create('third');
    await vi.waitFor(() => expect(stored('third')).toMatchObject({ state: 'Active', lastUpdateStatus: 'Successful' }));
    expect(builds).toBe(2);

    // The failed ones recover with an update; the images are not built again.
    await service.updateConfiguration('first', { Timeout: 5 });
    await vi.waitFor(() => expect(stored('first')).toMatchObject({ state: 'Active', lastUpdateStatus: 'Successful' }));
    await create('fourth');
    await vi.waitFor(() => expect(stored('fourth').state).toBe('Active'));
    expect(builds).toBe(2);
  });

  it('waits for the build of the function\'s own runtime only: a python build failing leaves nodejs functions Active', async () => {
    const python = new SharedAttempt<unknown>(async () => {
      throw new Error('missing on this host: /usr/bin/python3.11 (install python3.11)');
    });
    const node = new SharedAttempt<unknown>(async () => 'lambdock-runtime:nodejs20.x');
    service.close();
    const perRuntime = createImagePreparer((record) => (record.runtime === 'python3.11' ? python : node));
    service = new FunctionService(store.stores, new CodeStore(dir, { references: store }), scope, perRuntime, () => undefined);
    await create('node-fn');
    await service.create({
      FunctionName: 'py-fn',
      Runtime: 'python3.11',
      Handler: 'app.handler',
      Role: ROLE,
      Code: { ZipFile: (await makeZip({ 'app.py': 'def handler(e, c): return 1' })).toString('base64') },
    });
    await vi.waitFor(() => expect(stored('py-fn').state).toBe('Failed'));
    expect(stored('py-fn').stateReason).toBe(
      'lambdock could not build its runtime images: missing on this host: /usr/bin/python3.11 (install python3.11)',
    );
    await vi.waitFor(() => expect(stored('node-fn').state).toBe('Active'));
  });

  it('fails the function, saying so, when the build does not end', async () => {
    const hanging = new SharedAttempt<unknown>(() => new Promise(() => undefined));
    service.close();
    service = new FunctionService(store.stores, new CodeStore(dir, { references: store }), scope, createImagePreparer(hanging, 50), () => undefined);
    await create('waiting');
    await vi.waitFor(() =>
      expect(stored('waiting')).toMatchObject({
        state: 'Failed',
        stateReasonCode: 'InternalError',
        stateReason: 'lambdock could not build its runtime images: the build did not finish within 0.05 s',
      }),
    );
  });
});
