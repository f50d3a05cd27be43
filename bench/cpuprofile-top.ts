/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time by function (top N), and by where the
 * code lives (lambdock's src/, each package in node_modules, Node's own, V8's pseudo-frames).
 *
 *   npx tsx bench/cpuprofile-top.ts /tmp/warm-prof/CPU.….cpuprofile [20] [--window=<from µs>-<to µs>]
 *
 * The window (the monotonic clock in µs, which V8's profile timestamps use: bench/profile-warm.ts prints
 * the one of its measured loop) keeps the samples taken in it only. A third table charges each sample to
 * the nearest frame of lambdock's own code (src/) on its stack: what each of its steps costs, callees
 * (Node, packages) included.
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function placeOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1] as string;
  const src = /\/(src|bench|test)\/(.*)$/.exec(url);
  if (src) return `${src[1]}/${(src[2] as string).split('/').slice(0, -1).join('/') || '.'}`;
  return url;
}

async function main(): Promise<void> {
  const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const windowArg = process.argv.find((a) => a.startsWith('--window='))?.slice('--window='.length);
  const [from, to] = windowArg === undefined ? [-Infinity, Infinity] : windowArg.split('-').map(Number);
  const [file, topArg] = positional;
  if (file === undefined) throw new Error('usage: cpuprofile-top.ts <file.cpuprofile> [top]');
  const top = Number(topArg ?? 20);
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  let totalUs = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    if (at < (from as number) || at > (to as number)) return;
    totalUs += delta;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const byOwnFrame = new Map<string, number>();
  for (const [id, us] of selfUs) {
    let node: ProfileNode | undefined = byId.get(id);
    while (node !== undefined && !/\/src\//.test(node.callFrame.url)) {
      const parent = parentOf.get(node.id);
      node = parent === undefined ? undefined : byId.get(parent);
    }
    const frame = node?.callFrame;
    const key = frame === undefined ? `(no src/ frame: ${placeOf((byId.get(id) as ProfileNode).callFrame.url, (byId.get(id) as ProfileNode).callFrame.functionName)})` : `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/src\//, 'src/')}`;
    byOwnFrame.set(key, (byOwnFrame.get(key) ?? 0) + us);
  }
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    const where = frame.url === '' ? '' : ` ${frame.url.replace(/^file:\/\/.*?\/(node_modules|src|bench|test)\//, '$1/')}:${frame.lineNumber + 1}`;
    const key = `${frame.functionName || '(anonymous)'}${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const place = placeOf(frame.url, frame.functionName);
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / totalUs).toFixed(1)}%`;
  const line = (name: string, us: number) => `| ${name.replaceAll('|', '/')} | ${(us / 1000).toFixed(0)} | ${pct(us)} |`;
  const rows = (map: Map<string, number>, n: number) =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => line(name, us));
  process.stdout.write(`profile ${file}: ${(totalUs / 1e6).toFixed(2)} s of samples${windowArg === undefined ? '' : ` in the window ${windowArg}`}\n\n`);
  process.stdout.write(['| function (self time) | ms | share |', '|---|---|---|', ...rows(byFunction, top)].join('\n') + '\n\n');
  process.stdout.write(['| where (self time) | ms | share |', '|---|---|---|', ...rows(byPlace, 25)].join('\n') + '\n\n');
  process.stdout.write(['| nearest src/ frame (its callees included) | ms | share |', '|---|---|---|', ...rows(byOwnFrame, top)].join('\n') + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
