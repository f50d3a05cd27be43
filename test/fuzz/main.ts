/**
 * `npm run fuzz`: a bounded fuzz run (FUZZ_COUNT requests, 10,000 by default, seed FUZZ_SEED, 1 by
 * default) against a lambdock started in this process, as the integration tests start one. Prints what it
 * found; exits 1 on any 5xx answer, hang, or failed liveness check, and when lambdock crashes the process.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Dockerode from 'dockerode';
import { Redis } from 'ioredis';
import { ensureRuntimeImages } from '../../src/docker/images/index.js';
import { LABELS } from '../../src/docker/container-driver.js';
import { detachTestLoopDevices } from '../helpers/leak-checks.js';
import { startTestLambdock } from '../helpers/test-lambdock.js';
import { formatReport, isClean } from './fuzz-tally.js';
import { runFuzz } from './run-fuzz.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const seed = Number(process.env.FUZZ_SEED ?? 1);
const count = Number(process.env.FUZZ_COUNT ?? 10_000);
const prefix = `fuzz-${randomBytes(3).toString('hex')}`;

for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error) => {
    console.error(`The fuzz run crashed (${event}: lambdock or the fuzzer itself):`, error);
    process.exit(1);
  });
}

/** Removes what this run left behind: its containers, volumes, loop devices and Redis keys. */
async function sweep(instanceId: string): Promise<void> {
  const docker = new Dockerode();
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABELS.instance}=${instanceId}`] } });
  for (const c of containers) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  const volumes = await docker.listVolumes({ filters: { label: [`${LABELS.instance}=${instanceId}`] } });
  for (const v of volumes.Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
  await detachTestLoopDevices(prefix);
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const keys = await redis.keys(`${instanceId}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
}

async function main(): Promise<number> {
  await ensureRuntimeImages(new Dockerode(), { runtimesDir: path.join(root, 'runtimes'), dockerBaseDir: path.join(root, 'docker', 'base') });
  const t = await startTestLambdock({}, prefix);
  const started = Date.now();
  try {
    const report = await runFuzz(t, { seed, count });
    console.log(formatReport(report));
    console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return isClean(report) ? 0 : 1;
  } finally {
    await t.close().catch((error: Error) => console.error(`closing lambdock failed: ${error.message}`));
    await sweep(t.instanceId);
  }
}

process.exit(await main());
