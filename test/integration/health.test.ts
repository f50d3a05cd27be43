import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let redis: ChildProcess | undefined;
let t: TestLambdock | undefined;

afterAll(async () => {
  redis?.kill('SIGKILL');
  await t?.close().catch(() => undefined);
});

describe('GET /health', () => {
  it('answers 200 while Redis and Docker answer, and 503 naming Redis once it is gone', async () => {
    const port = await freePort();
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await sleep(300);
    t = await startTestLambdock({ REDIS_URL: `redis://127.0.0.1:${port}` });
    const up = await fetch(`${t.url}/health`);
    expect(up.status).toBe(200);

    redis.kill('SIGKILL');
    await sleep(200);
    const down = await fetch(`${t.url}/health`);
    expect(down.status).toBe(503);
    const body = (await down.json()) as { status: string; checks: Record<string, string> };
    expect(body.status).toBe('unavailable');
    expect(body.checks.docker).toBe('ok');
    expect(body.checks.redis).not.toBe('ok');
  });
});
