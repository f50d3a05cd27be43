/**
 * The split path: warm invokes through an api process to a worker, with both in this process (HTTP
 * between them) and with the worker in a process of its own. Part of `npm run bench`.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { Redis } from 'ioredis';
import pino from 'pino';
import { Pool } from 'undici';
import { loadConfig } from '../src/config/config.js';
import { startLambdock, startLambdockApi } from '../src/main/lambdock.js';
import { REPO_ROOT } from '../src/main/repo-root.js';
import { RedisWorkerRegistry } from '../src/scheduler/redis-worker-registry.js';
import { removeRedisKeys, roleSettings } from '../test/helpers/role-settings.js';
import { ROLE } from '../test/helpers/test-lambdock.js';
import { nodeZip } from '../test/helpers/zip.js';

export interface SplitRow {
  scenario: string;
  samples: number[];
}

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const settings = (prefix: string, role: string, name: string, dirs: string[]) =>
  roleSettings('bench', prefix, role, name, dirs, { LAMBDOCK_PAUSE_GRACE_MS: '50', LAMBDOCK_LOG_LEVEL: 'warn' });

async function warmInvokes(apiUrl: string, handler: string, runs: number): Promise<number[]> {
  const client = new LambdaClient({ endpoint: apiUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  await client.send(new CreateFunctionCommand({ FunctionName: 'split', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await nodeZip(handler) } }));
  await waitUntilFunctionActiveV2({ client, maxWaitTime: 60, minDelay: 1 }, { FunctionName: 'split' });
  client.destroy();
  const http = new Pool(apiUrl, { connections: 8, pipelining: 1 });
  const samples: number[] = [];
  try {
    for (let i = -50; i < runs; i += 1) {
      const started = performance.now();
      const res = await http.request({ method: 'POST', path: '/2015-03-31/functions/split/invocations', body: JSON.stringify({ n: i }) });
      const body = await res.body.text();
      if (res.statusCode !== 200 || !body.includes(`"echo":${i}`)) throw new Error(`unexpected answer ${res.statusCode}: ${body}`);
      if (i >= 0) samples.push(performance.now() - started);
    }
  } finally {
    await http.close();
  }
  return samples;
}

export async function measureSplitPath(handler: string, runs: number): Promise<SplitRow[]> {
  const logger = pino({ level: 'silent' });
  const dirs: string[] = [];
  const rows: SplitRow[] = [];
  const redis = new Redis(redisUrl);
  try {
    // Both roles in this process, HTTP between them.
    const together = `bench-split-${randomUUID().slice(0, 8)}`;
    const worker = await startLambdock(loadConfig(await settings(together, 'worker', 'w', dirs)), { logger });
    const api = await startLambdockApi(loadConfig(await settings(together, 'api', 'api', dirs)), { logger });
    try {
      rows.push({ scenario: 'lambdock warm invoke, api → worker in one process (HTTP)', samples: await warmInvokes(api.url, handler, runs) });
    } finally {
      await api.close();
      await worker.close();
    }

    // The worker in a process of its own.
    const apart = `bench-split-${randomUUID().slice(0, 8)}`;
    const env = await settings(apart, 'worker', 'child', dirs);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src', 'main', 'start.ts'), 'worker'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const stopped = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const api2 = await startLambdockApi(loadConfig(await settings(apart, 'api', 'api', dirs)), { logger });
    try {
      const registry = new RedisWorkerRegistry(redis, apart);
      for (let i = 0; i < 300 && !(await registry.listLive()).some((w) => w.id === env.LAMBDOCK_INSTANCE_ID); i += 1) await sleep(200);
      rows.push({ scenario: 'lambdock warm invoke, api → worker in another process', samples: await warmInvokes(api2.url, handler, runs) });
    } finally {
      await api2.close();
      child.kill('SIGTERM');
      await stopped;
    }
    for (const prefix of [together, apart]) await removeRedisKeys(redis, prefix);
  } finally {
    await redis.quit();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
  return rows;
}
