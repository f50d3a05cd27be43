import { describe, expect, it } from 'vitest';
import { LambdaError } from '../../shared/errors.js';
import { isHotReload, resolveHostFolder } from './host-folder-code.js';

const settings = { bucket: 'hot-reload', allowedPaths: ['/home/dev/src'] };
const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    if (error instanceof LambdaError && error.code === 'InvalidParameterValueException') return error.message;
    throw error;
  }
  throw new Error('not refused');
};

describe('hot-reload code folders', () => {
  it('takes Code.S3Bucket "hot-reload" with an absolute S3Key as a folder, and nothing else', () => {
    expect(isHotReload({ S3Bucket: 'hot-reload', S3Key: '/home/dev/src/fn' }, settings)).toBe(true);
    expect(isHotReload({ S3Bucket: 'my-bucket', S3Key: 'fn.zip' }, settings)).toBe(false);
    expect(isHotReload({ ZipFile: 'UEsFBg==', S3Bucket: 'hot-reload' }, settings)).toBe(false);
  });

  it('answers a reference of the normalised folder, with digests of its path (stable, nothing stored)', () => {
    const ref = resolveHostFolder({ S3Bucket: 'hot-reload', S3Key: '/home/dev/src/fn/../fn2/' }, settings);
    expect(ref).toMatchObject({ hostFolder: '/home/dev/src/fn2', size: 0 });
    expect(ref.sha256Hex).toMatch(/^[0-9a-f]{64}$/);
    expect(resolveHostFolder({ S3Bucket: 'hot-reload', S3Key: '/home/dev/src/fn2' }, settings)).toEqual(ref);
  });

  it('refuses a folder outside the allowed ones (however it gets there), a relative one, and everything when none is allowed', () => {
    expect(refusal(() => resolveHostFolder({ S3Bucket: 'hot-reload', S3Key: '/home/dev/src/../secrets' }, settings))).toBe(
      'The folder /home/dev/secrets is not under any folder listed in LAMBDOCK_HOT_RELOAD_PATHS (/home/dev/src).',
    );
    expect(refusal(() => resolveHostFolder({ S3Bucket: 'hot-reload', S3Key: '/home/dev/srcs' }, settings))).toMatch(/is not under any folder/);
    expect(refusal(() => resolveHostFolder({ S3Bucket: 'hot-reload', S3Key: 'fn' }, settings))).toBe(
      'For hot reload, Code.S3Key must be an absolute path to a folder, got "fn".',
    );
    expect(refusal(() => resolveHostFolder({ S3Bucket: 'hot-reload', S3Key: '/home/dev/src' }, { ...settings, allowedPaths: [] }))).toMatch(/^Hot reload is off/);
    expect(resolveHostFolder({ S3Bucket: 'hot-reload', S3Key: '/home/dev/src' }, settings).hostFolder).toBe('/home/dev/src');
  });
});
