import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { startTestLambdock } from '../test/helpers/test-lambdock.js';
import { nodeZip } from '../test/helpers/zip.js';
const HANDLER = 'exports.handler = async (event) => ({ ok: true, echo: event.n ?? null });';
const pct = (a: number[], p: number) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!.toFixed(2); };
async function main() {
  const t = await startTestLambdock({ LAMBDOCK_PAUSE_GRACE_MS: '50' }, 'bench');
  const http = new Pool(t.lambdock.url, { connections: 8, pipelining: 1 });
  const zip = await nodeZip(HANDLER);
  const invoke = async (name: string, n: number, tail = false) => {
    const started = performance.now();
    const res = await http.request({ method: 'POST', path: `/2015-03-31/functions/${name}/invocations`, body: JSON.stringify({ n }), headers: tail ? { 'x-amz-log-type': 'Tail' } : {} });
    const body = await res.body.text();
    const e = performance.now() - started;
    if (!body.includes(`"echo":${n}`)) throw new Error(body);
    return e;
  };
  try {
    const cold: number[] = [];
    const N = Number(process.env.COLD ?? 5); for (let i = 0; i <= N; i += 1) await t.createFunction({ FunctionName: `c${i}`, Code: { ZipFile: zip } });
    await invoke(`c${N}`, 0);
    for (let i = 0; i < N; i += 1) { await sleep(1000); cold.push(await invoke(`c${i}`, i)); }
    if (process.env.COLD_ONLY) { console.log(`RESULT ${process.env.LABEL} cold p50 ${pct(cold, 50)} all ${cold.map((c) => c.toFixed(0)).join(" ")}`); return; }
    await t.createFunction({ FunctionName: 'warm', Code: { ZipFile: zip } });
    for (let i = 0; i < 50; i += 1) await invoke('warm', i);
    const warm: number[] = []; for (let i = 0; i < 2000; i += 1) warm.push(await invoke('warm', i));
    const tail: number[] = []; for (let i = 0; i < 500; i += 1) tail.push(await invoke('warm', i, true));
    const thaw: number[] = [];
    const sb = () => t.lambdock.pool.list().find((s) => s.plan.functionName === 'warm');
    for (let i = 0; i < 30; i += 1) { for (let w = 0; w < 100 && sb()?.currentState.kind !== 'Paused'; w += 1) await sleep(10); thaw.push(await invoke('warm', i)); }
    console.log(`RESULT ${process.env.LABEL} cold p50 ${pct(cold, 50)} | warm p50 ${pct(warm, 50)} p99 ${pct(warm, 99)} | tail p50 ${pct(tail, 50)} p99 ${pct(tail, 99)} | thaw p50 ${pct(thaw, 50)} p95 ${pct(thaw, 95)}`);
  } finally { await http.close(); await t.close(); }
}
void main();
