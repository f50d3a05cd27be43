/**
 * Keep-alive policy: what the pause grace buys and what it costs. For each configured grace (a lambdock
 * of its own, LAMBDOCK_FREEZE as given), pairs of invokes of one function: the first after a quiet spell
 * (> 1 s, so the environment is frozen and its adaptive grace has forgotten its gaps; see
 * sandbox/pause-grace.ts), the second `gap` ms after its answer, timed, and whether the environment had
 * been frozen (or was freezing) when it came. Then a steady stream at each gap (the adaptive grace's
 * case), the same invoke back to back (never frozen: the floor), and what a freeze/thaw cycle and an
 * idle thawed runtime cost the host in CPU. Part of `npm run bench`; alone: `npx tsx bench/keep-alive.ts`
 * (BENCH_KEEPALIVE_REPS pairs per gap, 8 by default; BENCH_KEEPALIVE_GRACES=0,100,250).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { startTestLambdock, type TestLambdock } from '../test/helpers/test-lambdock.js';
import { nodeZip } from '../test/helpers/zip.js';
import { figureRow, latencyRows, renderTable, type BenchRow } from './table.js';

const HANDLER = 'exports.handler = async (event) => ({ ok: true, echo: event.n ?? null });';
export const KEEP_ALIVE_GAPS_MS = [0, 10, 50, 100, 200, 500] as const;

export interface PairSample {
  gapMs: number;
  ms: number;
  /** The environment's state as the second invoke was sent. */
  state: string;
}

export interface KeepAliveResult {
  graceMs: number;
  pairs: PairSample[];
  /** Steady streams: per gap, the latency of every invoke after the first few. */
  steady: Map<number, { samples: number[]; frozen: number }>;
  warm: number[];
}

export interface KeepAliveOptions {
  graces: readonly number[];
  gaps?: readonly number[];
  reps: number;
  freeze?: 'docker' | 'cgroup';
  log?: (line: string) => void;
}

/** Frozen, or on its way there (an invocation then waits for the freeze to finish, and for the thaw). */
const isFrozen = (state: string) => state === 'Paused' || state === 'Pausing';

async function invoker(t: TestLambdock): Promise<{ invoke: (n: number) => Promise<number>; close: () => Promise<void> }> {
  await t.createFunction({ FunctionName: 'keepalive', Code: { ZipFile: await nodeZip(HANDLER) } });
  const http = new Pool(t.url, { connections: 4, pipelining: 1 });
  return {
    invoke: async (n) => {
      const started = performance.now();
      const res = await http.request({ method: 'POST', path: '/2015-03-31/functions/keepalive/invocations', body: JSON.stringify({ n }) });
      const body = await res.body.text();
      const elapsed = performance.now() - started;
      if (res.statusCode !== 200 || !body.includes(`"echo":${n}`)) throw new Error(`answered ${res.statusCode}: ${body}`);
      return elapsed;
    },
    close: () => http.close(),
  };
}

async function measureGrace(graceMs: number, options: KeepAliveOptions): Promise<KeepAliveResult> {
  const t = await startTestLambdock(
    { LAMBDOCK_PAUSE_GRACE_MS: String(graceMs), LAMBDOCK_FREEZE: options.freeze ?? 'docker', LAMBDOCK_LOG_LEVEL: 'warn' },
    'bench',
  );
  const { invoke, close } = await invoker(t);
  const state = () => t.lambdock.pool.list().find((s) => s.plan.functionName === 'keepalive')?.currentState.kind ?? 'none';
  const result: KeepAliveResult = { graceMs, pairs: [], steady: new Map(), warm: [] };
  const gaps = options.gaps ?? KEEP_ALIVE_GAPS_MS;
  try {
    for (let i = 0; i < 20; i += 1) await invoke(i);
    for (let rep = 0; rep < options.reps; rep += 1) {
      for (const gapMs of gaps) {
        // Quiet for longer than the adaptive grace's horizon (1 s): the first of the pair thaws, and the
        // grace after it is the configured one.
        await sleep(1_200);
        await invoke(rep);
        if (gapMs > 0) await sleep(gapMs);
        const before = state();
        result.pairs.push({ gapMs, ms: await invoke(rep + 1), state: before });
      }
    }
    for (const gapMs of gaps) {
      await sleep(1_200);
      const samples: number[] = [];
      let frozen = 0;
      for (let i = 0; i < 5 + options.reps * 2; i += 1) {
        if (gapMs > 0) await sleep(gapMs);
        const before = state();
        const ms = await invoke(i);
        // The first few teach the adaptive grace the gap.
        if (i < 5) continue;
        samples.push(ms);
        if (isFrozen(before)) frozen += 1;
      }
      result.steady.set(gapMs, { samples, frozen });
    }
    for (let i = 0; i < 200; i += 1) result.warm.push(await invoke(i));
    options.log?.(`keep-alive: grace ${graceMs} ms done`);
  } finally {
    await close();
    await t.close();
  }
  return result;
}

/** CPU seconds (user + system, children included) of the engine's processes: dockerd, containerd and its shims. */
function engineCpuSeconds(): number {
  const tick = 100;
  let total = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = /\(([^)]*)\)/.exec(stat)?.[1] ?? '';
      if (!/^(dockerd|containerd|containerd-shim.*)$/.test(name)) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime, stime, cutime, cstime are fields 14-17 of /proc/<pid>/stat (11-14 after the name and state).
      total += [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0) / tick;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

export interface CycleCost {
  /** Engine CPU per `docker pause` + `docker unpause` of an idle container, ms (the same time idle subtracted). */
  engineCpuMsPerCycle: number;
  /** CPU an idle, thawed Node runtime used per second, ms (its cgroup's cpuacct). */
  idleRuntimeCpuMsPerSecond: number | undefined;
}

/** What a freeze/thaw costs the engine, and what a thawed idle runtime costs, on this host. */
export async function measureCycleCost(cycles: number): Promise<CycleCost> {
  const t = await startTestLambdock({ LAMBDOCK_PAUSE_GRACE_MS: '3600000', LAMBDOCK_LOG_LEVEL: 'warn' }, 'bench');
  try {
    const { invoke, close } = await invoker(t);
    await invoke(1);
    const id = t.lambdock.pool.list()[0]?.container;
    let idleRuntimeCpuMsPerSecond: number | undefined;
    const cpuacct = `/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`;
    try {
      const before = Number(readFileSync(cpuacct, 'utf8'));
      await sleep(3_000);
      idleRuntimeCpuMsPerSecond = (Number(readFileSync(cpuacct, 'utf8')) - before) / 1e6 / 3;
    } catch {
      // cgroup v2 or no cpuacct: not measured
    }
    await close();
    // The cycles on a container of their own (lambdock's sandbox stays as it is).
    const container = await t.lambdock.docker.createContainer({
      Image: 'lambdock-runtime:provided',
      Entrypoint: ['sleep', '600'],
      Labels: { 'lambdock.managed': 'true', 'lambdock.instance': t.instanceId },
      HostConfig: { Init: true, NetworkMode: 'none' },
    });
    await container.start();
    let started = performance.now();
    let cpu = engineCpuSeconds();
    let done = 0;
    for (let i = 0; i < cycles; i += 1) {
      await container.pause();
      await container.unpause();
      done += 1;
    }
    const busy = engineCpuSeconds() - cpu;
    const elapsed = performance.now() - started;
    await container.remove({ force: true });
    started = performance.now();
    cpu = engineCpuSeconds();
    await sleep(elapsed);
    const idle = engineCpuSeconds() - cpu;
    return { engineCpuMsPerCycle: ((busy - idle) * 1000) / Math.max(1, done), idleRuntimeCpuMsPerSecond };
  } finally {
    await t.close();
  }
}

export async function measureKeepAlive(options: KeepAliveOptions): Promise<KeepAliveResult[]> {
  const results: KeepAliveResult[] = [];
  for (const graceMs of options.graces) results.push(await measureGrace(graceMs, options));
  return results;
}

/** The keep-alive row group: the second of a pair at each gap, per grace, beside the same invoke never frozen. */
export function keepAliveRows(results: readonly KeepAliveResult[], cost?: CycleCost): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const result of results) {
    const floor = { name: 'same invoke, back to back (never frozen)', samples: result.warm };
    for (const gapMs of [...new Set(result.pairs.map((p) => p.gapMs))]) {
      const pairs = result.pairs.filter((p) => p.gapMs === gapMs);
      const frozen = pairs.filter((p) => isFrozen(p.state)).length;
      rows.push(
        ...latencyRows(`keep-alive: grace ${result.graceMs} ms, 2nd invoke ${gapMs} ms after the 1st`, pairs.map((p) => p.ms), ['p50'], {
          baseline: floor,
          note: `${frozen}/${pairs.length} frozen or freezing when it came`,
        }),
      );
    }
    for (const [gapMs, steady] of result.steady) {
      rows.push(
        ...latencyRows(`keep-alive: grace ${result.graceMs} ms, steady stream every ${gapMs} ms`, steady.samples, ['p50'], {
          baseline: floor,
          note: `${steady.frozen}/${steady.samples.length} frozen`,
        }),
      );
    }
  }
  if (cost !== undefined) {
    rows.push(figureRow('keep-alive: engine CPU per `docker pause` + `docker unpause` (dockerd, containerd, shims)', 'p50', cost.engineCpuMsPerCycle, { note: 'CPU ms per cycle, mean' }));
    if (cost.idleRuntimeCpuMsPerSecond !== undefined) {
      rows.push(figureRow('keep-alive: CPU of an idle thawed Node runtime', 'p50', cost.idleRuntimeCpuMsPerSecond, { note: 'CPU ms per second, mean' }));
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const graces = (process.env.BENCH_KEEPALIVE_GRACES ?? '0,100,250').split(',').map(Number);
  const results = await measureKeepAlive({
    graces,
    reps: Number(process.env.BENCH_KEEPALIVE_REPS ?? 8),
    freeze: process.env.LAMBDOCK_FREEZE === 'cgroup' ? 'cgroup' : 'docker',
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const cost = await measureCycleCost(Number(process.env.BENCH_KEEPALIVE_CYCLES ?? 30));
  process.stdout.write(`${renderTable(keepAliveRows(results, cost))}\n`);
  process.stdout.write(`${JSON.stringify(results.map((r) => ({ grace: r.graceMs, pairs: r.pairs })))}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
