/**
 * `npm run bench`: client-observed latencies of lambdock's invoke path for a trivial Node handler, with
 * baselines measured in the same run: a bare HTTP server answering the same request to the same client
 * (the floor of the HTTP hop), the engine's own unpause call, a `docker run` per invocation (what SAM CLI
 * does) and the handler called in-process. Prints one table and writes it to bench/RESULTS.md.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile as execFileCb } from 'node:child_process';
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
import { BURST_HANDLER, measureBurst, type BurstRow } from './bursts.js';
import { measureSplitPath } from './split-path.js';
import { measureThroughput, type ThroughputRow } from './throughput.js';
import { measureUnpack } from './unpack.js';
import { measureAsync } from './async.js';
import { measureSandboxCalls } from './sandbox-calls.js';
import { measureFreezeModes } from './freeze-modes.js';

const execFile = promisify(execFileCb);
const HANDLER = 'exports.handler = async (event) => ({ ok: true, echo: event.n ?? null });';
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 15);
const WARM_RUNS = Number(process.env.BENCH_WARM_RUNS ?? 2000);
const THAW_RUNS = Number(process.env.BENCH_THAW_RUNS ?? 40);
const DOCKER_RUN_RUNS = Number(process.env.BENCH_DOCKER_RUNS ?? 10);
const PAUSE_GRACE_MS = 50;

interface Row {
  scenario: string;
  samples: number[];
  target?: string;
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

function format(ms: number): string {
  return ms < 1 ? ms.toFixed(3) : ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

function renderTable(rows: Row[]): string {
  const lines = ['| scenario | n | p50 ms | p95 ms | p99 ms | mean ms | target |', '|---|---|---|---|---|---|---|'];
  for (const row of rows) {
    const sorted = [...row.samples].sort((a, b) => a - b);
    const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
    lines.push(
      `| ${row.scenario} | ${sorted.length} | ${format(percentile(sorted, 50))} | ${format(percentile(sorted, 95))} | ` +
        `${format(percentile(sorted, 99))} | ${format(mean)} | ${row.target ?? ''} |`,
    );
  }
  return lines.join('\n');
}

async function machine(): Promise<string> {
  const docker = await execFile('docker', ['version', '--format', '{{.Server.Version}}']).then((r) => r.stdout.trim(), () => '?');
  const cpus = os.cpus();
  return [
    `- date: ${new Date().toISOString()}`,
    `- CPU: ${cpus.length} × ${cpus[0]?.model ?? '?'}`,
    `- memory: ${Math.round(os.totalmem() / 2 ** 30)} GiB; kernel ${os.release()}; ${os.type()} ${os.arch()}`,
    `- Node ${process.version}; Docker engine ${docker}`,
  ].join('\n');
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

async function main(): Promise<void> {
  const t = await startTestLambdock({ LAMBDOCK_PAUSE_GRACE_MS: String(PAUSE_GRACE_MS), LAMBDOCK_BUILD_IMAGES: 'true' }, 'bench');
  const { lambdock, instanceId } = t;
  const http = new Pool(lambdock.url, { connections: 8, pipelining: 1 });
  const zip = await nodeZip(HANDLER);
  const rows: Row[] = [];
  const throughput: ThroughputRow[] = [];
  const bursts: BurstRow[] = [];

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

  try {
    process.stdout.write(`lambdock ${lambdock.url}: cold starts…\n`);
    // Functions first, so each cold start finds a quiet host; one uncounted cold start lets the spare
    // pools fill after boot.
    for (let i = 0; i <= COLD_RUNS; i += 1) await create(`cold-${i}`);
    await invoke(`cold-${COLD_RUNS}`, 0);
    const cold: number[] = [];
    for (let i = 0; i < COLD_RUNS; i += 1) {
      await sleep(1500);
      cold.push(await invoke(`cold-${i}`, i));
    }
    rows.push({ scenario: 'lambdock cold start (create container → answer)', samples: cold, target: '≤ 250 p50' });
    await lambdock.pool.retireAll();

    process.stdout.write('cold starts in bursts of 4 (spare pools of 2 run out)…\n');
    const burst: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      const names = [0, 1, 2, 3].map((k) => `burst-${round}-${k}`);
      for (const name of names) await create(name);
      await sleep(1500);
      burst.push(...(await Promise.all(names.map((name, k) => invoke(name, k)))));
    }
    rows.push({ scenario: 'lambdock cold starts, 4 at once', samples: burst });
    await lambdock.pool.retireAll();

    process.stdout.write('warm invokes…\n');
    await create('warm');
    for (let i = 0; i < 50; i += 1) await invoke('warm', i);
    const warm: number[] = [];
    for (let i = 0; i < WARM_RUNS; i += 1) warm.push(await invoke('warm', i));
    rows.push({ scenario: 'lambdock warm invoke (back to back)', samples: warm, target: '≤ 2 p50, ≤ 10 p99' });
    // Through an alias: the alias and its version are read per invocation (the weighted draw is per call).
    await t.client.send(new PublishVersionCommand({ FunctionName: 'warm' }));
    await t.client.send(new CreateAliasCommand({ FunctionName: 'warm', Name: 'live', FunctionVersion: '1' }));
    for (let i = 0; i < 50; i += 1) await invoke('warm:live', i);
    const aliased: number[] = [];
    for (let i = 0; i < WARM_RUNS; i += 1) aliased.push(await invoke('warm:live', i));
    rows.push({ scenario: 'lambdock warm invoke through an alias (back to back)', samples: aliased });
    rows.push({ scenario: 'baseline: bare HTTP server, same client and request', samples: await bareHttp(WARM_RUNS) });

    process.stdout.write('split path: api → worker…\n');
    rows.push(...(await measureSplitPath(HANDLER, WARM_RUNS)));

    process.stdout.write('thaw from pause…\n');
    const thaw: number[] = [];
    const sandbox = () => lambdock.pool.list().find((s) => s.plan.functionName === 'warm' && s.plan.version === '$LATEST');
    for (let i = 0; i < THAW_RUNS; i += 1) {
      // Up to 3 s: the pause grace grows to at most 1 s for an environment invoked steadily (this loop is steady).
      for (let w = 0; w < 300 && sandbox()?.currentState.kind !== 'Paused'; w += 1) await sleep(10);
      if (sandbox()?.currentState.kind !== 'Paused') throw new Error('the sandbox did not freeze');
      thaw.push(await invoke('warm', i));
    }
    rows.push({ scenario: 'lambdock thaw from docker pause', samples: thaw, target: '≤ 15 p50' });

    process.stdout.write('engine floor: docker unpause alone…\n');
    const idle = await lambdock.docker.createContainer({
      Image: 'lambdock-runtime:provided',
      Entrypoint: ['sleep', '600'],
      Labels: { 'lambdock.managed': 'true', 'lambdock.instance': instanceId },
      HostConfig: { Init: true, NetworkMode: 'none' },
    });
    await idle.start();
    const unpause: number[] = [];
    for (let i = 0; i < THAW_RUNS; i += 1) {
      await idle.pause();
      await sleep(20);
      const started = performance.now();
      await idle.unpause();
      unpause.push(performance.now() - started);
    }
    await idle.remove({ force: true });
    rows.push({ scenario: 'engine floor: `docker unpause` API call alone', samples: unpause });

    process.stdout.write('thaw per freeze mode (LAMBDOCK_FREEZE=docker|cgroup), beside docker unpause…\n');
    rows.push(...(await measureFreezeModes(THAW_RUNS)));

    process.stdout.write('baseline: docker run per invocation…\n');
    const codeDir = await mkdtemp(path.join(os.tmpdir(), 'lambdock-bench-code-'));
    await writeFile(path.join(codeDir, 'index.js'), HANDLER);
    const dockerRun: number[] = [];
    for (let i = 0; i < DOCKER_RUN_RUNS; i += 1) {
      const started = performance.now();
      const { stdout } = await execFile('docker', [
        'run', '--rm', '--network', 'none', '--label', `lambdock.instance=${instanceId}`, '-v', `${codeDir}:/var/task:ro`,
        '--entrypoint', 'node', 'lambdock-runtime:nodejs20.x', '-e',
        `require('/var/task/index.js').handler({ n: ${i} }).then((r) => console.log(JSON.stringify(r)))`,
      ]);
      dockerRun.push(performance.now() - started);
      if (!stdout.includes(`"echo":${i}`)) throw new Error(`docker run answered ${stdout}`);
    }
    rows.push({ scenario: 'baseline: docker run per invocation (SAM CLI style)', samples: dockerRun });

    const require = createRequire(import.meta.url);
    const modulePath = path.join(codeDir, 'inproc.cjs');
    await writeFile(modulePath, HANDLER);
    const handler = (require(modulePath) as { handler: (e: unknown) => Promise<unknown> }).handler;
    const inProcess: number[] = [];
    for (let i = 0; i < WARM_RUNS; i += 1) {
      const started = performance.now();
      JSON.stringify(await handler(JSON.parse(JSON.stringify({ n: i }))));
      inProcess.push(performance.now() - started);
    }
    rows.push({ scenario: 'baseline: handler called in-process (floor)', samples: inProcess });
    await rm(codeDir, { recursive: true, force: true });

    // Last of the invoke rows, on a function of its own: it leaves 32 environments behind.
    process.stdout.write('throughput at concurrency 1, 8, 32…\n');
    await create('throughput');
    throughput.push(...(await measureThroughput(lambdock.url, 'throughput')));
    await lambdock.pool.retireAll();

    process.stdout.write('bursts of 200 and 1,000 simultaneous cold invocations of a 500 ms function…\n');
    await t.createFunction({ FunctionName: 'burst', Code: { ZipFile: await nodeZip(BURST_HANDLER) }, Timeout: 3 });
    for (const size of [200, 1000]) {
      bursts.push(await measureBurst(lambdock.url, 'burst', size));
      await lambdock.pool.retireAll();
    }

    process.stdout.write('unpacking a 14,000-file zip, and unzip -q of it…\n');
    rows.push(...(await measureUnpack()));
  } finally {
    await http.close();
    await t.close();
  }
  const asyncRows = await measureAsync();
  rows.push(...asyncRows.latency);
  process.stdout.write('functions calling functions through the endpoint for sandboxes…\n');
  rows.push(...(await measureSandboxCalls()));
  throughput.push(...asyncRows.throughput);

  const table = [
    renderTable(rows),
    '',
    '| throughput, one function, 5 s each (pause grace as above) | per second |',
    '|---|---|',
    ...throughput.map((row) => `| ${row.scenario} | ${Math.round(row.perSecond)} |`),
    '',
    '| simultaneous cold invocations of a 500 ms function (account limit 1,000) | wall s | 200 OK | 429 | other |',
    '|---|---|---|---|---|',
    ...bursts.map(
      (row) =>
        `| ${row.size.toLocaleString('en-US')} at once | ${(row.wallMs / 1000).toFixed(1)} | ${row.ok} | ${row.throttled} | ${row.failed}${row.sample === undefined ? '' : ` (${row.sample.replaceAll('|', '/')})`} |`,
    ),
  ].join('\n');
  const report = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/bench.ts). Client-observed latency of `POST …/invocations` over',
    'keep-alive connections (undici), trivial Node handler, 128 MB, sandbox on the default bridge network,',
    `pause grace ${PAUSE_GRACE_MS} ms. Cold start = first invoke of a new function, 1.5 s apart: container create, start`,
    'joining a pre-started network holder, runtime init, invoke (lambdock keeps 2 network holders and 2',
    'formatted /tmp disks ready; the burst row shows cold starts that find them used up).',
    'Thaw = first invoke after the environment was frozen with `docker pause`. The event is handed to the',
    'parked runtime as the unpause starts, so it can beat the engine\'s own unpause call (next row).',
    'The freeze-mode rows (bench/freeze-modes.ts) interleave their cycles: a lambdock freezing with',
    '`docker pause`, one writing the freezer cgroup itself (LAMBDOCK_FREEZE=cgroup), the engine\'s unpause call.',
    'Unpack = safe extraction of a 14,000-file node_modules-like zip (the work behind CreateFunction\'s',
    'Pending → Active), beside `unzip -q` of the same zip. Baselines measured in the same run.',
    '',
    table,
    '',
    'Machine:',
    await machine(),
    '',
  ].join('\n');
  process.stdout.write(`\n${table}\n`);
  // The sections written by hand (and by bench:placement) after the table stay.
  const resultsPath = path.join(import.meta.dirname, 'RESULTS.md');
  const previous = await readFile(resultsPath, 'utf8').catch(() => '');
  const kept = previous.indexOf('\n## ');
  await writeFile(resultsPath, kept < 0 ? report : `${report}${previous.slice(kept)}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
