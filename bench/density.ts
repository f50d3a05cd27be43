/**
 * Density: how many frozen Node environments one lambdock holds, and what each costs. Creates
 * BENCH_DENSITY_N functions (128 MB each, a trivial handler), invokes each once and waits until it is
 * frozen, then reads every environment's memory cgroup (memory.stat rss + cache, memory.usage_in_bytes;
 * cgroup v1 under <root>/memory/docker/<id>/, v2 under <root>/docker/<id>/) and its network holder's, the
 * host's available memory before and after, and times the thaw + invoke of environments picked at random.
 * It stops by itself when the host's available memory falls below BENCH_DENSITY_FLOOR_MB (5,120 by
 * default: the machine is shared) or its tasks pass BENCH_DENSITY_PID_SHARE of kernel.pid_max (0.85), and
 * reports how far it got and what stopped it. Everything it created
 * goes with its lambdock at the end.
 *
 * Part of `npm run bench` (a small N); alone: `npm run bench:density` (BENCH_DENSITY_N=1000 for the full run).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { startTestLambdock } from '../test/helpers/test-lambdock.js';
import { nodeZip } from '../test/helpers/zip.js';
import { getCgroupDirCandidates } from '../src/docker/container-cgroup.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';

const HANDLER = 'exports.handler = async (event) => ({ ok: true, echo: event.n ?? null });';
const CGROUP_ROOT = process.env.LAMBDOCK_CGROUP_ROOT ?? '/sys/fs/cgroup';

export interface DensityOptions {
  /** Environments to create (each of a function of its own). */
  count: number;
  /** Stop creating when the host's available memory falls below this (MB). */
  floorMb: number;
  /** …or when the host's tasks pass this share of kernel.pid_max. */
  pidShare: number;
  /** Random thaws timed at the end. */
  thaws: number;
  /** Extra settings of the lambdock under test (e.g. a memory budget, Node options). */
  env?: Record<string, string>;
  /** Environments created at once. */
  parallel?: number;
  log?: (line: string) => void;
}

export interface CgroupMemory {
  /** memory.usage_in_bytes (v1) / memory.current (v2), MB. */
  usageMb: number;
  /** Anonymous memory (memory.stat rss, v2 anon), MB. */
  rssMb: number;
  /** Page cache (memory.stat cache, v2 file), MB. */
  cacheMb: number;
}

export interface DensityResult {
  asked: number;
  /** Environments created and frozen. */
  frozen: number;
  /** Why it stopped before `asked`, if it did. */
  stoppedBy?: string;
  /** Per frozen environment, the runtime container's cgroup. */
  runtime: CgroupMemory[];
  /** Per frozen environment, its network holder's cgroup. */
  holder: CgroupMemory[];
  /** The host's MemAvailable before the first and after the last, MB. */
  availableBeforeMb: number;
  availableAfterMb: number;
  /** Thaw + invoke of a random frozen environment, ms. */
  thawMs: number[];
  /** The same invoke of a thawed environment, back to back, ms. */
  warmMs: number[];
  /** Wall time to create and freeze them all, ms. */
  createMs: number;
  /** The lambdock's own process RSS growth, MB. */
  lambdockRssGrowthMb: number;
  /** Tasks (processes and threads: each takes a pid of kernel.pid_max) on the host before and after. */
  tasksBefore: number;
  tasksAfter: number;
  pidMax: number;
  /** /proc/meminfo's kernel figures (Slab, KernelStack, PageTables, Percpu) before and after, MB. */
  kernelBeforeMb: number;
  kernelAfterMb: number;
  /** Proportional set size of the engine's processes (dockerd, containerd, its shims) before and after, MB. */
  engineBeforeMb: number;
  engineAfterMb: number;
  /** What went wrong removing everything at the end, if anything did. */
  cleanupError?: string;
  /** Tasks of the environments' own containers and their shims, per environment. */
  ownTasksPerEnv: number;
  /** PSS of the environments' shims (one per container: the runtime's and its network holder's), per environment, MB. */
  shimMbPerEnv: number;
}

/** The tasks (threads) in container `id`'s pids cgroup (v1), or its cgroup (v2). */
function readCgroupTasks(id: string, root = CGROUP_ROOT): number | undefined {
  for (const file of [`${root}/pids/docker/${id}/tasks`, `${root}/docker/${id}/cgroup.threads`]) {
    try {
      return readFileSync(file, 'utf8').trim().split('\n').filter((line) => line !== '').length;
    } catch {
      // not this layout
    }
  }
  return undefined;
}

/** Per container id, its containerd shim's threads and PSS (MB). */
function readShims(): Map<string, { tasks: number; pssMb: number }> {
  const shims = new Map<string, { tasks: number; pssMb: number }>();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('containerd-shim')) continue;
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const id = args[args.indexOf('-id') + 1];
      if (id === undefined || args.indexOf('-id') < 0) continue;
      const pss = Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) / 1024;
      shims.set(id, { tasks: readdirSync(`/proc/${pid}/task`).length, pssMb: pss });
    } catch {
      // gone meanwhile
    }
  }
  return shims;
}

/** Every task (process or thread) on the host: what kernel.pid_max bounds. */
export function countTasks(): number {
  let tasks = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      tasks += readdirSync(`/proc/${pid}/task`).length;
    } catch {
      // gone meanwhile
    }
  }
  return tasks;
}

function kernelMemoryMb(): number {
  const info = readFileSync('/proc/meminfo', 'utf8');
  return ['Slab', 'KernelStack', 'PageTables', 'Percpu']
    .map((field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(info)?.[1] ?? 0))
    .reduce((a, b) => a + b, 0) / 1024;
}

/** PSS of dockerd, containerd and the shims (their shared pages split between them), MB. */
function engineMemoryMb(): number {
  let kb = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (!/^(dockerd|containerd|containerd-shim.*)$/.test(name)) continue;
      kb += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return kb / 1024;
}

export function readMeminfoAvailableMb(): number {
  const match = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
  return match === null ? NaN : Number(match[1]) / 1024;
}

/** The memory cgroup figures of container `id`, or undefined when the host does not expose them. */
export function readCgroupMemory(id: string, root = CGROUP_ROOT): CgroupMemory | undefined {
  for (const { version, dir } of getCgroupDirCandidates(root, id, 'memory')) {
    try {
      const stat = new Map(
        readFileSync(`${dir}/memory.stat`, 'utf8')
          .trim()
          .split('\n')
          .map((line) => line.split(' ') as [string, string]),
      );
      const usage = Number(readFileSync(`${dir}/${version === 1 ? 'memory.usage_in_bytes' : 'memory.current'}`, 'utf8').trim());
      const mb = (bytes: number) => bytes / 2 ** 20;
      return version === 1
        ? { usageMb: mb(usage), rssMb: mb(Number(stat.get('rss') ?? NaN)), cacheMb: mb(Number(stat.get('cache') ?? NaN)) }
        : { usageMb: mb(usage), rssMb: mb(Number(stat.get('anon') ?? NaN)), cacheMb: mb(Number(stat.get('file') ?? NaN)) };
    } catch {
      // not this layout
    }
  }
  return undefined;
}

export async function measureDensity(options: DensityOptions): Promise<DensityResult> {
  const log = options.log ?? (() => undefined);
  const t = await startTestLambdock(
    {
      LAMBDOCK_PAUSE_GRACE_MS: '0',
      LAMBDOCK_IDLE_TIMEOUT_MS: '3600000',
      LAMBDOCK_MAX_LOOP_DEVICES: String(options.count + 16),
      LAMBDOCK_LOG_LEVEL: 'warn',
      ...options.env,
    },
    'bench',
  );
  const http = new Pool(t.url, { connections: 16, pipelining: 1 });
  const zip = await nodeZip(HANDLER);
  const invoke = async (name: string, n: number): Promise<number> => {
    const started = performance.now();
    const res = await http.request({ method: 'POST', path: `/2015-03-31/functions/${name}/invocations`, body: JSON.stringify({ n }) });
    const body = await res.body.text();
    const elapsed = performance.now() - started;
    if (res.statusCode !== 200 || !body.includes(`"echo":${n}`)) throw new Error(`${name} answered ${res.statusCode}: ${body.slice(0, 300)}`);
    return elapsed;
  };
  const sandboxOf = (name: string): Sandbox | undefined => t.lambdock.pool.list().find((s) => s.plan.functionName === name);
  const waitFrozen = async (name: string): Promise<Sandbox> => {
    for (let w = 0; w < 500; w += 1) {
      const sandbox = sandboxOf(name);
      if (sandbox?.currentState.kind === 'Paused') return sandbox;
      await sleep(10);
    }
    throw new Error(`${name}'s environment did not freeze (${sandboxOf(name)?.currentState.kind ?? 'gone'})`);
  };
  const result: DensityResult = {
    asked: options.count,
    frozen: 0,
    runtime: [],
    holder: [],
    availableBeforeMb: readMeminfoAvailableMb(),
    availableAfterMb: NaN,
    thawMs: [],
    warmMs: [],
    createMs: 0,
    lambdockRssGrowthMb: 0,
    tasksBefore: countTasks(),
    tasksAfter: NaN,
    pidMax: Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim()),
    kernelBeforeMb: kernelMemoryMb(),
    kernelAfterMb: NaN,
    engineBeforeMb: engineMemoryMb(),
    engineAfterMb: NaN,
    ownTasksPerEnv: NaN,
    shimMbPerEnv: NaN,
  };
  const rssBefore = process.memoryUsage().rss;
  const names: string[] = [];
  const began = performance.now();
  try {
    const parallel = options.parallel ?? 4;
    let next = 0;
    let stop: string | undefined;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (stop === undefined && next < options.count) {
          const available = readMeminfoAvailableMb();
          if (available < options.floorMb) {
            stop = `the host's available memory fell to ${Math.round(available)} MB (floor ${options.floorMb} MB)`;
            return;
          }
          // Every task (thread) takes a pid: near kernel.pid_max the host, and everything else on it, can no
          // longer fork or start a thread.
          if (next % 10 === 0 && countTasks() > options.pidShare * result.pidMax) {
            stop = `the host's tasks reached ${Math.round(options.pidShare * 100)}% of kernel.pid_max (${result.pidMax})`;
            return;
          }
          const name = `density-${next}`;
          next += 1;
          try {
            await t.createFunction({ FunctionName: name, MemorySize: 128, Code: { ZipFile: zip } });
            await invoke(name, 0);
            await waitFrozen(name);
            names.push(name);
            result.frozen += 1;
            if (result.frozen % 50 === 0) {
              log(`density: ${result.frozen} frozen, host available ${Math.round(readMeminfoAvailableMb())} MB, load ${loadAverage()}`);
            }
          } catch (error) {
            stop ??= `creating ${name} failed: ${error instanceof Error ? error.message : String(error)}`;
          }
        }
      }),
    );
    if (stop !== undefined) result.stoppedBy = stop;
    result.createMs = performance.now() - began;
    // Let the last ones settle (page cache of their first invoke, the engine's bookkeeping).
    await sleep(2_000);
    result.availableAfterMb = readMeminfoAvailableMb();
    result.lambdockRssGrowthMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    result.tasksAfter = countTasks();
    result.kernelAfterMb = kernelMemoryMb();
    result.engineAfterMb = engineMemoryMb();
    const byName = new Map(t.lambdock.pool.list().map((s) => [s.plan.functionName, s]));
    const holders = await t.lambdock.docker.listContainers({
      filters: { label: [`lambdock.instance=${t.instanceId}`, 'lambdock.role=network-holder'] },
    });
    for (const name of names) {
      const id = byName.get(name)?.container;
      const memory = id === undefined ? undefined : readCgroupMemory(id);
      if (memory !== undefined) result.runtime.push(memory);
    }
    for (const holder of holders) {
      const memory = readCgroupMemory(holder.Id);
      if (memory !== undefined) result.holder.push(memory);
    }
    // Counted from the environments' own containers and shims (the host-wide figures move with whatever
    // else runs on a shared machine): every container of this lambdock, spare network holders included.
    const shims = readShims();
    const containers = await t.lambdock.docker.listContainers({ filters: { label: [`lambdock.instance=${t.instanceId}`] } });
    let tasks = 0;
    let shimMb = 0;
    for (const container of containers) {
      const shim = shims.get(container.Id);
      tasks += (readCgroupTasks(container.Id) ?? 0) + (shim?.tasks ?? 0);
      shimMb += shim?.pssMb ?? 0;
    }
    result.ownTasksPerEnv = tasks / Math.max(1, result.frozen);
    result.shimMbPerEnv = shimMb / Math.max(1, result.frozen);
    // Thaw any one of them: random picks, each frozen again before the next pick can land on it.
    for (let i = 0; i < options.thaws && names.length > 0; i += 1) {
      const name = names[Math.floor(Math.random() * names.length)] as string;
      await waitFrozen(name);
      result.thawMs.push(await invoke(name, i + 1));
      result.warmMs.push(await invoke(name, i + 2));
    }
  } finally {
    await http.close();
    log(`density: removing ${t.lambdock.pool.size} environments…`);
    // A failure to tidy up (the engine has been seen to refuse removing the network of a thousand
    // containers just removed: "has active endpoints") is reported, not allowed to lose the figures.
    await t.close().catch((error: unknown) => {
      result.cleanupError = error instanceof Error ? error.message : String(error);
      log(`density: closing the lambdock failed: ${result.cleanupError}`);
    });
  }
  return result;
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil(q * values.length) - 1)] ?? NaN;

/** One paragraph of what a density run found, for the console and RESULTS.md. */
export function describeDensity(r: DensityResult): string {
  const n = Math.max(1, r.frozen);
  const hostPerEnv = (r.availableBeforeMb - r.availableAfterMb) / n;
  return [
    `${r.frozen} of ${r.asked} environments created and frozen in ${(r.createMs / 1000).toFixed(0)} s` +
      (r.stoppedBy === undefined ? '' : ` (stopped: ${r.stoppedBy})`) +
      '.',
    `Runtime container's cgroup, median: usage ${median(r.runtime.map((m) => m.usageMb)).toFixed(1)} MB ` +
      `(rss ${median(r.runtime.map((m) => m.rssMb)).toFixed(1)}, cache ${median(r.runtime.map((m) => m.cacheMb)).toFixed(1)}); ` +
      `network holder's: usage ${median(r.holder.map((m) => m.usageMb)).toFixed(2)} MB.`,
    `Host available memory ${Math.round(r.availableBeforeMb)} → ${Math.round(r.availableAfterMb)} MB: ` +
      `${hostPerEnv.toFixed(1)} MB per environment, all included (containers, shims, engine, kernel, lambdock ` +
      `${r.lambdockRssGrowthMb.toFixed(0)} MB).`,
    `Per environment, its own containers and shims: ${r.ownTasksPerEnv.toFixed(1)} tasks, shims' PSS ${r.shimMbPerEnv.toFixed(2)} MB. ` +
      `Host-wide per environment: ${((r.tasksAfter - r.tasksBefore) / n).toFixed(1)} tasks (pids; kernel.pid_max ${r.pidMax}, ${r.tasksAfter} in use), ` +
      `kernel ${((r.kernelAfterMb - r.kernelBeforeMb) / n).toFixed(2)} MB, engine processes' PSS ${((r.engineAfterMb - r.engineBeforeMb) / n).toFixed(2)} MB.`,
    `Thaw + invoke of a random one: p50 ${median(r.thawMs).toFixed(2)} ms, p99 ${quantile(r.thawMs, 0.99).toFixed(2)} ms ` +
      `(the same invoke thawed: p50 ${median(r.warmMs).toFixed(2)} ms).`,
  ].join(' ');
}

async function main(): Promise<void> {
  const result = await measureDensity({
    count: Number(process.env.BENCH_DENSITY_N ?? 100),
    floorMb: Number(process.env.BENCH_DENSITY_FLOOR_MB ?? 5_120),
    pidShare: Number(process.env.BENCH_DENSITY_PID_SHARE ?? 0.85),
    thaws: Number(process.env.BENCH_DENSITY_THAWS ?? 40),
    parallel: Number(process.env.BENCH_DENSITY_PARALLEL ?? 4),
    env: process.env.BENCH_DENSITY_NODE_OPTIONS === undefined ? {} : { LAMBDOCK_RUNTIME_NODE_OPTIONS: process.env.BENCH_DENSITY_NODE_OPTIONS },
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`${describeDensity(result)}\n`);
  process.stdout.write(`${JSON.stringify({ ...result, runtime: result.runtime.slice(0, 5), holder: result.holder.slice(0, 5) })}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
