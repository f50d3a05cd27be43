import { describe, expect, it } from 'vitest';
import type { FunctionRecord } from '../function-model.js';
import { getSettledVersion, getVersionSnapshot } from './version-publisher.js';

const latest: FunctionRecord = {
  name: 'fn',
  runtime: 'nodejs20.x',
  handler: 'index.handler',
  role: 'arn:aws:iam::123456789012:role/r',
  description: 'from latest',
  memorySize: 128,
  timeout: 3,
  environment: {},
  ephemeralStorageSize: 512,
  architectures: ['x86_64'],
  code: { sha256Hex: 'ab', codeSha256: 'q6s=', size: 10 },
  revisionId: 'rev-latest',
  lastModified: '2026-12-01T00:00:00.000+0000',
  state: 'Active',
  lastUpdateStatus: 'Successful',
};

describe('getVersionSnapshot', () => {
  it('copies $LATEST under its own number and RevisionId, with the given Description or $LATEST\'s', () => {
    const v = getVersionSnapshot(latest, 3, undefined, 'rev-after');
    expect(v).toMatchObject({ version: '3', description: 'from latest', state: 'Active', lastUpdateStatus: 'Successful', publishedWith: 'rev-after' });
    expect(v.revisionId).not.toBe('rev-latest');
    expect(getVersionSnapshot(latest, 1, 'release', 'r').description).toBe('release');
  });

  it('is Pending (Creating) when published with a change still being applied', () => {
    const updating: FunctionRecord = { ...latest, lastUpdateStatus: 'InProgress', lastUpdateStatusReason: 'The function is being created.', lastUpdateStatusReasonCode: 'Creating' };
    const v = getVersionSnapshot(updating, 2, undefined, 'r');
    expect(v).toMatchObject({ state: 'Pending', stateReason: 'The function is being created.', stateReasonCode: 'Creating' });
    expect(v.lastUpdateStatusReason).toBeUndefined();
  });
});

describe('getSettledVersion', () => {
  const pending = getVersionSnapshot({ ...latest, state: 'Pending' }, 1, undefined, 'r');

  it('turns Active and Successful with a new RevisionId when the change succeeded', () => {
    const settled = getSettledVersion(pending, latest);
    expect(settled).toMatchObject({ state: 'Active', lastUpdateStatus: 'Successful' });
    expect(settled.stateReason).toBeUndefined();
    expect(settled.revisionId).not.toBe(pending.revisionId);
  });

  it('turns Failed with the change\'s reason when it failed, even if $LATEST itself stays Active', () => {
    const failedUpdate: FunctionRecord = { ...latest, lastUpdateStatus: 'Failed', lastUpdateStatusReason: 'bad zip', lastUpdateStatusReasonCode: 'InvalidZipFileException' };
    expect(getSettledVersion(pending, failedUpdate)).toMatchObject({
      state: 'Failed',
      stateReason: 'bad zip',
      stateReasonCode: 'InvalidZipFileException',
      lastUpdateStatus: 'Failed',
    });
  });
});
