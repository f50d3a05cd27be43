import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaServiceException } from '@aws-sdk/client-lambda';
import { findImageFiles, loopDevicesUnder } from '../helpers/leak-checks.js';
import { nodeZip } from '../helpers/zip.js';
import { deleteQuietly, startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

const CAP = 2;
let t: TestLambdock;
let most = 0;
let sampling = true;
let sampler: Promise<void>;

/** The most loop devices this lambdock held at once, sampled all along. */
async function sample(): Promise<void> {
  while (sampling) {
    most = Math.max(most, (await loopDevicesUnder(t.dataDir)).length);
    await sleep(25);
  }
}

/** Disks whose image file is still there (deleting a sparse image file takes a moment after it leaves the folder). */
const disksHeld = async () => (await findImageFiles(t.dataDir)).length;

/** Invokes, again while lambdock still counts a disk that is on its way out as held. */
async function invokeOnceFree(name: string) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await t.invoke({ FunctionName: name });
    } catch (error) {
      if (attempt >= 40 || !String((error as Error).message).includes('LAMBDOCK_MAX_LOOP_DEVICES')) throw error;
      await sleep(50);
    }
  }
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  t = await startTestLambdock({ LAMBDOCK_MAX_LOOP_DEVICES: String(CAP), LAMBDOCK_TMP_SPARES_PER_SIZE: '1', LAMBDOCK_PAUSE_GRACE_MS: '50' });
  sampler = sample();
});
afterAll(async () => {
  sampling = false;
  await sampler;
  await t?.close();
});

const create = async (name: string, size: number) =>
  t.createFunction({
    FunctionName: name,
    EphemeralStorage: { Size: size },
    Code: { ZipFile: await nodeZip('exports.handler = async () => require("fs").statfsSync("/tmp").blocks;') },
  });

describe('/tmp disks while function sizes cycle', () => {
  it('never hold more loop devices than LAMBDOCK_MAX_LOOP_DEVICES; at the cap an invoke fails at once, and works again once one is free', async () => {
    for (const [name, size] of [['s600', 600], ['s700', 700], ['s800', 800], ['s900', 900]] as const) await create(name, size);
    await until(async () => (await disksHeld()) === 1, 'the spare 512 MB disk');
    expect((await t.invoke({ FunctionName: 's600' })).FunctionError).toBeUndefined();
    // At the cap with only a spare of another size: that spare gives way.
    expect((await t.invoke({ FunctionName: 's700' })).FunctionError).toBeUndefined();
    await sleep(1_000);

    const refused = (await t.invoke({ FunctionName: 's800' }).then(
      () => undefined,
      (error: unknown) => error,
    )) as LambdaServiceException;
    expect(refused).toBeInstanceOf(LambdaServiceException);
    expect(refused.name).toBe('ServiceException');
    expect(refused.$metadata.httpStatusCode).toBe(500);
    expect(refused.message).toBe(
      `Lambda could not create the execution environment's /tmp: lambdock already holds its limit of ${CAP} loop devices ` +
        '(LAMBDOCK_MAX_LOOP_DEVICES). Try again when other execution environments have ended.',
    );

    // The environments go, their disks with them: the next sizes get theirs.
    await deleteQuietly(t, 's600');
    await until(async () => (await disksHeld()) < CAP, 's600 to release its disk');
    expect((await invokeOnceFree('s800')).FunctionError).toBeUndefined();
    await deleteQuietly(t, 's700');
    await until(async () => (await disksHeld()) < CAP, 's700 to release its disk');
    expect((await invokeOnceFree('s900')).FunctionError).toBeUndefined();
    await sleep(1_000);
    expect(most).toBeLessThanOrEqual(CAP);
    expect(most).toBeGreaterThan(0);
    for (const name of ['s800', 's900']) await deleteQuietly(t, name);
  });
});
