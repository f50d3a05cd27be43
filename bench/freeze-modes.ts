/**
 * Thaw per freeze mode: one warm Node environment in a lambdock with LAMBDOCK_FREEZE=docker and one in a
 * lambdock with LAMBDOCK_FREEZE=cgroup, each frozen after its pause grace and invoked again (thaw →
 * answer), beside the engine's own `docker unpause` call on a paused container, a bare write of a
 * freezer cgroup and the same invoke never frozen. The cycles of the first four interleave, so that the
 * machine's drift hits each alike. Part of `npm run bench`; alone: `npx tsx bench/freeze-modes.ts`
 * (BENCH_THAW_RUNS cycles, 40 by default).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { startTestLambdock, type TestLambdock } from '../test/helpers/test-lambdock.js';
import { nodeZip } from '../test/helpers/zip.js';

export interface FreezeRow {
  scenario: string;
  samples: number[];
  target?: string;
}

const HANDLER = 'exports.handler = async (event) => ({ ok: true, echo: event.n ?? null });';
const FREEZER = '/sys/fs/cgroup/freezer/docker';

interface Subject {
  t: TestLambdock;
  http: Pool;
}

async function startSubject(mode: 'docker' | 'cgroup'): Promise<Subject> {
  const t = await startTestLambdock({ LAMBDOCK_FREEZE: mode, LAMBDOCK_PAUSE_GRACE_MS: '50', LAMBDOCK_LOG_LEVEL: 'warn' }, 'bench');
  await t.createFunction({ FunctionName: 'thaw', Code: { ZipFile: await nodeZip(HANDLER) } });
  return { t, http: new Pool(t.url, { connections: 8, pipelining: 1 }) };
}

async function invoke(subject: Subject, n: number): Promise<number> {
  const started = performance.now();
  const res = await subject.http.request({ method: 'POST', path: '/2015-03-31/functions/thaw/invocations', body: JSON.stringify({ n }) });
  const body = await res.body.text();
  const elapsed = performance.now() - started;
  if (res.statusCode !== 200 || !body.includes(`"echo":${n}`)) throw new Error(`unexpected answer ${res.statusCode}: ${body}`);
  return elapsed;
}

/** Waits until the subject's environment is frozen (its pause grace grows to at most 1 s when invoked steadily). */
async function waitForPaused(subject: Subject): Promise<void> {
  const sandbox = () => subject.t.lambdock.pool.list().find((s) => s.plan.functionName === 'thaw');
  for (let w = 0; w < 300 && sandbox()?.currentState.kind !== 'Paused'; w += 1) await sleep(10);
  if (sandbox()?.currentState.kind !== 'Paused') throw new Error('the sandbox did not freeze');
}

export async function measureFreezeModes(runs: number): Promise<FreezeRow[]> {
  const docker = await startSubject('docker');
  const cgroup = await startSubject('cgroup').catch(async (error: unknown) => {
    await docker.http.close();
    await docker.t.close();
    throw error;
  });
  const subjects = [docker, cgroup];
  const idle = await docker.t.lambdock.docker.createContainer({
    Image: 'lambdock-runtime:provided',
    Entrypoint: ['sleep', '600'],
    Labels: { 'lambdock.managed': 'true', 'lambdock.instance': docker.t.instanceId },
    HostConfig: { Init: true, NetworkMode: 'none' },
  });
  const samples = { docker: [] as number[], cgroup: [] as number[], unpause: [] as number[], write: [] as number[], warm: [] as number[] };
  try {
    await idle.start();
    const idleState = `${FREEZER}/${idle.id}/freezer.state`;
    for (const subject of subjects) for (let i = 0; i < 20; i += 1) await invoke(subject, i);
    for (let i = 0; i < runs; i += 1) {
      await waitForPaused(docker);
      samples.docker.push(await invoke(docker, i));
      await waitForPaused(cgroup);
      samples.cgroup.push(await invoke(cgroup, i));

      await idle.pause();
      await sleep(20);
      let started = performance.now();
      await idle.unpause();
      samples.unpause.push(performance.now() - started);

      if (existsSync(idleState)) {
        writeFileSync(idleState, 'FROZEN');
        while (readFileSync(idleState, 'utf8').trim() !== 'FROZEN') await sleep(1);
        await sleep(20);
        started = performance.now();
        writeFileSync(idleState, 'THAWED');
        samples.write.push(performance.now() - started);
      }
    }
    // What a thaw adds to: the same invoke, back to back, never frozen.
    for (let i = 0; i < runs; i += 1) samples.warm.push(await invoke(cgroup, i));
  } finally {
    await idle.remove({ force: true }).catch(() => undefined);
    for (const subject of subjects) {
      await subject.http.close();
      await subject.t.close();
    }
  }
  return [
    { scenario: 'lambdock thaw, LAMBDOCK_FREEZE=docker (`docker unpause`)', samples: samples.docker },
    { scenario: 'lambdock thaw, LAMBDOCK_FREEZE=cgroup (freezer cgroup write)', samples: samples.cgroup, target: '≤ 0.5× `docker unpause` p50' },
    { scenario: 'engine floor: `docker unpause` API call alone (same cycles)', samples: samples.unpause },
    ...(samples.write.length === 0 ? [] : [{ scenario: 'floor: `freezer.state` ← THAWED write alone', samples: samples.write }]),
    { scenario: 'floor: the same invoke, back to back, not frozen', samples: samples.warm },
  ];
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

const format = (ms: number) => (ms < 1 ? ms.toFixed(3) : ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

async function main(): Promise<void> {
  const rows = await measureFreezeModes(Number(process.env.BENCH_THAW_RUNS ?? 40));
  const unpauseP50 = percentile([...(rows[2]?.samples ?? [])].sort((a, b) => a - b), 50);
  const lines = ['| scenario | n | p50 ms | p99 ms | p50 ÷ `docker unpause` p50 |', '|---|---|---|---|---|'];
  for (const row of rows) {
    const sorted = [...row.samples].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    lines.push(`| ${row.scenario} | ${sorted.length} | ${format(p50)} | ${format(percentile(sorted, 99))} | ${(p50 / unpauseP50).toFixed(2)} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
