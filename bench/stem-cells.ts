/**
 * Stem-cell cold starts (issue 11): a lambdock with stem cells (LAMBDOCK_STEM_CELLS = the burst size, so
 * a burst finds one for each function) beside one without (plain cold starts), in the same run:
 * (1) sequential cold starts, a fresh function each, the pool full again before each (the two lambdocks
 * interleaved, so the machine's drift hits both alike); (2) bursts of `burst` simultaneous cold starts
 * of different functions, wall time of the whole burst; (3) the `docker run` per invocation baseline.
 * Raw samples in ms. Part of `npm run bench` (wired there by the lead); alone: `npx tsx bench/stem-cells.ts`
 * (BENCH_STEM_RUNS sequential runs, 20 by default; BENCH_STEM_ROUNDS bursts, 3 by default).
 */
import { execFile as execFileCallback } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { startTestLambdock, type TestLambdock } from '../test/helpers/test-lambdock.js';
import { nodeZip } from '../test/helpers/zip.js';

const execFile = promisify(execFileCallback);

export interface StemCellRow {
  scenario: string;
  samples: number[];
  target?: string;
}

export interface StemCellOptions {
  /** Sequential cold starts per kind. */
  runs?: number;
  /** Simultaneous cold starts per burst. */
  burst?: number;
  /** Bursts per kind. */
  rounds?: number;
  /** `docker run` baseline runs (0: none). */
  dockerRuns?: number;
}

const HANDLER = 'exports.handler = async (event) => ({ ok: true, echo: event.n ?? null });';

interface Subject {
  t: TestLambdock;
  http: Pool;
  created: number;
}

async function startSubject(stemCells: number): Promise<Subject> {
  const t = await startTestLambdock({ LAMBDOCK_STEM_CELLS: String(stemCells), LAMBDOCK_LOG_LEVEL: 'warn' }, 'bench');
  return { t, http: new Pool(t.url, { connections: 32, pipelining: 1 }), created: 0 };
}

async function createFunctions(subject: Subject, count: number): Promise<string[]> {
  const zip = await nodeZip(HANDLER);
  const names = Array.from({ length: count }, () => `cold-${(subject.created += 1)}`);
  for (const name of names) await subject.t.createFunction({ FunctionName: name, Code: { ZipFile: zip } });
  return names;
}

async function invoke(subject: Subject, name: string, n: number): Promise<number> {
  const started = performance.now();
  const res = await subject.http.request({ method: 'POST', path: `/2015-03-31/functions/${name}/invocations`, body: JSON.stringify({ n }) });
  const body = await res.body.text();
  const elapsed = performance.now() - started;
  if (res.statusCode !== 200 || res.headers['x-amz-function-error'] !== undefined || !body.includes(`"echo":${n}`)) {
    throw new Error(`unexpected answer ${res.statusCode}: ${body}`);
  }
  return elapsed;
}

/** Waits until the stem-cell pool holds `count` parked stem cells (and the engine is quiet again). */
async function waitForStemCells(subject: Subject, count: number): Promise<void> {
  const ready = () => [...(subject.t.lambdock.stemCells?.getReady().values() ?? [])].reduce((a, b) => a + b, 0);
  for (let w = 0; w < 1200 && ready() < count; w += 1) await sleep(50);
  if (ready() < count) throw new Error(`the stem-cell pool did not refill to ${count}`);
  await sleep(300);
}

/** How many of the sandboxes of `names` started from a stem cell (a check that the stem rows measure what they say). */
function startedFromStemCells(subject: Subject, names: string[]): number {
  return subject.t.lambdock.pool.list().filter((s) => names.includes(s.plan.functionName) && s.stemCellId !== undefined).length;
}

async function burstWall(subject: Subject, names: string[]): Promise<number> {
  const started = performance.now();
  await Promise.all(names.map((name, k) => invoke(subject, name, k)));
  return performance.now() - started;
}

async function dockerRunBaseline(runs: number, label: string): Promise<number[]> {
  const codeDir = await mkdtemp(path.join(os.tmpdir(), 'lambdock-bench-stem-'));
  const samples: number[] = [];
  try {
    await writeFile(path.join(codeDir, 'index.js'), HANDLER);
    for (let i = 0; i < runs; i += 1) {
      const started = performance.now();
      const { stdout } = await execFile('docker', [
        'run', '--rm', '--network', 'none', '--label', `lambdock.instance=${label}`, '-v', `${codeDir}:/var/task:ro`,
        '--entrypoint', 'node', 'lambdock-runtime:nodejs20.x', '-e',
        `require('/var/task/index.js').handler({ n: ${i} }).then((r) => console.log(JSON.stringify(r)))`,
      ]);
      samples.push(performance.now() - started);
      if (!stdout.includes(`"echo":${i}`)) throw new Error(`docker run answered ${stdout}`);
    }
  } finally {
    await rm(codeDir, { recursive: true, force: true });
  }
  return samples;
}

export async function measureStemCells(options: StemCellOptions = {}): Promise<StemCellRow[]> {
  const { runs = 20, burst = 10, rounds = 3, dockerRuns = 5 } = options;
  const stem = await startSubject(burst);
  const plain = await startSubject(0).catch(async (error: unknown) => {
    await stem.http.close();
    await stem.t.close();
    throw error;
  });
  const samples = { stem: [] as number[], plain: [] as number[], stemBurst: [] as number[], plainBurst: [] as number[], dockerRun: [] as number[] };
  let fromStem = 0;
  let stemStarts = 0;
  try {
    // One uncounted cold start each: it makes the stem-cell pool of this runtime and memory class, and
    // lets the other spare pools fill after boot.
    for (const subject of [stem, plain]) {
      const [first] = await createFunctions(subject, 1);
      await invoke(subject, first ?? '', 0);
    }
    for (let i = 0; i < runs; i += 1) {
      const [s] = await createFunctions(stem, 1);
      const [p] = await createFunctions(plain, 1);
      await waitForStemCells(stem, burst);
      samples.stem.push(await invoke(stem, s ?? '', i));
      fromStem += startedFromStemCells(stem, [s ?? '']);
      stemStarts += 1;
      await sleep(1500);
      samples.plain.push(await invoke(plain, p ?? '', i));
    }
    for (let round = 0; round < rounds; round += 1) {
      const stemNames = await createFunctions(stem, burst);
      const plainNames = await createFunctions(plain, burst);
      await waitForStemCells(stem, burst);
      samples.stemBurst.push(await burstWall(stem, stemNames));
      fromStem += startedFromStemCells(stem, stemNames);
      stemStarts += burst;
      await sleep(1500);
      samples.plainBurst.push(await burstWall(plain, plainNames));
      await Promise.all([stem.t.lambdock.pool.retireAll(), plain.t.lambdock.pool.retireAll()]);
    }
    if (dockerRuns > 0) samples.dockerRun = await dockerRunBaseline(dockerRuns, stem.t.instanceId);
  } finally {
    for (const subject of [stem, plain]) {
      await subject.http.close();
      await subject.t.close();
    }
  }
  if (fromStem !== stemStarts) process.stderr.write(`note: ${stemStarts - fromStem} of ${stemStarts} stem-row cold starts found no stem cell\n`);
  return [
    { scenario: 'lambdock stem-cell cold start (claim → answer)', samples: samples.stem, target: '≤ 30 p50, ≤ 0.1× docker run' },
    { scenario: 'lambdock plain cold start, same run (create container → answer)', samples: samples.plain },
    { scenario: `lambdock ${burst} simultaneous stem-cell cold starts of different functions (wall)`, samples: samples.stemBurst, target: '≤ 300' },
    { scenario: `lambdock ${burst} simultaneous plain cold starts of different functions (wall)`, samples: samples.plainBurst },
    ...(samples.dockerRun.length === 0 ? [] : [{ scenario: 'baseline: docker run per invocation (SAM CLI style)', samples: samples.dockerRun }]),
  ];
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

const format = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

async function main(): Promise<void> {
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const rows = await measureStemCells({ runs: Number(process.env.BENCH_STEM_RUNS ?? 20), rounds: Number(process.env.BENCH_STEM_ROUNDS ?? 3) });
  const dockerRun = rows.find((row) => row.scenario.startsWith('baseline: docker run'));
  const dockerP50 = dockerRun === undefined ? NaN : percentile([...dockerRun.samples].sort((a, b) => a - b), 50);
  const lines = [
    `load average before: ${load}; after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ${os.cpus().length} cores`,
    '| scenario | n | p50 ms | p95 ms | max ms | p50 ÷ `docker run` p50 | target |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const sorted = [...row.samples].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    lines.push(
      `| ${row.scenario} | ${sorted.length} | ${format(p50)} | ${format(percentile(sorted, 95))} | ${format(sorted.at(-1) ?? NaN)} | ${(p50 / dockerP50).toFixed(2)} | ${row.target ?? ''} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
