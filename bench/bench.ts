/**
 * `npm run bench`: one table of lambdock's figures for a trivial Node handler (128 MB), each beside the
 * baseline it is judged against, measured in the same run (a bare HTTP server answering the same request
 * to the same client: the floor of the HTTP hop; a `docker run` per invocation, what SAM CLI does; the
 * engine's own `docker unpause`; the handler called in-process), the ratio to it and issue 11's target.
 * Every timed request goes through one client: undici's `Pool` with `request`, keep-alive connections
 * (the SDK rows of functions calling functions are the exception, and say so). Writes the table and the
 * machine to the top of bench/RESULTS.md (the earlier runs stay below it).
 *
 * BENCH_QUICK=1: a smoke run (few samples, no 1,000-burst, no unpack), written to the system's temporary
 * folder instead of RESULTS.md. Sample counts: BENCH_COLD_RUNS, BENCH_WARM_RUNS, BENCH_THAW_RUNS,
 * BENCH_DOCKER_RUNS, BENCH_DENSITY_N, BENCH_KEEPALIVE_REPS.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile as execFileCb } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';
import { CreateAliasCommand, PublishVersionCommand } from '@aws-sdk/client-lambda';
import { Pool } from 'undici';
import { startTestLambdock } from '../test/helpers/test-lambdock.js';
import { nodeZip } from '../test/helpers/zip.js';
import { loadConfig } from '../src/config/config.js';
import { BURST_HANDLER, measureBurst } from './bursts.js';
import { measureSplitPath } from './split-path.js';
import { measureThroughput } from './throughput.js';
import { measureUnpack } from './unpack.js';
import { measureAsync } from './async.js';
import { measureSandboxCalls } from './sandbox-calls.js';
import { measureFreezeModes } from './freeze-modes.js';
import { keepAliveRows, measureCycleCost, measureKeepAlive } from './keep-alive.js';
import { describeDensity, measureDensity } from './density.js';
import { measureStemCells } from './stem-cells.js';
import {
  allOf,
  atLeast,
  atMost,
  figureRow,
  latencyRows,
  notMeasured,
  overBaselineAtMost,
  percentile,
  ratioAtLeast,
  ratioAtMost,
  renderTable,
  type BenchRow,
  type SampleBaseline,
} from './table.js';

const execFile = promisify(execFileCb);
const QUICK = process.env.BENCH_QUICK === '1';
const count = (name: string, full: number, quick: number) => Number(process.env[name] ?? (QUICK ? quick : full));
const HANDLER = 'exports.handler = async (event) => ({ ok: true, echo: event.n ?? null });';
const COLD_RUNS = count('BENCH_COLD_RUNS', 15, 3);
const WARM_RUNS = count('BENCH_WARM_RUNS', 2000, 200);
const THAW_RUNS = count('BENCH_THAW_RUNS', 40, 8);
const DOCKER_RUN_RUNS = count('BENCH_DOCKER_RUNS', 10, 3);
const SIMULTANEOUS = 10;
const SIMULTANEOUS_ROUNDS = count('BENCH_SIMULTANEOUS_ROUNDS', 3, 1);
const DENSITY_N = count('BENCH_DENSITY_N', 100, 15);
const KEEPALIVE_REPS = count('BENCH_KEEPALIVE_REPS', 6, 1);
const PAUSE_GRACE_MS = 50;
/** The host memory kept free by the density rows (the machine may be shared). */
const DENSITY_FLOOR_MB = Number(process.env.BENCH_DENSITY_FLOOR_MB ?? 5_120);

/** The baselines, measured first on a quiet host, that later rows are judged against. */
interface BenchContext {
  /** Bare HTTP server, same client and request (the floor of the HTTP hop). */
  floor: SampleBaseline;
  inProcess: SampleBaseline;
  dockerRun: SampleBaseline;
  /** Wall of SIMULTANEOUS `docker run`s at once. */
  dockerRunSimultaneous: number[];
}

/** A group of rows; a producer that fails leaves one row saying so, and the rest of the table stands. */
interface RowProducer {
  name: string;
  run(ctx: BenchContext): Promise<BenchRow[]>;
}

const COLD_TARGET = allOf(atMost(30), ratioAtMost(0.1));

/**
 * The stem-cell cold start rows from bench/stem-cells.ts's samples (ms, first invoke of a new function
 * served by a stem cell), beside `docker run` per invocation; "not measured" until that module is there.
 */
export function stemCellRows(samples: readonly number[] | undefined, ctx: BenchContext): BenchRow[] {
  if (samples === undefined || samples.length === 0) {
    return [
      notMeasured('cold start, stem cell (first invoke of a new function)', 'p50', 'bench/stem-cells.ts not in this run', COLD_TARGET),
      notMeasured('cold start, stem cell (first invoke of a new function)', 'p95', 'bench/stem-cells.ts not in this run'),
    ];
  }
  return latencyRows('cold start, stem cell (first invoke of a new function)', samples, ['p50', 'p95'], {
    baseline: ctx.dockerRun,
    targets: { p50: COLD_TARGET },
  });
}

/** The same client and request against a bare Node HTTP server that answers like the handler: the HTTP floor. */
async function bareHttp(runs: number): Promise<number[]> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { n?: number };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, echo: event.n ?? null }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const http = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 8, pipelining: 1 });
  const samples: number[] = [];
  try {
    for (let i = -50; i < runs; i += 1) {
      const started = performance.now();
      const res = await http.request({ method: 'POST', path: '/2015-03-31/functions/bare/invocations', body: JSON.stringify({ n: i }) });
      const body = await res.body.text();
      if (!body.includes(`"echo":${i}`)) throw new Error(`bare server answered ${body}`);
      if (i >= 0) samples.push(performance.now() - started);
    }
  } finally {
    await http.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return samples;
}

async function inProcessCalls(runs: number, dir: string): Promise<number[]> {
  const require = createRequire(import.meta.url);
  const modulePath = path.join(dir, 'inproc.cjs');
  await writeFile(modulePath, HANDLER);
  const handler = (require(modulePath) as { handler: (e: unknown) => Promise<unknown> }).handler;
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    JSON.stringify(await handler(JSON.parse(JSON.stringify({ n: i }))));
    samples.push(performance.now() - started);
  }
  return samples;
}

async function dockerRun(codeDir: string, label: string, i: number): Promise<number> {
  const started = performance.now();
  const { stdout } = await execFile('docker', [
    'run', '--rm', '--network', 'none', '--label', `lambdock.instance=${label}`, '-v', `${codeDir}:/var/task:ro`,
    '--entrypoint', 'node', 'lambdock-runtime:nodejs20.x', '-e',
    `require('/var/task/index.js').handler({ n: ${i} }).then((r) => console.log(JSON.stringify(r)))`,
  ]);
  const elapsed = performance.now() - started;
  if (!stdout.includes(`"echo":${i}`)) throw new Error(`docker run answered ${stdout}`);
  return elapsed;
}

async function measureBaselines(): Promise<BenchContext> {
  const codeDir = await mkdtemp(path.join(os.tmpdir(), 'lambdock-bench-code-'));
  const label = `bench-baseline-${randomUUID().slice(0, 8)}`;
  try {
    await writeFile(path.join(codeDir, 'index.js'), HANDLER);
    process.stdout.write('baselines: bare HTTP server, in-process handler, docker run…\n');
    const floor = await bareHttp(WARM_RUNS);
    const inProcess = await inProcessCalls(WARM_RUNS, codeDir);
    await dockerRun(codeDir, label, 0);
    const runs: number[] = [];
    for (let i = 0; i < DOCKER_RUN_RUNS; i += 1) runs.push(await dockerRun(codeDir, label, i));
    const simultaneous: number[] = [];
    for (let round = 0; round < SIMULTANEOUS_ROUNDS; round += 1) {
      const began = performance.now();
      await Promise.all(Array.from({ length: SIMULTANEOUS }, (_, k) => dockerRun(codeDir, label, k)));
      simultaneous.push(performance.now() - began);
    }
    return {
      floor: { name: 'bare HTTP server, same client', samples: floor },
      inProcess: { name: 'handler called in-process', samples: inProcess },
      dockerRun: { name: '`docker run` per invoke', samples: runs },
      dockerRunSimultaneous: simultaneous,
    };
  } finally {
    await rm(codeDir, { recursive: true, force: true });
  }
}

/** A lambdock of the bench's own, with a keep-alive client that checks every answer. */
async function startSubject(env: Record<string, string> = {}) {
  const t = await startTestLambdock({ LAMBDOCK_PAUSE_GRACE_MS: String(PAUSE_GRACE_MS), LAMBDOCK_LOG_LEVEL: 'warn', ...env }, 'bench');
  const http = new Pool(t.url, { connections: 16, pipelining: 1 });
  const zip = await nodeZip(HANDLER);
  const create = (name: string) => t.createFunction({ FunctionName: name, Code: { ZipFile: zip } });
  const invoke = async (name: string, n: number): Promise<number> => {
    const started = performance.now();
    const res = await http.request({ method: 'POST', path: `/2015-03-31/functions/${name}/invocations`, body: JSON.stringify({ n }) });
    const body = await res.body.text();
    const elapsed = performance.now() - started;
    if (res.statusCode !== 200 || res.headers['x-amz-function-error'] !== undefined || !body.includes(`"echo":${n}`)) {
      throw new Error(`unexpected answer ${res.statusCode}: ${body}`);
    }
    return elapsed;
  };
  return { t, http, create, invoke, close: async () => (await http.close(), await t.close()) };
}

async function coldAndWarm(ctx: BenchContext): Promise<BenchRow[]> {
  const { t, create, invoke, close } = await startSubject();
  const rows: BenchRow[] = [];
  try {
    process.stdout.write('cold starts (plain: container create and start)…\n');
    // Functions first, so each cold start finds a quiet host; one uncounted cold start lets the spare
    // pools fill after boot.
    for (let i = 0; i <= COLD_RUNS; i += 1) await create(`cold-${i}`);
    await invoke(`cold-${COLD_RUNS}`, 0);
    const cold: number[] = [];
    for (let i = 0; i < COLD_RUNS; i += 1) {
      await sleep(1500);
      cold.push(await invoke(`cold-${i}`, i));
    }
    rows.push(...latencyRows('cold start, plain (first invoke of a new function)', cold, ['p50', 'p95'], { baseline: ctx.dockerRun }));
    await t.lambdock.pool.retireAll();

    process.stdout.write(`${SIMULTANEOUS} simultaneous cold starts of different functions…\n`);
    const walls: number[] = [];
    for (let round = 0; round < SIMULTANEOUS_ROUNDS; round += 1) {
      const names = Array.from({ length: SIMULTANEOUS }, (_, k) => `simul-${round}-${k}`);
      for (const name of names) await create(name);
      await sleep(1500);
      const began = performance.now();
      await Promise.all(names.map((name, k) => invoke(name, k)));
      walls.push(performance.now() - began);
      await t.lambdock.pool.retireAll();
    }
    rows.push(
      figureRow(`${SIMULTANEOUS} simultaneous cold starts of different functions`, 'wall', percentile(walls, 50), {
        baseline: { name: `${SIMULTANEOUS} \`docker run\` at once`, value: percentile(ctx.dockerRunSimultaneous, 50) },
        target: atMost(300),
        note: `median of ${walls.length} rounds`,
      }),
    );

    process.stdout.write('warm invokes…\n');
    await create('warm');
    for (let i = 0; i < 50; i += 1) await invoke('warm', i);
    const warm: number[] = [];
    for (let i = 0; i < WARM_RUNS; i += 1) warm.push(await invoke('warm', i));
    rows.push(
      ...latencyRows('warm invoke, back to back', warm, ['p50', 'p99'], {
        baseline: ctx.floor,
        targets: { p50: overBaselineAtMost(0.5), p99: overBaselineAtMost(3) },
      }),
    );
    // Through an alias: the alias and its version are read per invocation (the weighted draw is per call).
    await t.client.send(new PublishVersionCommand({ FunctionName: 'warm' }));
    await t.client.send(new CreateAliasCommand({ FunctionName: 'warm', Name: 'live', FunctionVersion: '1' }));
    for (let i = 0; i < 50; i += 1) await invoke('warm:live', i);
    const aliased: number[] = [];
    for (let i = 0; i < WARM_RUNS; i += 1) aliased.push(await invoke('warm:live', i));
    rows.push(...latencyRows('warm invoke through an alias, back to back', aliased, ['p50', 'p99'], { baseline: ctx.floor }));
    await t.lambdock.pool.retireAll();

    // On a function of its own: it leaves 32 environments behind.
    process.stdout.write('throughput at concurrency 1, 8, 32…\n');
    await create('throughput');
    const throughput = await measureThroughput(t.url, 'throughput', QUICK ? 1_500 : 5_000);
    for (const concurrency of [1, 8, 32]) {
      const ours = throughput.find((r) => r.scenario === `lambdock throughput, concurrency ${concurrency} (inv/s)`);
      const bare = throughput.find((r) => r.scenario === `baseline: bare HTTP server, concurrency ${concurrency} (req/s)`);
      rows.push(
        figureRow(`throughput, one function, concurrency ${concurrency}`, 'inv/s', ours?.perSecond, {
          ...(bare === undefined ? {} : { baseline: { name: `bare HTTP server, concurrency ${concurrency}`, value: bare.perSecond } }),
          ...(concurrency === 32 ? { target: ratioAtLeast(0.5) } : {}),
        }),
      );
    }
    await t.lambdock.pool.retireAll();

    process.stdout.write('bursts of simultaneous cold invocations of a 500 ms function…\n');
    await t.createFunction({ FunctionName: 'burst', Code: { ZipFile: await nodeZip(BURST_HANDLER) }, Timeout: 3 });
    for (const size of QUICK ? [200] : [200, 1000]) {
      const burst = await measureBurst(t.url, 'burst', size);
      rows.push(
        figureRow(`burst: ${size.toLocaleString('en-US')} simultaneous invocations of a 500 ms function`, 'wall', burst.wallMs, {
          note: `${burst.ok} OK, ${burst.throttled} 429, ${burst.failed} other${burst.sample === undefined ? '' : `: ${burst.sample.slice(0, 80)}`}`,
        }),
      );
      await t.lambdock.pool.retireAll();
    }
  } finally {
    await close();
  }
  return rows;
}

async function freezeModes(): Promise<BenchRow[]> {
  process.stdout.write('thaw per freeze mode (LAMBDOCK_FREEZE=docker|cgroup), beside docker unpause…\n');
  const rows = await measureFreezeModes(THAW_RUNS);
  const unpause = rows.find((r) => r.scenario.startsWith('engine floor'));
  const baseline: SampleBaseline | undefined = unpause === undefined ? undefined : { name: '`docker unpause` call alone (same cycles)', samples: unpause.samples };
  const out: BenchRow[] = [];
  for (const row of rows) {
    if (row === unpause) continue;
    const thaw = row.scenario.startsWith('lambdock thaw');
    out.push(
      ...latencyRows(row.scenario.replace(/^lambdock /, '').replace(/^floor: /, 'floor: '), row.samples, ['p50', 'p99'], {
        ...(thaw && baseline !== undefined ? { baseline } : {}),
        ...(thaw ? { targets: { p50: ratioAtMost(0.5) } } : {}),
      }),
    );
  }
  if (unpause !== undefined) out.push(...latencyRows('baseline: `docker unpause` API call alone', unpause.samples, ['p50', 'p99']));
  return out;
}

async function keepAlive(): Promise<BenchRow[]> {
  process.stdout.write('keep-alive: pairs of invokes at gaps of 0–500 ms, grace 0 and 100 ms…\n');
  const results = await measureKeepAlive({ graces: [0, 100], reps: KEEPALIVE_REPS });
  const cost = await measureCycleCost(QUICK ? 10 : 30);
  return keepAliveRows(results, cost);
}

async function density(): Promise<BenchRow[]> {
  process.stdout.write(`density: ${DENSITY_N} frozen environments of different functions…\n`);
  const result = await measureDensity({
    count: DENSITY_N,
    floorMb: DENSITY_FLOOR_MB,
    pidShare: 0.85,
    thaws: QUICK ? 10 : 40,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`${describeDensity(result)}\n`);
  const usage = result.runtime.map((m) => m.usageMb);
  const perEnvHost = (result.availableBeforeMb - result.availableAfterMb) / Math.max(1, result.frozen);
  const budget = loadConfig({}).memoryBudgetMb;
  // What lambdock charges a frozen environment (see Sandbox.charge): its cgroup's usage, rounded up.
  const charged = percentile(usage.map((mb) => Math.ceil(mb)), 50);
  // Counted from the environments' own containers and shims, not host-wide (the machine may be shared).
  const tasksPerEnv = result.ownTasksPerEnv;
  const accountedMb = percentile(usage, 50) + percentile(result.holder.map((m) => m.usageMb), 50) + result.shimMbPerEnv;
  // The host-wide figure when it is at least what the environments' own parts add up to (it also holds the
  // kernel's and the engine's share); the latter when others on the host freed memory meanwhile.
  const hostMbPerEnv = perEnvHost >= accountedMb ? perEnvHost : accountedMb;
  const hostHolds = Math.floor((result.availableBeforeMb - DENSITY_FLOOR_MB) / hostMbPerEnv);
  const configured = { name: 'its MemorySize', value: 128 };
  return [
    figureRow('memory per frozen environment (its cgroup: memory.usage_in_bytes)', 'MB', percentile(usage, 50), {
      baseline: configured,
      note: `median of ${usage.length}; rss ${percentile(result.runtime.map((m) => m.rssMb), 50).toFixed(1)} MB`,
    }),
    figureRow('host memory per frozen environment: its containers\' cgroups and their 2 shims', 'MB', accountedMb, {
      baseline: configured,
      note: `runtime + network holder + shims' PSS`,
    }),
    figureRow('host memory per frozen environment, all included (engine, kernel)', 'MB', perEnvHost > 0 ? perEnvHost : undefined, {
      baseline: configured,
      note: `MemAvailable before − after ÷ ${result.frozen}; moves with whatever else runs on the host`,
    }),
    figureRow('frozen environments created in this run', 'count', result.frozen, {
      ...(result.asked >= 1000 ? { target: atLeast(1000) } : {}),
      note: result.stoppedBy ?? `all ${result.asked} asked (BENCH_DENSITY_N)`,
    }),
    figureRow('frozen environments the memory budget holds (budget ÷ charge per frozen one)', 'count', Math.floor(budget / charged), {
      baseline: { name: 'by MemorySize (128 MB each)', value: Math.floor(budget / 128) },
      target: atLeast(1000),
      note: `budget ${budget.toLocaleString('en-US')} MB, charged ${charged} MB each`,
    }),
    figureRow('frozen environments the host memory holds (available − 5 GB floor ÷ host memory per environment)', 'count', hostHolds, {
      target: atLeast(1000),
      note: `extrapolated from ${result.frozen}, ${hostMbPerEnv.toFixed(1)} MB each`,
    }),
    figureRow('frozen environments kernel.pid_max allows (free pids ÷ tasks per environment)', 'count', Math.floor((result.pidMax - result.tasksBefore) / tasksPerEnv), {
      target: atLeast(1000),
      note: `pid_max ${result.pidMax}, ${tasksPerEnv.toFixed(1)} tasks (threads) per environment`,
    }),
    ...latencyRows('thaw + invoke of a random frozen environment among them', result.thawMs, ['p50', 'p99'], {
      baseline: { name: 'the same invoke, just thawed', samples: result.warmMs },
    }),
  ];
}

async function splitPath(ctx: BenchContext): Promise<BenchRow[]> {
  process.stdout.write('split path: api → worker…\n');
  const rows = await measureSplitPath(HANDLER, WARM_RUNS);
  return rows.flatMap((row) => latencyRows(row.scenario.replace(/^lambdock /, ''), row.samples, ['p50', 'p99'], { baseline: ctx.floor }));
}

async function unpack(): Promise<BenchRow[]> {
  if (QUICK) return [notMeasured('unpack, 14,000-file zip', 'p50', 'skipped by BENCH_QUICK')];
  process.stdout.write('unpacking a 14,000-file zip, and unzip -q of it…\n');
  const [ours, unzip] = await measureUnpack();
  if (ours === undefined) return [];
  return latencyRows(ours.scenario.replace(/^lambdock /, ''), ours.samples, ['p50'], {
    ...(unzip === undefined ? {} : { baseline: { name: '`unzip -q` of the same zip', samples: unzip.samples } }),
  });
}

async function asyncInvokes(ctx: BenchContext): Promise<BenchRow[]> {
  process.stdout.write('asynchronous invocation and queues…\n');
  const { latency, throughput } = await measureAsync();
  const lpush = latency.find((r) => r.scenario.startsWith('baseline: Redis LPUSH'));
  const rows: BenchRow[] = [];
  for (const row of latency) {
    if (row === lpush) continue;
    const scenario = row.scenario.replace(/^lambdock /, '');
    const baseline = row.scenario.includes('accepted') && lpush !== undefined
      ? { name: 'Redis LPUSH round trip', samples: lpush.samples }
      : row.scenario.includes('queue SendMessage') ? ctx.floor : undefined;
    rows.push(...latencyRows(scenario, row.samples, ['p50', 'p99'], baseline === undefined ? {} : { baseline }));
  }
  for (const row of throughput) rows.push(figureRow(row.scenario.replace(/^lambdock /, '').replace(/ \(events\/s.*$/, ''), 'inv/s', row.perSecond, { note: 'events/s, 202 → run' }));
  return rows;
}

async function sandboxCalls(): Promise<BenchRow[]> {
  process.stdout.write('functions calling functions through the endpoint for sandboxes…\n');
  const [inside, host] = await measureSandboxCalls();
  if (inside === undefined) return [];
  return latencyRows('function → function Invoke, signed, endpoint for sandboxes', inside.samples, ['p50', 'p99'], {
    ...(host === undefined ? {} : { baseline: { name: 'same SDK call from the host', samples: host.samples } }),
    note: 'client: the AWS SDK v3 bundled in the runtime, not undici',
  });
}

/** Stem-cell cold starts (bench/stem-cells.ts), sequential and 10 at once, beside `docker run`. */
async function stemCells(ctx: BenchContext): Promise<BenchRow[]> {
  process.stdout.write('stem-cell cold starts…\n');
  const rows = await measureStemCells({ runs: COLD_RUNS, burst: SIMULTANEOUS, rounds: SIMULTANEOUS_ROUNDS, dockerRuns: 0 });
  const stem = rows.find((row) => row.scenario.startsWith('lambdock stem-cell cold start'));
  const burst = rows.find((row) => row.scenario.includes('simultaneous stem-cell'));
  return [
    ...stemCellRows(stem?.samples, ctx),
    figureRow(`${SIMULTANEOUS} simultaneous stem-cell cold starts of different functions`, 'wall', burst === undefined ? undefined : percentile(burst.samples, 50), {
      baseline: { name: `${SIMULTANEOUS} \`docker run\` at once`, value: percentile(ctx.dockerRunSimultaneous, 50) },
      target: atMost(300),
      note: `median of ${burst?.samples.length ?? 0} rounds`,
    }),
  ];
}

/**
 * The table's rows, in order.
 */
const PRODUCERS: RowProducer[] = [
  {
    name: 'baselines',
    run: async (ctx) => [
      ...latencyRows('baseline: bare HTTP server, same client and request', ctx.floor.samples, ['p50', 'p99']),
      ...latencyRows('baseline: handler called in-process', ctx.inProcess.samples, ['p50', 'p99']),
      ...latencyRows('baseline: `docker run` per invoke (SAM CLI style)', ctx.dockerRun.samples, ['p50', 'p95']),
    ],
  },
  { name: 'cold, warm, throughput, bursts', run: coldAndWarm },
  { name: 'stem-cell cold start', run: stemCells },
  { name: 'thaw per freeze mode', run: freezeModes },
  { name: 'keep-alive', run: keepAlive },
  { name: 'density', run: density },
  { name: 'split path', run: splitPath },
  { name: 'asynchronous invocation', run: asyncInvokes },
  { name: 'functions calling functions', run: sandboxCalls },
  { name: 'unpack', run: unpack },
];

const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function machine(loadBefore: string): Promise<string> {
  const version = (args: string[]) => execFile('docker', args).then((r) => r.stdout.trim(), () => '?');
  const docker = await version(['version', '--format', '{{.Server.Version}}']);
  const runc = await execFile('runc', ['--version']).then((r) => r.stdout.split('\n')[0] ?? '?', () => '?');
  const cpus = os.cpus();
  const undici = (JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'node_modules', 'undici', 'package.json'), 'utf8')) as { version: string }).version;
  const cgroup = existsSync('/sys/fs/cgroup/memory') ? 'v1' : existsSync('/sys/fs/cgroup/cgroup.controllers') ? 'v2' : '?';
  return [
    `- date: ${new Date().toISOString()}${QUICK ? ' (BENCH_QUICK smoke run)' : ''}`,
    `- CPU: ${cpus.length} × ${cpus[0]?.model ?? '?'}; load average (1, 5, 15 min) before ${loadBefore}, after ${loadAverage()}`,
    `- memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; kernel ${os.release()}; ${os.type()} ${os.arch()}; cgroup ${cgroup}`,
    `- Node ${process.version}; Docker engine ${docker}; ${runc}`,
    `- client: undici ${undici} \`Pool\` + \`request\`, keep-alive, one pool per subject`,
    `- freeze mode: LAMBDOCK_FREEZE=${loadConfig({}).freezeMode} (the default) for every row but the cgroup thaw rows; pause grace ${PAUSE_GRACE_MS} ms in the cold/warm/throughput rows`,
  ].join('\n');
}

/** The new report on top; the earlier one becomes the first of the history, the hand-written sections stay. */
function withHistory(report: string, previous: string): string {
  const firstSection = previous.indexOf('\n## ');
  const top = firstSection < 0 ? previous : previous.slice(0, firstSection);
  const rest = firstSection < 0 ? '' : previous.slice(firstSection);
  const date = /- date: (\S+)/.exec(top)?.[1];
  const earlier = top.replace(/^# Benchmark results\n+/, '').trim();
  const kept = earlier === '' ? '' : `\n## Earlier run${date === undefined ? '' : ` (${date})`}\n\n${earlier}\n`;
  return `${report}${kept}${rest}`;
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const ctx = await measureBaselines();
  const rows: BenchRow[] = [];
  for (const producer of PRODUCERS) {
    try {
      rows.push(...(await producer.run(ctx)));
    } catch (error) {
      process.stderr.write(`${producer.name} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      rows.push(notMeasured(producer.name, 'p50', `failed: ${error instanceof Error ? error.message.slice(0, 120) : String(error)}`));
    }
  }
  const table = renderTable(rows);
  const met = rows.filter((r) => r.target !== undefined);
  const report = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/bench.ts, the table by bench/table.ts). Trivial Node handler, 128 MB,',
    'sandbox on lambdock\'s own bridge network. Latencies are client-observed `POST …/invocations` through',
    'one client for every row (undici `Pool` + `request`, keep-alive; the function → function row uses',
    'the SDK bundled in the runtime, and says so). Baselines are measured in the same run; ratio = lambdock ÷',
    'baseline. Cold start = first invoke of a new function, 1.5 s apart. Thaw rows interleave their cycles',
    '(bench/freeze-modes.ts). Keep-alive rows: the 2nd of two invokes `gap` ms apart after a quiet second',
    '(bench/keep-alive.ts). Density rows: bench/density.ts (`npm run bench:density`, BENCH_DENSITY_N).',
    `Targets met: ${met.filter((r) => r.target?.met === true).length} of ${met.length}.`,
    '',
    table,
    '',
    'Machine:',
    await machine(loadBefore),
    '',
  ].join('\n');
  process.stdout.write(`\n${table}\n`);
  const resultsPath = QUICK && process.env.BENCH_WRITE_RESULTS !== '1' ? path.join(os.tmpdir(), 'lambdock-bench-quick.md') : path.join(import.meta.dirname, 'RESULTS.md');
  const previous = await readFile(resultsPath, 'utf8').catch(() => '');
  await writeFile(resultsPath, QUICK && resultsPath !== path.join(import.meta.dirname, 'RESULTS.md') ? report : withHistory(report, previous));
  process.stdout.write(`written to ${resultsPath}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
