import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

/**
 * The environment of one lambdock role (api, worker) of a test's installation: every role on one Redis
 * prefix, each with its own data dir (pushed onto `dirs` for removal) and instance id, ports picked free.
 */
export async function roleSettings(
  run: string,
  prefix: string,
  role: string,
  name: string,
  dirs: string[],
  extra: Record<string, string> = {},
): Promise<Record<string, string>> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `lambdock-${run}-`));
  dirs.push(dataDir);
  return {
    LAMBDOCK_ROLE: role,
    LAMBDOCK_PORT: '0',
    LAMBDOCK_WORKER_PORT: '0',
    LAMBDOCK_DATA_DIR: dataDir,
    LAMBDOCK_INSTANCE_ID: `${run}-${name}-${randomUUID().slice(0, 6)}`,
    LAMBDOCK_REDIS_PREFIX: prefix,
    LAMBDOCK_BUILD_IMAGES: 'false',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    ...extra,
  };
}

/** Removes every Redis key under `prefix` (a test's namespace), in batches. */
export async function removeRedisKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/**
 * Stops a test's api process and workers (the client first), then removes the installation's Redis keys
 * and data dirs: the teardown of every test that runs the roles apart.
 */
export async function closeInstallation(parts: {
  client?: { destroy(): void } | undefined;
  api?: { close(): Promise<void> } | undefined;
  workers: ReadonlyArray<{ close(): Promise<void> }>;
  prefix: string;
  dirs: readonly string[];
}): Promise<void> {
  parts.client?.destroy();
  await parts.api?.close();
  for (const worker of parts.workers) await worker.close();
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  await removeRedisKeys(redis, parts.prefix);
  await redis.quit();
  for (const dir of parts.dirs) await rm(dir, { recursive: true, force: true });
}
