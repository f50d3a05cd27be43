/**
 * `npm run bench:placement`: placement at scale, simulated. The real Redis scripts and classes of the
 * scheduler (Placer: lease + warm-registry claim in one round trip; RedisConcurrencyLeases; RedisWarmRegistry;
 * RedisWorkerRegistry) drive 100 simulated workers (no Docker: an "environment" is a counter, an invocation
 * a timer) holding 2,000 functions, in bursts of 5,000 concurrent invocations. Four Placer instances stand
 * for four api processes, each with its own Redis connection. During the last burst 10 workers are killed
 * (they stop renewing and never release); after the lease TTL no slot may remain taken.
 *
 * Prints one table and writes it into bench/RESULTS.md (its own section, replaced on each run).
 */
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { FunctionVersionRecord } from '../src/control-plane/function-model.js';
import { getEnvironmentKey } from '../src/control-plane/function-model.js';
import { redisKeys } from '../src/control-plane/store/redis-keys.js';
import { RedisConcurrencyLeases } from '../src/invocation/concurrency/redis-concurrency-leases.js';
import { Placer } from '../src/scheduler/placer.js';
import { RedisWarmRegistry } from '../src/scheduler/redis-warm-registry.js';
import { RedisWorkerRegistry } from '../src/scheduler/redis-worker-registry.js';
import { removeRedisKeys } from '../test/helpers/role-settings.js';

const WORKERS = 100;
const FUNCTIONS = 2_000;
const BURST = 5_000;
const BURSTS = 3;
const APIS = 4;
const KILLED = 10;
const MEMORY_MB = 128;
/** Each simulated worker has room for this many 128 MB environments. */
const ROOM = 80;
const LEASE_TTL_MS = 3_000;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `bench-placement-${randomUUID().slice(0, 8)}`;

/** A function version record as the api would hold it (only what placement reads matters). */
function recordOf(i: number): FunctionVersionRecord {
  return {
    name: `fn-${i}`,
    version: '$LATEST',
    code: { sha256Hex: `${i}`.padStart(64, '0') },
    runtime: 'nodejs20.x',
    handler: 'index.handler',
    memorySize: MEMORY_MB,
    timeout: 3,
    ephemeralStorageSize: 512,
    environment: {},
    architectures: ['x86_64'],
  } as unknown as FunctionVersionRecord;
}

/** Popularity as real fleets have it: a few functions take most invocations (Zipf, s = 1). */
function zipfPicker(n: number, random: () => number): () => number {
  const weights = Array.from({ length: n }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) cumulative.push((sum += w / total));
  return () => {
    const r = random();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] ?? 1) < r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A worker without Docker: environments are counts, an invocation holds one for `ms`. */
class SimWorker {
  readonly envs = new Map<string, { idle: number; all: number }>();
  usedMb = 0;
  served = 0;
  dead = false;
  /** Leases of the invocations running here now. */
  readonly inFlight = new Set<string>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    readonly id: string,
    readonly redis: Redis,
    private readonly leases: RedisConcurrencyLeases,
    private readonly warm: RedisWarmRegistry,
    private readonly registry: RedisWorkerRegistry,
  ) {
    this.heartbeat = setInterval(() => void this.announce().catch(() => undefined), 2_000);
  }

  announce(): Promise<void> {
    return this.registry.announce({
      id: this.id,
      url: `sim://${this.id}`,
      capacity: { memoryBudgetMb: ROOM * MEMORY_MB, memoryUsedMb: this.usedMb, environments: this.usedMb / MEMORY_MB },
    });
  }

  /** Takes the invocation (a free environment, or room for a new one) or refuses it as full. */
  async accept(key: string, name: string, leaseId: string, ms: number): Promise<'ok' | 'full' | 'unreachable'> {
    if (this.dead) return 'unreachable';
    const lease = this.leases.adopt(name, leaseId);
    const occupancy = this.envs.get(key) ?? { idle: 0, all: 0 };
    this.envs.set(key, occupancy);
    if (occupancy.idle > 0) occupancy.idle -= 1;
    else if (this.usedMb + MEMORY_MB <= ROOM * MEMORY_MB) {
      occupancy.all += 1;
      this.usedMb += MEMORY_MB;
    } else if (occupancy.all > 0 && this.evictIdle()) {
      occupancy.all += 1;
      this.usedMb += MEMORY_MB;
    } else {
      lease.handOver();
      return 'full';
    }
    this.warm.report(key, { ...occupancy });
    this.served += 1;
    this.inFlight.add(leaseId);
    await sleep(ms);
    if (this.dead) return 'ok'; // killed mid-invocation: nothing is released, the lease must lapse
    this.inFlight.delete(leaseId);
    occupancy.idle += 1;
    this.warm.report(key, { ...occupancy });
    lease.release();
    return 'ok';
  }

  /** Makes room by dropping one idle environment of another key (least recently used is not modelled). */
  private evictIdle(): boolean {
    for (const [key, occupancy] of this.envs) {
      if (occupancy.idle > 0) {
        occupancy.idle -= 1;
        occupancy.all -= 1;
        this.usedMb -= MEMORY_MB;
        this.warm.report(key, { ...occupancy });
        return true;
      }
    }
    return false;
  }

  kill(): void {
    this.dead = true;
    clearInterval(this.heartbeat);
    this.leases.close(); // stops renewing, as a process killed with -9
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.leases.close();
    await this.warm.withdraw().catch(() => undefined);
    await this.redis.quit();
  }
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

async function commandsSoFar(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let calls = 0;
  for (const match of info.matchAll(/calls=(\d+)/g)) calls += Number(match[1]);
  return calls;
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return field('used_cpu_sys') + field('used_cpu_user');
}

async function main(): Promise<void> {
  const admin = new Redis(redisUrl);
  const random = mulberry32(7);
  const pick = zipfPicker(FUNCTIONS, random);
  const records = Array.from({ length: FUNCTIONS }, (_, i) => recordOf(i));
  const keys = records.map((r) => getEnvironmentKey(r));
  const noop = () => undefined;

  const workers: SimWorker[] = [];
  for (let i = 0; i < WORKERS; i += 1) {
    const redis = new Redis(redisUrl);
    const id = `sim-${String(i).padStart(3, '0')}`;
    const worker = new SimWorker(
      id,
      redis,
      new RedisConcurrencyLeases(redis, prefix, { accountLimit: 100_000, ttlMs: LEASE_TTL_MS, renewEveryMs: 1_000 }),
      new RedisWarmRegistry(redis, prefix, id, noop),
      new RedisWorkerRegistry(redis, prefix),
    );
    await worker.announce();
    workers.push(worker);
  }
  const byId = new Map(workers.map((w) => [w.id, w]));
  let registryReads = 0;
  const apis = Array.from({ length: APIS }, () => {
    const redis = new Redis(redisUrl);
    const registry = new RedisWorkerRegistry(redis, prefix);
    const counted = { ...registry, listLive: () => ((registryReads += 1), registry.listLive()) } as unknown as RedisWorkerRegistry;
    const concurrency = new RedisConcurrencyLeases(redis, prefix, { accountLimit: 100_000, ttlMs: LEASE_TTL_MS });
    return { redis, concurrency, placer: new Placer({ registry: counted, warm: new RedisWarmRegistry(redis, prefix, 'api', noop), concurrency }) };
  });

  const decisions: number[] = [];
  const attempts: number[] = [];
  let throttled = 0;
  let decisionWallMs = 0;
  let warmHits = 0;
  const commandsBefore = await commandsSoFar(admin);
  const redisCpuBefore = await redisCpuSeconds(admin);
  const burstsBegan = performance.now();
  let leasesOfKilled = 0;
  let killedLeaseIds: string[] = [];

  for (let burst = 0; burst < BURSTS; burst += 1) {
    const last = burst === BURSTS - 1;
    let firstAt = Number.POSITIVE_INFINITY;
    let lastAt = 0;
    // Halfway through the last burst (by the first bursts' pace), 10 workers die with invocations running.
    const killer = !last
      ? Promise.resolve()
      : sleep(decisionWallMs / burst / 2).then(async () => {
          for (const worker of workers.slice(0, KILLED)) worker.kill();
          killedLeaseIds = workers.slice(0, KILLED).flatMap((w) => [...w.inFlight]);
          // Still taken in Redis at the moment of the kill (each is in the account's pool).
          const scores = killedLeaseIds.length === 0 ? [] : await admin.zmscore(redisKeys.unreservedLeases(prefix), ...killedLeaseIds);
          leasesOfKilled = scores.filter((score) => score !== null).length;
        });
    const runs = Array.from({ length: BURST }, async (_, n) => {
      const fn = pick();
      const record = records[fn] as FunctionVersionRecord;
      const key = keys[fn] as string;
      const api = apis[n % APIS] as (typeof apis)[number];
      const began = performance.now();
      firstAt = Math.min(firstAt, began);
      const placement = await api.placer.place(record);
      const decided = performance.now();
      lastAt = Math.max(lastAt, decided);
      decisions.push(decided - began);
      if (placement.warm) warmHits += 1;
      let tries = 0;
      for (const worker of placement.order) {
        tries += 1;
        const answer = await (byId.get(worker.id) as SimWorker).accept(key, record.name, placement.leaseId, 20 + Math.floor(random() * 80));
        if (answer === 'ok') {
          attempts.push(tries);
          return;
        }
      }
      throttled += 1;
      api.concurrency.adopt(record.name, placement.leaseId).release();
    });
    // Spread the burst's arrivals over the event loop as sockets would bring them.
    await Promise.all([...runs, killer]);
    decisionWallMs += lastAt - firstAt;
    await sleep(300);
  }
  const commands = (await commandsSoFar(admin)) - commandsBefore;
  const redisBusy = (await redisCpuSeconds(admin)) - redisCpuBefore;
  const burstsWallS = (performance.now() - burstsBegan) / 1000;

  // One at a time, for the decision's own cost (round trip and all) without a burst's queue in front of it.
  const alone: number[] = [];
  for (let n = 0; n < 2_000; n += 1) {
    const fn = pick();
    const record = records[fn] as FunctionVersionRecord;
    const api = apis[n % APIS] as (typeof apis)[number];
    const began = performance.now();
    const placement = await api.placer.place(record);
    alone.push(performance.now() - began);
    api.concurrency.adopt(record.name, placement.leaseId).release();
  }
  alone.sort((a, b) => a - b);

  // The killed workers' leases lapse within the TTL; nothing else holds any now.
  await sleep(LEASE_TTL_MS + 1_000);
  const now = Date.now();
  let leaked = await admin.zcount(redisKeys.unreservedLeases(prefix), now, '+inf');
  for (const record of records) leaked += await admin.zcount(redisKeys.functionLeases(prefix, record.name), now, '+inf');
  const killedStillHeld =
    killedLeaseIds.length === 0 ? 0 : (await admin.zmscore(redisKeys.unreservedLeases(prefix), ...killedLeaseIds)).filter((s) => s !== null && Number(s) > now).length;
  leaked = Math.max(leaked, killedStillHeld);

  const live = workers.slice(KILLED);
  const served = live.map((w) => w.served).sort((a, b) => a - b);
  const mean = served.reduce((a, b) => a + b, 0) / served.length;
  const cv = Math.sqrt(served.reduce((a, b) => a + (b - mean) ** 2, 0) / served.length) / mean;
  const envs = live.map((w) => w.usedMb / MEMORY_MB).sort((a, b) => a - b);
  const sortedDecisions = [...decisions].sort((a, b) => a - b);
  const total = BURST * BURSTS;
  const rows: Array<[string, string]> = [
    ['placement decisions per second (4 Placers in one Node process)', Math.round(decisions.length / (decisionWallMs / 1000)).toLocaleString('en-US')],
    ['decision latency p50 / p99 (ms), one at a time', `${quantile(alone, 0.5).toFixed(3)} / ${quantile(alone, 0.99).toFixed(3)}`],
    ['decision latency p50 / p99 (ms), 5,000 arriving at once (mostly their wait for this process)', `${quantile(sortedDecisions, 0.5).toFixed(0)} / ${quantile(sortedDecisions, 0.99).toFixed(0)}`],
    ['Redis round trips per invocation on the api path', `1 (lease + warm claim, pipelined) + ${(registryReads / total).toFixed(4)} (live workers, read once a second)`],
    ['Redis commands per invocation, every process (inside scripts included)', (commands / total).toFixed(2)],
    ['Redis server CPU during the bursts (one core = 100%)', `${Math.round((redisBusy / burstsWallS) * 100)}%`],
    ['invocations served warm (claimed idle environment)', `${((warmHits / total) * 100).toFixed(1)}%`],
    ['workers tried per invocation, mean / max', `${(attempts.reduce((a, b) => a + b, 0) / attempts.length).toFixed(3)} / ${Math.max(...attempts)}`],
    ['invocations refused everywhere (throttled)', String(throttled)],
    ['load spread over the 90 live workers: invocations min / mean / max (CV)', `${served[0]} / ${Math.round(mean)} / ${served.at(-1)} (${cv.toFixed(2)})`],
    ['environments per live worker at the end, min / max (room for 80)', `${envs[0]} / ${envs.at(-1)}`],
    ['leases held by the 10 killed workers when killed', String(leasesOfKilled)],
    [`slots leaked ${LEASE_TTL_MS / 1000 + 1} s after killing ${KILLED} workers (must be 0)`, String(leaked)],
  ];
  const table = [
    `| ${WORKERS} simulated workers × ${FUNCTIONS.toLocaleString('en-US')} functions × ${BURSTS} bursts of ${BURST.toLocaleString('en-US')} concurrent invocations | value |`,
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
  ].join('\n');
  console.log(table);

  const section = [
    '## Placement at scale, simulated (`npm run bench:placement`)',
    '',
    'bench/placement.ts: the real Redis scripts and scheduler classes (Placer, RedisConcurrencyLeases,',
    'RedisWarmRegistry, RedisWorkerRegistry), simulated workers without Docker (an environment is a count, an',
    'invocation a 20–100 ms timer), Zipf popularity over the functions, 4 Placers standing for 4 api processes.',
    `10 workers are killed halfway through the last burst (no release, no renewal); lease TTL ${LEASE_TTL_MS / 1000} s for the run.`,
    `Run ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, Redis on localhost.`,
    '',
    table,
    '',
  ].join('\n');
  const resultsPath = path.join(import.meta.dirname, 'RESULTS.md');
  const results = await readFile(resultsPath, 'utf8').catch(() => '# Benchmark results\n');
  const start = results.indexOf('## Placement at scale, simulated');
  const end = start < 0 ? -1 : results.indexOf('\n## ', start + 1);
  const updated = start < 0 ? `${results.trimEnd()}\n\n${section}` : `${results.slice(0, start)}${section}${end < 0 ? '' : results.slice(end + 1)}`;
  await writeFile(resultsPath, updated);

  for (const worker of workers) if (!worker.dead) await worker.close();
  for (const worker of workers) if (worker.dead) await worker.redis.quit();
  for (const api of apis) {
    api.concurrency.close();
    await api.redis.quit();
  }
  await removeRedisKeys(admin, prefix);
  await admin.quit();
}

await main();
