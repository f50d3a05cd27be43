/**
 * Throughput on one function at concurrency 1, 8 and 32 (invocations per second over a fixed time, the
 * same undici client as the latency rows), beside a bare HTTP server answering a constant. Part of
 * `npm run bench`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

export interface ThroughputRow {
  scenario: string;
  perSecond: number;
}

/** Calls `once` from `concurrency` loops for `ms` and answers the completions per second. */
async function drive(concurrency: number, ms: number, once: () => Promise<void>): Promise<number> {
  let done = 0;
  const until = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        await once();
        done += 1;
      }
    }),
  );
  return done / (ms / 1000);
}

export async function measureThroughput(url: string, functionName: string, ms = 5_000): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  const lambdock = new Pool(url, { connections: 64, pipelining: 1 });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const bare = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 64, pipelining: 1 });
  const call = (pool: Pool) => async () => {
    const res = await pool.request({ method: 'POST', path: `/2015-03-31/functions/${functionName}/invocations`, body: '{"n":1}' });
    await res.body.text();
    if (res.statusCode !== 200) throw new Error(`answered ${res.statusCode}`);
  };
  try {
    // Environments for 32 at once first (on 2 busy cores the pool takes seconds to grow to 32), so that no
    // cold start falls in the measured time; then each level runs 2 s unmeasured before its window (the
    // environments the previous level left idle are frozen by then: thawing them is not the steady state).
    await drive(32, 10_000, call(lambdock));
    for (const concurrency of [1, 8, 32]) {
      await drive(concurrency, 2_000, call(lambdock));
      rows.push({ scenario: `lambdock throughput, concurrency ${concurrency} (inv/s)`, perSecond: await drive(concurrency, ms, call(lambdock)) });
      rows.push({ scenario: `baseline: bare HTTP server, concurrency ${concurrency} (req/s)`, perSecond: await drive(concurrency, ms, call(bare)) });
    }
  } finally {
    await lambdock.close();
    await bare.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return rows;
}
