import Dockerode from 'dockerode';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureRuntimeImages } from '../../src/docker/images/index.js';
import { REPO_ROOT } from '../../src/main/repo-root.js';

const docker = new Dockerode();

/**
 * `npm run images` rebuilding a runtime image while an environment of the old one is alive: the old
 * image cannot be removed then (a container uses it), and the next build must remove it once it is free.
 */
describe('runtime image builds', () => {
  const tag = `lambdock-imagebuild-test-${randomUUID().slice(0, 8)}:latest`;
  let workDir: string | undefined;
  let containerId: string | undefined;

  afterAll(async () => {
    if (containerId !== undefined) await docker.getContainer(containerId).remove({ force: true }).catch(() => undefined);
    await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  });

  it('removes an image it replaced once the container that kept it is gone', async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'lambdock-imagebuild-'));
    const runtimesDir = path.join(workDir, 'runtimes');
    const contextDir = path.join(runtimesDir, 'tiny');
    await mkdir(contextDir, { recursive: true });
    await writeFile(path.join(contextDir, 'Dockerfile'), 'FROM debian:bookworm-slim\nCOPY marker /marker\n');
    const spec = { family: 'tiny', tag, contextDir: 'tiny', runtimes: ['tiny'] };
    const options = {
      runtimesDir,
      dockerBaseDir: path.join(REPO_ROOT, 'docker/base'),
      cacheDir: path.join(workDir, 'cache'),
      pull: false,
      images: [spec],
    };

    await writeFile(path.join(contextDir, 'marker'), 'first');
    const [first] = await ensureRuntimeImages(docker, options);
    const container = await docker.createContainer({ Image: first!.imageId, Cmd: ['true'] });
    containerId = container.id;

    // Rebuilt while a container uses the first image: it is untagged but stays.
    await writeFile(path.join(contextDir, 'marker'), 'second');
    const [second] = await ensureRuntimeImages(docker, options);
    expect(second!.imageId).not.toBe(first!.imageId);
    expect(await exists(first!.imageId)).toBe(true);

    // The container is gone; the next run (nothing to build) removes the replaced image.
    await container.remove({ force: true });
    containerId = undefined;
    const [third] = await ensureRuntimeImages(docker, options);
    expect(third!.action).toBe('current');
    expect(await exists(first!.imageId)).toBe(false);
    expect(await exists(second!.imageId)).toBe(true);
  });
});

async function exists(imageId: string): Promise<boolean> {
  return docker
    .getImage(imageId)
    .inspect()
    .then(() => true)
    .catch(() => false);
}
