import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A redis-server started for one harness run: no persistence, loopback only, removed at stop. */
export interface OwnRedis {
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
  });
}

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    }).on('error', () => resolve(false));
  });

/** Starts `redis-server` from PATH (scripts/ensure-services.sh installs it), saying what to do when there is none. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lambdock-harness-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const failed = new Promise<Error>((resolve) => child.once('error', (error) => resolve(error)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.race([exited, sleep(2_000)]);
    await rm(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const outcome = await Promise.race([failed, answers(port)]);
    if (outcome instanceof Error) {
      await stop();
      throw new Error(`lambdock's harness could not start redis-server (${outcome.message}): install it (bash scripts/ensure-services.sh) or pass redisUrl`);
    }
    if (outcome) return { url: `redis://127.0.0.1:${port}`, stop };
    await sleep(50);
  }
  await stop();
  throw new Error(`redis-server did not listen on 127.0.0.1:${port}`);
}
