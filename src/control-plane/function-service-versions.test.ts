import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryFunctionStore } from '../../test/helpers/memory-function-store.js';
import { zipBase64 } from '../../test/helpers/zip.js';
import type { LambdaError } from '../shared/errors.js';
import { AliasService } from './aliases/alias-service.js';
import { CodeStore } from './code/code-store.js';
import { getVersionOf } from './function-model.js';
import { FunctionService } from './function-service.js';

const ROLE = 'arn:aws:iam::123456789012:role/r';
const scope = { region: 'us-east-1', accountId: '123456789012' };
const ARN = 'arn:aws:lambda:us-east-1:123456789012:function';

describe('FunctionService: versions and aliases', () => {
  let dir: string;
  let store: MemoryFunctionStore;
  let service: FunctionService;
  let aliases: AliasService;
  const events: string[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lambdock-fsv-'));
    store = new MemoryFunctionStore();
    events.length = 0;
    service = new FunctionService(store.stores, new CodeStore(dir, { references: store }), scope, async () => undefined, () => undefined);
    service.addListener({
      functionChanged: (n) => events.push(`changed ${n}`),
      functionDeleted: (n) => events.push(`deleted ${n}`),
      versionDeleted: (n, v) => events.push(`deleted ${n}:${v}`),
    });
    aliases = new AliasService(store, store, scope);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true, maxRetries: 10 });
  });

  const active = (name: string) => vi.waitFor(async () => expect((await service.getLatest(name)).lastUpdateStatus).toBe('Successful'));
  const create = async (name: string, publish = false) => {
    const created = await service.create({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Publish: publish, Code: { ZipFile: await zipBase64() } });
    await active(name);
    return created;
  };
  const retime = async (name: string, timeout: number) => {
    await service.updateConfiguration(name, { Timeout: timeout });
    await active(name);
  };
  const message = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as LambdaError).message;

  it('refuses to publish while a change is being applied (409), then publishes it', async () => {
    await create('busy');
    await service.updateConfiguration('busy', { Timeout: 7 });
    expect(await message(service.publishVersion('busy', {}))).toBe(
      `The operation cannot be performed at this time. An update is in progress for resource: ${ARN}:busy`,
    );
    await active('busy');
    expect((await service.publishVersion('busy', {})).timeout).toBe(7);
  });

  it('routes an alias by the draw it is given, and to its own version without one', async () => {
    await create('route');
    await service.publishVersion('route', {});
    await retime('route', 9);
    await service.publishVersion('route', {});
    await aliases.create('route', { Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.25 } } });
    const versionAt = async (draw?: number) =>
      getVersionOf((await service.resolve('route:live', undefined, draw === undefined ? {} : { draw })).record);
    expect(await versionAt()).toBe('1');
    expect(await versionAt(0.1)).toBe('2');
    expect(await versionAt(0.25)).toBe('1');
    const resolved = await service.resolve('route', 'live', { draw: 0.9 });
    expect(resolved).toMatchObject({ qualifier: 'live', alias: { name: 'live' } });
    expect(resolved.record.timeout).toBe(3);
  });

  it('pages ListFunctions FunctionVersion=ALL across functions and versions, whatever the page size', async () => {
    await create('a');
    await service.publishVersion('a', {});
    await retime('a', 5);
    await service.publishVersion('a', {});
    await create('b');
    await create('c');
    await service.publishVersion('c', {});
    const expected = ['a:$LATEST', 'a:1', 'a:2', 'b:$LATEST', 'c:$LATEST', 'c:1'];
    for (const size of [1, 2, 3, 4, 6, 50]) {
      const seen: string[] = [];
      let marker: string | undefined;
      do {
        const page = await service.listAllVersions(marker, size);
        expect(page.records.length).toBeLessThanOrEqual(size);
        seen.push(...page.records.map((r) => `${r.name}:${getVersionOf(r)}`));
        marker = page.nextMarker;
      } while (marker !== undefined);
      expect(seen, `page size ${size}`).toEqual(expected);
    }
  });

  it('removes a version and tells its listeners; deleting the function removes its versions and aliases', async () => {
    await create('gone', true);
    await vi.waitFor(async () => expect((await service.get('gone', '1')).state).toBe('Active'));
    await aliases.create('gone', { Name: 'live', FunctionVersion: '1' });
    expect(await message(service.remove('gone', '1'))).toBe('Unable to delete version because the following aliases reference it: [live]');
    await aliases.remove('gone', 'live');
    await service.remove('gone', '1');
    expect(events).toEqual(['deleted gone:1']);
    expect(await message(service.get('gone', '1'))).toBe(`Function not found: ${ARN}:gone:1`);
    await service.publishVersion('gone', {});
    await aliases.create('gone', { Name: 'live', FunctionVersion: '2' });
    await service.remove('gone');
    expect(store.versions.get('gone')).toBeUndefined();
    expect(store.aliases.get('gone')).toBeUndefined();
    expect(store.lastVersions.get('gone')).toBeUndefined();
  });

  it('counts the code of published versions in the account usage', async () => {
    await create('sized');
    const latest = await service.getLatest('sized');
    await service.publishVersion('sized', {});
    expect((await service.usage()).totalCodeSize).toBe(2 * latest.code.size);
  });
});
