import path from 'node:path';
import Dockerode from 'dockerode';
import { Redis } from 'ioredis';
import { ensureRuntimeImages } from '../../src/docker/images/index.js';
import { LABELS } from '../../src/docker/container-driver.js';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Integration tests need a real engine and a real Redis: fail early and clearly when either is missing. */
export async function setup(): Promise<void> {
  const docker = new Dockerode();
  await docker.ping().catch((error: Error) => {
    throw new Error(`Integration tests need a Docker engine (${error.message}). Run: bash scripts/ensure-services.sh`);
  });
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect().catch((error: Error) => {
    throw new Error(`Integration tests need Redis (${error.message}). Run: bash scripts/ensure-services.sh`);
  });
  await redis.quit();
  await ensureRuntimeImages(docker, { runtimesDir: path.join(root, 'runtimes'), dockerBaseDir: path.join(root, 'docker', 'base') });
}

/**
 * Every test's lambdock removes what it made when it closes: anything labelled test-* still on the engine
 * now is a leak. Sweep it, and fail the run saying what leaked.
 */
export async function teardown(): Promise<void> {
  const docker = new Dockerode();
  const leaked: string[] = [];
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABELS.managed}=true`] } });
  for (const c of containers) {
    if (!c.Labels[LABELS.instance]?.startsWith('test-')) continue;
    leaked.push(`container ${c.Names[0] ?? c.Id} (${c.State})`);
    await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  }
  const volumes = await docker.listVolumes({ filters: { label: [`${LABELS.managed}=true`] } });
  for (const v of volumes.Volumes ?? []) {
    if (!v.Labels?.[LABELS.instance]?.startsWith('test-')) continue;
    leaked.push(`volume ${v.Name}`);
    await docker.getVolume(v.Name).remove().catch(() => undefined);
  }
  await detachTestLoopDevices();
  if (leaked.length > 0) throw new Error(`The tests left ${leaked.length} things on the engine: ${leaked.join(', ')}`);
}

/** Loop devices behind test /tmp disks whose data dir is gone. */
export async function detachTestLoopDevices(): Promise<void> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const run = promisify(execFile);
  const { stdout } = await run('losetup', ['-J', '-l']).catch(() => ({ stdout: '' }));
  if (stdout.trim() === '') return;
  const devices = (JSON.parse(stdout) as { loopdevices: Array<{ name: string; 'back-file': string | null }> }).loopdevices;
  for (const d of devices) {
    if ((d['back-file'] ?? '').includes('lambdock-test-')) await run('losetup', ['-d', d.name]).catch(() => undefined);
  }
}
