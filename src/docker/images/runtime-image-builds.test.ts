import { describe, expect, it } from 'vitest';
import type { EnsuredRuntimeImage } from './image-builder.js';
import { RUNTIME_IMAGES, type RuntimeImageSpec } from './runtime-catalog.js';
import { RuntimeImageBuilds } from './runtime-image-builds.js';

const built = (spec: RuntimeImageSpec): EnsuredRuntimeImage => ({
  tag: spec.tag,
  runtimes: spec.runtimes,
  imageId: `sha256:${spec.family}`,
  action: 'built',
  contextHash: 'h',
  bases: [],
  durationMs: 1,
});

describe('runtime image builds, one per image', () => {
  it('fails only the runtimes of an image that cannot be built, and tries that one again on the next call', async () => {
    const calls: string[] = [];
    let pythonFails = true;
    const ready: string[] = [];
    const builds = new RuntimeImageBuilds(
      async (spec) => {
        calls.push(spec.family);
        if (spec.family === 'python3.11' && pythonFails) throw new Error('missing on this host: /usr/bin/python3.11');
        return built(spec);
      },
      (spec) => ready.push(spec.family),
    );
    const outcomes = await builds.startAll();
    expect(outcomes.map((outcome) => outcome.status)).toEqual(RUNTIME_IMAGES.map((image) => (image.family === 'python3.11' ? 'rejected' : 'fulfilled')));
    await expect(builds.forRuntime('nodejs20.x').get()).resolves.toMatchObject({ tag: 'lambdock-runtime:nodejs20.x' });
    await expect(builds.forRuntime('provided.al2').get()).resolves.toMatchObject({ tag: 'lambdock-runtime:provided' });
    await expect(builds.forRuntime('python3.11').get()).rejects.toThrow('/usr/bin/python3.11');
    const families = RUNTIME_IMAGES.map((image) => image.family as string);
    const others = families.filter((family) => family !== 'python3.11');
    expect(calls.filter((family) => family !== 'python3.11')).toEqual(others);

    pythonFails = false;
    await expect(builds.forRuntime('python3.11').get()).resolves.toMatchObject({ tag: 'lambdock-runtime:python3.11' });
    await builds.forRuntime('python3.11').get();
    expect(calls).toEqual([...families, 'python3.11', 'python3.11']);
    expect(ready).toEqual([...others, 'python3.11']);
  });

  it('runs one build at a time', async () => {
    let running = 0;
    let most = 0;
    const builds = new RuntimeImageBuilds(async (spec) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
      return built(spec);
    });
    await Promise.all([builds.startAll(), builds.forRuntime('python3.11').get(), builds.forRuntime('nodejs20.x').get()]);
    expect(most).toBe(1);
  });

  it('has nothing to build for a runtime without an image', async () => {
    const builds = new RuntimeImageBuilds(async () => {
      throw new Error('not called');
    });
    await expect(builds.forRuntime('java21').get()).resolves.toBeUndefined();
  });
});
