/**
 * Issue 11's probe of the warm invoke path (not part of `npm run bench`): starts lambdock in this process
 * as bench.ts does, creates one Node function and measures, with the same undici client as the bench:
 * - `latency`: back-to-back warm invokes (p50/p99), beside a bare HTTP server answering the same request;
 * - `throughput`: warm invokes from 32 loops at once (inv/s), beside the bare server at concurrency 32;
 * - `spans`: where one back-to-back invoke's time goes, from timestamps taken on its way (client → api →
 *   event handed to the runtime → handler running in the container → the runtime's response arriving →
 *   the api's answer → the client), the container's on the host's monotonic clock (shared with it).
 *
 *   npx tsx bench/profile-warm.ts [latency] [throughput] [spans] [--runs=3000]
 *   node --cpu-prof --cpu-prof-dir=/tmp/warm-prof --import tsx bench/profile-warm.ts latency
 *
 * Run it under `--cpu-prof` for lambdock's CPU profile (bench/cpuprofile-top.ts summarises one).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { Pool } from 'undici';
import { RuntimeApiServer } from '../src/runtime-api/runtime-api-server.js';
import { startTestLambdock } from '../test/helpers/test-lambdock.js';
import { nodeZip } from '../test/helpers/zip.js';

/** The handler says when it ran, on the host's monotonic clock (containers share it: no time namespace). */
const HANDLER = 'exports.handler = async (event) => ({ ok: true, echo: event.n ?? null, at: process.hrtime.bigint().toString() });';
const args = process.argv.slice(2);
const RUNS = Number(args.find((a) => a.startsWith('--runs='))?.slice('--runs='.length) ?? 3000);
const modes = args.filter((a) => !a.startsWith('--'));
const wanted = (mode: string) => modes.length === 0 || modes.includes(mode);
const THROUGHPUT_MS = Number(process.env.PROFILE_THROUGHPUT_MS ?? 5_000);

/** Milliseconds on the monotonic clock every process on this host reads. */
const now = (): number => Number(process.hrtime.bigint()) / 1e6;

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return `n=${sorted.length} p50=${percentile(sorted, 50).toFixed(3)} p90=${percentile(sorted, 90).toFixed(3)} p99=${percentile(sorted, 99).toFixed(3)} mean=${mean.toFixed(3)} ms`;
}

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

/** Timestamps of the one invocation in flight (the latency loop sends one at a time). */
interface Marks {
  sent?: number;
  arrived?: number;
  delivered?: number;
  handler?: number;
  responseArrived?: number;
  responded?: number;
  answered?: number;
  received?: number;
  /** When the runtime last asked for work before this invocation was handed to it (the previous one's `next`). */
  nextBefore?: number;
}

/** Wraps the Runtime API's private steps (this probe's only: nothing in src/ changes for it). */
function instrumentRuntimeApi(marks: () => Marks): void {
  type Internals = {
    render(res: ServerResponse, inv: unknown): void;
    handle(req: IncomingMessage, res: ServerResponse): void;
  };
  const proto = RuntimeApiServer.prototype as unknown as Internals;
  let lastNext: number | undefined;
  const render = proto.render;
  proto.render = function (this: Internals, res, inv) {
    const m = marks();
    m.delivered = now();
    m.nextBefore = lastNext;
    render.call(this, res, inv);
  };
  const handle = proto.handle;
  proto.handle = function (this: Internals, req, res) {
    const url = req.url ?? '';
    if (req.method === 'POST' && url.endsWith('/response')) {
      marks().responseArrived = now();
      req.once('end', () => (marks().responded = now()));
    } else if (req.method === 'GET' && url.endsWith('/invocation/next')) {
      lastNext = now();
    }
    handle.call(this, req, res);
  };
}

async function bareServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { n?: number };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, echo: event.n ?? null }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function main(): Promise<void> {
  process.stdout.write(`load: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; runs ${RUNS}; modes ${modes.join(',') || 'all'}\n`);
  let current: Marks = {};
  if (wanted('spans')) instrumentRuntimeApi(() => current);
  const t = await startTestLambdock({ LAMBDOCK_PAUSE_GRACE_MS: '50' }, 'bench');
  const { lambdock } = t;
  if (wanted('spans')) {
    lambdock.app.server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
      const m = current;
      m.arrived = now();
      res.once('finish', () => (m.answered = now()));
    });
  }
  const http = new Pool(lambdock.url, { connections: 64, pipelining: 1 });
  const bare = await bareServer();
  const bareHttp = new Pool(bare.url, { connections: 64, pipelining: 1 });
  const invoke = async (pool: Pool, n: number): Promise<string> => {
    const res = await pool.request({ method: 'POST', path: '/2015-03-31/functions/warm/invocations', body: JSON.stringify({ n }) });
    const body = await res.body.text();
    if (res.statusCode !== 200 || res.headers['x-amz-function-error'] !== undefined || !body.includes(`"echo":${n}`)) {
      throw new Error(`unexpected answer ${res.statusCode}: ${body}`);
    }
    return body;
  };
  try {
    await t.createFunction({ FunctionName: 'warm', Code: { ZipFile: await nodeZip(HANDLER) } });
    for (let i = 0; i < 200; i += 1) await invoke(http, i);

    if (wanted('latency')) {
      const samples: number[] = [];
      const windowFrom = process.hrtime.bigint() / 1000n;
      // This process's CPU (lambdock and the client) per invocation: steadier than latency on a busy host.
      const cpuFrom = process.cpuUsage();
      for (let i = 0; i < RUNS; i += 1) {
        const started = performance.now();
        await invoke(http, i);
        samples.push(performance.now() - started);
      }
      const cpu = process.cpuUsage(cpuFrom);
      process.stdout.write(`lambdock warm invoke, back to back: ${summary(samples)}\n`);
      process.stdout.write(`  CPU of this process per invocation: ${((cpu.user + cpu.system) / RUNS).toFixed(0)} µs (user ${(cpu.user / RUNS).toFixed(0)}, system ${(cpu.system / RUNS).toFixed(0)})\n`);
      process.stdout.write(`  (cpu profile window of that loop: --window=${windowFrom}-${process.hrtime.bigint() / 1000n})\n`);
      const floor: number[] = [];
      for (let i = 0; i < Math.min(RUNS, 2000); i += 1) {
        const started = performance.now();
        await invoke(bareHttp, i);
        floor.push(performance.now() - started);
      }
      process.stdout.write(`bare HTTP server, same client:     ${summary(floor)}\n`);
    }

    if (wanted('spans')) {
      const spans: Record<string, number[]> = {};
      const add = (name: string, from: number | undefined, to: number | undefined) => {
        if (from === undefined || to === undefined) return;
        (spans[name] ??= []).push(to - from);
      };
      let previous: Marks | undefined;
      let waited = 0;
      for (let i = 0; i < Math.min(RUNS, 2000); i += 1) {
        current = { sent: now() };
        const m = current;
        const body = await invoke(http, i);
        m.received = now();
        m.handler = Number(BigInt((JSON.parse(body) as { at: string }).at)) / 1e6;
        add('total (client send → client has the body)', m.sent, m.received);
        add('client → api request event (loopback hop, undici + node http parse)', m.sent, m.arrived);
        if (m.arrived !== undefined && m.nextBefore !== undefined && m.delivered !== undefined) {
          // The runtime asks for its next event only after its 202: a client on this host is often back first.
          const ready = Math.max(m.arrived, m.nextBefore);
          add('api request event → the runtime has asked for work (0 when it had)', m.arrived, ready);
          add('both there → event written to the runtime (fastify, invoke service, pool)', ready, m.delivered);
          if (m.nextBefore > m.arrived) waited += 1;
        }
        add('api request event → event written to the runtime (all)', m.arrived, m.delivered);
        add('event written → handler runs in the container (hop in + runtime parse)', m.delivered, m.handler);
        add('handler → its response arrives at the Runtime API (stringify + hop out)', m.handler, m.responseArrived);
        add('response arrives → its body read', m.responseArrived, m.responded);
        add('body read → api answer finished writing', m.responded, m.answered);
        add('api answer written → client has the body (hop back)', m.answered, m.received);
        if (previous?.responseArrived !== undefined && m.nextBefore !== undefined) {
          add('(runtime: response posted → its next GET arrives)', previous.responseArrived, m.nextBefore);
        }
        previous = m;
      }
      for (const [name, samples] of Object.entries(spans)) process.stdout.write(`${name}: ${summary(samples)}\n`);
      process.stdout.write(`invocations that arrived before the runtime asked for work: ${waited} of ${spans['total (client send → client has the body)']?.length ?? 0}\n`);
    }

    if (wanted('throughput')) {
      const call = (pool: Pool) => async () => {
        await invoke(pool, 1);
      };
      // Environments for 32 at once first, as bench/throughput.ts does, so no cold start is measured.
      await drive(32, 8_000, call(http));
      await drive(32, 2_000, call(http));
      const lambdockRate = await drive(32, THROUGHPUT_MS, call(http));
      const bareRate = await drive(32, THROUGHPUT_MS, call(bareHttp));
      process.stdout.write(`throughput at concurrency 32: lambdock ${Math.round(lambdockRate)} inv/s; bare HTTP ${Math.round(bareRate)} req/s; environments ${lambdock.pool.size}\n`);
    }
  } finally {
    await http.close();
    await bareHttp.close();
    await bare.close();
    await t.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`profile-warm failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
