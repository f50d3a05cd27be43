import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeZip } from '../helpers/zip.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

let t: TestLambdock;

beforeAll(async () => {
  t = await startTestLambdock({ LAMBDOCK_IDLE_TIMEOUT_MS: '1500', LAMBDOCK_PAUSE_GRACE_MS: '50' });
});
afterAll(async () => {
  await t?.close();
});

describe('idle environments', () => {
  it('are frozen, then removed after the idle keep-alive; the next invoke starts a new one', async () => {
    await t.createFunction({ FunctionName: 'idle', Code: { ZipFile: await nodeZip('const id = Math.random(); exports.handler = async () => id;') } });
    const first = (await t.invoke({ FunctionName: 'idle' })).body;
    const [container] = await t.containersOf('idle');
    expect(container).toBeDefined();

    let containers = await t.containersOf('idle');
    for (let i = 0; i < 60 && containers.length > 0; i += 1) {
      await sleep(100);
      containers = await t.containersOf('idle');
    }
    expect(containers).toEqual([]);

    const second = await t.invoke({ FunctionName: 'idle', LogType: 'Tail' });
    expect(second.body).not.toBe(first);
    expect(second.logs).toMatch(/Init Duration/);
    expect((await t.containersOf('idle')).map((c) => c.id)).not.toContain(container?.id);
  });
});
