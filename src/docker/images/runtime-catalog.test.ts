import { describe, expect, it } from 'vitest';
import { getRuntimeImage, getRuntimeImageTag, isSupportedRuntime, RUNTIME_IMAGES, SUPPORTED_RUNTIMES } from './runtime-catalog.js';

describe('runtime catalog', () => {
  it('maps each Node.js version to its own image, all built from the one runtimes/nodejs context', () => {
    for (const major of ['20', '22', '24']) {
      expect(getRuntimeImageTag(`nodejs${major}.x`)).toBe(`lambdock-runtime:nodejs${major}.x`);
      expect(getRuntimeImage(`nodejs${major}.x`)).toMatchObject({
        contextDir: 'nodejs',
        buildArgs: { NODE_MAJOR: major },
        npmBundles: [{ dir: 'nodejs-sdk', contextPath: 'sdk' }],
      });
    }
  });

  it('maps both custom runtimes to the provided image', () => {
    expect(getRuntimeImageTag('provided.al2023')).toBe('lambdock-runtime:provided');
    expect(getRuntimeImageTag('provided.al2')).toBe('lambdock-runtime:provided');
  });

  it('maps python3.11 to its own image', () => {
    expect(getRuntimeImage('python3.11')).toMatchObject({ tag: 'lambdock-runtime:python3.11', contextDir: 'python3.11' });
  });

  it('knows no image for unsupported or deprecated runtimes', () => {
    for (const runtime of ['python3.12', 'python3.13', 'nodejs18.x', 'nodejs26.x', 'provided', 'NODEJS20.X', '']) {
      expect(getRuntimeImageTag(runtime)).toBeUndefined();
      expect(isSupportedRuntime(runtime)).toBe(false);
    }
  });

  it('lists every supported runtime once, each served by exactly one image', () => {
    expect(SUPPORTED_RUNTIMES).toEqual(['nodejs20.x', 'nodejs22.x', 'nodejs24.x', 'provided.al2023', 'provided.al2', 'python3.11']);
    for (const runtime of SUPPORTED_RUNTIMES) {
      expect(isSupportedRuntime(runtime)).toBe(true);
      expect(RUNTIME_IMAGES.filter((image) => (image.runtimes as readonly string[]).includes(runtime))).toHaveLength(1);
    }
  });

  it('builds each image from the runtimes/ folder of its family', () => {
    expect(getRuntimeImage('provided.al2')).toMatchObject({ family: 'provided', contextDir: 'provided' });
    expect(new Set(RUNTIME_IMAGES.map((image) => image.tag)).size).toBe(RUNTIME_IMAGES.length);
  });
});
