import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { removeTestImageFiles } from '../helpers/leak-checks.js';
import { startTestLambdock } from '../helpers/test-lambdock.js';

const exists = (p: string) => access(p).then(() => true, () => false);

describe("the run's leak checks", () => {
  it('report /tmp image files left in a data dir of the run, and remove that dir', async () => {
    // A prefix of its own, so this run's real teardown does not see the planted leak.
    const prefix = `selfcheck-${randomBytes(3).toString('hex')}`;
    const dataDir = await mkdtemp(path.join(os.tmpdir(), `lambdock-${prefix}-`));
    const image = path.join(dataDir, 'scratch', 'some-instance', 'lambdock-tmp-1.img');
    await mkdir(path.dirname(image), { recursive: true });
    await writeFile(image, '');
    expect(await removeTestImageFiles(prefix)).toEqual([image]);
    expect(await exists(dataDir)).toBe(false);
    expect(await removeTestImageFiles(prefix)).toEqual([]);
  });

  it('keep the data dir of a test lambdock that closed with an image file still in it', async () => {
    const prefix = `selfcheck-${randomBytes(3).toString('hex')}`;
    const t = await startTestLambdock({ LAMBDOCK_TMP_SPARES_PER_SIZE: '0' }, prefix);
    const image = path.join(t.dataDir, 'scratch', t.instanceId, 'lambdock-tmp-planted.img');
    await mkdir(path.dirname(image), { recursive: true });
    await writeFile(image, '');
    await t.close();
    try {
      expect(await exists(image)).toBe(true);
    } finally {
      await rm(t.dataDir, { recursive: true, force: true });
    }
  });
});
