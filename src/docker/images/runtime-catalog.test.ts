import { describe, expect, it } from 'vitest';
import { getRuntimeImage, getRuntimeImageTag, isSupportedRuntime, RUNTIME_IMAGES, SUPPORTED_RUNTIMES } from './runtime-catalog.js';

describe('runtime catalog', () => {
  it('maps nodejs20.x to its own image', () => {
    expect(getRuntimeImageTag('nodejs20.x')).toBe('lambdock-runtime:nodejs20.x');
  });

  it('maps both custom runtimes to the provided image', () => {
    expect(getRuntimeImageTag('provided.al2023')).toBe('lambdock-runtime:provided');
    expect(getRuntimeImageTag('provided.al2')).toBe('lambdock-runtime:provided');
  });

  it('maps python3.11 to its own image', () => {
    expect(getRuntimeImage('python3.11')).toMatchObject({ tag: 'lambdock-runtime:python3.11', contextDir: 'python3.11' });
  });

  it('knows no image for unsupported or deprecated runtimes', () => {
    for (const runtime of ['python3.12', 'python3.13', 'nodejs18.x', 'provided', 'NODEJS20.X', '']) {
      expect(getRuntimeImageTag(runtime)).toBeUndefined();
      expect(isSupportedRuntime(runtime)).toBe(false);
    }
  });

  it('lists every supported runtime once, each served by exactly one image', () => {
    expect(SUPPORTED_RUNTIMES).toEqual(['nodejs20.x', 'provided.al2023', 'provided.al2', 'python3.11']);
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
