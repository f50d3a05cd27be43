import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../src/docker/container-driver.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { makeZip } from '../helpers/zip.js';

/** Reports what the environment it runs in looks like. */
const PROBE = `const fs = require('fs');
const { execSync } = require('child_process');
const loadedAt = Date.now();
exports.main = async () => ({
  marker: process.env.MARKER,
  myVar: process.env.MY_VAR,
  handler: process.env._HANDLER,
  name: process.env.AWS_LAMBDA_FUNCTION_NAME,
  wrapper: process.env.AWS_LAMBDA_EXEC_WRAPPER ?? null,
  runtimeApi: process.env.AWS_LAMBDA_RUNTIME_API,
  cwd: process.cwd(),
  files: fs.readdirSync('/var/task').sort(),
  limit: (() => { try { return fs.readFileSync('/sys/fs/cgroup/memory/memory.limit_in_bytes', 'utf8').trim(); } catch { return null; } })(),
  tmpKb: Number(execSync('df -k /tmp').toString().trim().split('\\n').pop().split(/\\s+/)[1]),
  heapMb: Math.round(require('v8').getHeapStatistics().heap_size_limit / 1048576),
  loadedAt,
});`;

const probeZip = () => makeZip({ 'app.js': PROBE, 'data/extra.txt': 'extra' });

interface Probe {
  marker: string;
  myVar: string;
  handler: string;
  name: string;
  wrapper: string | null;
  cwd: string;
  files: string[];
  limit: string | null;
  tmpKb: number;
  heapMb: number;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function readyStemCells(t: TestLambdock): number {
  let ready = 0;
  for (const count of t.lambdock.stemCells?.getReady().values() ?? []) ready += count;
  return ready;
}

/** The sandbox (one, cold-started) of a function. */
function sandboxOf(t: TestLambdock, functionName: string) {
  const found = t.lambdock.pool.list().filter((s) => s.plan.functionName === functionName);
  expect(found).toHaveLength(1);
  return found[0]!;
}

async function createProbe(t: TestLambdock, name: string, extra: Record<string, unknown> = {}): Promise<void> {
  await t.createFunction({
    FunctionName: name,
    Handler: 'app.main',
    Code: { ZipFile: await probeZip() },
    Environment: { Variables: { MARKER: name, MY_VAR: `value-of-${name}` } },
    ...extra,
  });
}

async function invokeProbe(t: TestLambdock, name: string): Promise<{ probe: Probe; logs: string }> {
  const out = await t.invoke({ FunctionName: name, LogType: 'Tail' });
  expect(out.FunctionError, out.body).toBeUndefined();
  return { probe: out.json() as Probe, logs: out.logs };
}

describe('stem cells', () => {
  let t: TestLambdock;
  beforeAll(async () => {
    t = await startTestLambdock({ LAMBDOCK_STEM_CELLS: '2' });
    // The first cold start of a runtime and memory class is a normal one: it makes the pool.
    await createProbe(t, 'first');
    const { probe } = await invokeProbe(t, 'first');
    expect(probe.marker).toBe('first');
    expect(sandboxOf(t, 'first').stemCellId).toBeUndefined();
    await waitFor('two parked stem cells', () => readyStemCells(t) === 2);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('cold-starts from a stem cell with the function’s code, handler, variables, memory cap and /tmp', async () => {
    await createProbe(t, 'stem-a');
    const { probe, logs } = await invokeProbe(t, 'stem-a');
    expect(probe).toMatchObject({
      marker: 'stem-a',
      myVar: 'value-of-stem-a',
      handler: 'app.main',
      name: 'stem-a',
      wrapper: null,
      cwd: '/var/task',
      files: ['app.js', 'data'],
    });
    if (probe.limit !== null) expect(Number(probe.limit)).toBe(128 * 1024 * 1024);
    // The default 512 MB /tmp (ext4 keeps a little for itself).
    expect(probe.tmpKb).toBeGreaterThan(400 * 1024);
    expect(probe.tmpKb).toBeLessThanOrEqual(512 * 1024);
    // Node's heap was sized for the 128 MB memory class at the stem cell's start.
    expect(probe.heapMb).toBeLessThan(200);
    const sandbox = sandboxOf(t, 'stem-a');
    expect(sandbox.stemCellId).toMatch(/^[0-9a-f]{32}$/);
    const info = await t.lambdock.docker.getContainer(sandbox.container ?? '').inspect();
    expect(info.Config.Labels[LABELS.role]).toBe('stem-cell');
    expect(info.Config.Labels[LABELS.stemCell]).toBe(sandbox.stemCellId);
    expect(info.HostConfig.Memory).toBe(128 * 1024 * 1024);
    // Init is counted from the claim; nothing the stem cell printed before it is in the function's log.
    expect(logs).toMatch(/Init Duration: [\d.]+ ms/);
    expect(logs).not.toContain('lambdock-stem-cell-parked');
    // Warm again from the same environment.
    const again = await invokeProbe(t, 'stem-a');
    expect(again.probe.marker).toBe('stem-a');
    expect(sandboxOf(t, 'stem-a').container).toBe(sandbox.container);
  }, 60_000);

  it('gives each function a stem cell of its own, never one another function had', async () => {
    await createProbe(t, 'stem-b');
    await waitFor('a parked stem cell', () => readyStemCells(t) > 0);
    const { probe } = await invokeProbe(t, 'stem-b');
    expect(probe).toMatchObject({ marker: 'stem-b', myVar: 'value-of-stem-b', name: 'stem-b' });
    const a = sandboxOf(t, 'stem-a');
    const b = sandboxOf(t, 'stem-b');
    expect(b.stemCellId).toBeDefined();
    expect(b.stemCellId).not.toBe(a.stemCellId);
    expect(b.container).not.toBe(a.container);
    // And stem-a still answers from its own.
    expect((await invokeProbe(t, 'stem-a')).probe.marker).toBe('stem-a');
    expect(sandboxOf(t, 'stem-a').container).toBe(a.container);
  }, 60_000);

  it('restarts a stem cell’s runtime after a timeout with the function’s environment again', async () => {
    const code = `const fs = require('fs');
exports.main = async () => {
  if (!fs.existsSync('/tmp/hung')) { fs.writeFileSync('/tmp/hung', '1'); await new Promise((r) => setTimeout(r, 10_000)); }
  return { marker: process.env.MARKER, restarted: true };
};`;
    await t.createFunction({ FunctionName: 'stem-timeout', Handler: 'app.main', Timeout: 1, Code: { ZipFile: await makeZip({ 'app.js': code }) }, Environment: { Variables: { MARKER: 'stem-timeout' } } });
    await waitFor('a parked stem cell', () => readyStemCells(t) > 0);
    const first = await t.invoke({ FunctionName: 'stem-timeout' });
    expect(first.FunctionError).toBe('Unhandled');
    const sandbox = sandboxOf(t, 'stem-timeout');
    expect(sandbox.stemCellId).toBeDefined();
    const second = await t.invoke({ FunctionName: 'stem-timeout', LogType: 'Tail' });
    expect(second.FunctionError, second.body).toBeUndefined();
    expect(second.json()).toEqual({ marker: 'stem-timeout', restarted: true });
    // The same container started again, parked again, claimed again: its second parking is not in the log.
    expect(sandboxOf(t, 'stem-timeout').container).toBe(sandbox.container);
    expect(second.logs).toMatch(/Init Duration/);
    expect(second.logs).not.toContain('lambdock-stem-cell-parked');
  }, 60_000);

  it('refills the pool after claims', async () => {
    await waitFor('the pool refilled', () => readyStemCells(t) === 2);
    const parked = await t.lambdock.docker.listContainers({
      filters: { label: [`${LABELS.instance}=${t.instanceId}`, `${LABELS.role}=stem-cell`] },
    });
    const claimed = new Set(t.lambdock.pool.list().map((s) => s.container));
    expect(parked.filter((c) => !claimed.has(c.Id))).toHaveLength(2);
  }, 60_000);

  it('cold-starts normally a function whose settings a stem cell cannot take', async () => {
    await waitFor('two parked stem cells', () => readyStemCells(t) === 2);
    await createProbe(t, 'big-tmp', { EphemeralStorage: { Size: 1024 } });
    await createProbe(t, 'node-options', { Environment: { Variables: { MARKER: 'node-options', NODE_OPTIONS: '--no-deprecation' } } });
    const big = await invokeProbe(t, 'big-tmp');
    expect(big.probe.tmpKb).toBeGreaterThan(900 * 1024);
    expect((await invokeProbe(t, 'node-options')).probe.marker).toBe('node-options');
    for (const name of ['big-tmp', 'node-options']) {
      const sandbox = sandboxOf(t, name);
      expect(sandbox.stemCellId).toBeUndefined();
      // Its own container, made for it.
      expect((await t.containersOf(name)).map((c) => c.id)).toEqual([sandbox.container]);
    }
    // Neither took a stem cell.
    expect(readyStemCells(t)).toBe(2);
  }, 60_000);

  it('keeps stem cells per memory class: another MemorySize cold-starts normally and gets a pool of its own', async () => {
    await createProbe(t, 'mem-256', { MemorySize: 256 });
    const { probe } = await invokeProbe(t, 'mem-256');
    if (probe.limit !== null) expect(Number(probe.limit)).toBe(256 * 1024 * 1024);
    expect(sandboxOf(t, 'mem-256').stemCellId).toBeUndefined();
    await waitFor('stem cells of 256 MB', () => [...(t.lambdock.stemCells?.getReady() ?? [])].some(([key, n]) => key.includes('|256|') && n === 2));
    await createProbe(t, 'mem-256-b', { MemorySize: 256 });
    const second = await invokeProbe(t, 'mem-256-b');
    expect(sandboxOf(t, 'mem-256-b').stemCellId).toBeDefined();
    if (second.probe.limit !== null) expect(Number(second.probe.limit)).toBe(256 * 1024 * 1024);
    expect(second.probe.heapMb).toBeGreaterThan(probe.heapMb - 1);
  }, 90_000);
});

const PYTHON = `import os
def handler(event, context):
    return {"marker": os.environ["MARKER"], "weird": os.environ.get("WEIRD"), "handler": os.environ["_HANDLER"],
            "files": sorted(os.listdir("/var/task")), "cwd": os.getcwd(), "stemOnly": os.environ.get("AWS_LAMBDA_EXEC_WRAPPER")}
`;

const CUSTOM_BOOTSTRAP = `#!/bin/sh
set -eu
api="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  headers=$(mktemp)
  curl -sS -o /dev/null -D "$headers" "$api/invocation/next"
  id=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$headers" | tr -d '[:space:]' | cut -d: -f2)
  curl -sS -o /dev/null "$api/invocation/$id/response" -d "{\\"marker\\":\\"$MARKER\\",\\"handler\\":\\"$_HANDLER\\"}"
done
`;

describe('stem cells of the runtimes whose bootstrap is a process of its own', () => {
  let t: TestLambdock;
  beforeAll(async () => {
    t = await startTestLambdock({ LAMBDOCK_STEM_CELLS: '1' });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const ready = (runtimeImage: string) => [...(t.lambdock.stemCells?.getReady() ?? [])].some(([key, n]) => key.startsWith(runtimeImage) && n > 0);

  it('starts a Python function from a stem cell: its bootstrap exec’d with the function’s exact environment', async () => {
    const create = async (name: string, variables: Record<string, string>) =>
      t.createFunction({ FunctionName: name, Runtime: 'python3.11', Handler: 'app.handler', Code: { ZipFile: await makeZip({ 'app.py': PYTHON }) }, Environment: { Variables: variables } });
    await create('py-first', { MARKER: 'py-first' });
    expect((await t.invoke({ FunctionName: 'py-first' })).json()).toMatchObject({ marker: 'py-first' });
    expect(sandboxOf(t, 'py-first').stemCellId).toBeUndefined();
    await waitFor('a python stem cell', () => ready('lambdock-runtime:python3.11'));
    const weird = `it's "odd" $HOME\nsecond line – ü`;
    await create('py-stem', { MARKER: 'py-stem', WEIRD: weird });
    const out = await t.invoke({ FunctionName: 'py-stem', LogType: 'Tail' });
    expect(out.FunctionError, out.body).toBeUndefined();
    expect(out.json()).toEqual({ marker: 'py-stem', weird, handler: 'app.handler', files: ['app.py'], cwd: '/var/task', stemOnly: null });
    expect(sandboxOf(t, 'py-stem').stemCellId).toBeDefined();
    expect(out.logs).toMatch(/Init Duration/);
    expect(out.logs).not.toContain('lambdock-stem-cell-parked');
  }, 90_000);

  it('starts a custom runtime from a stem cell: its own bootstrap from /var/task', async () => {
    const zip = await makeZip({ bootstrap: { content: CUSTOM_BOOTSTRAP, mode: 0o755 } });
    const create = (name: string) =>
      t.createFunction({ FunctionName: name, Runtime: 'provided.al2023', Handler: 'fn.handler', Code: { ZipFile: zip }, Environment: { Variables: { MARKER: name } } });
    await create('custom-first');
    expect((await t.invoke({ FunctionName: 'custom-first' })).json()).toEqual({ marker: 'custom-first', handler: 'fn.handler' });
    await waitFor('a custom-runtime stem cell', () => ready('lambdock-runtime:provided'));
    await create('custom-stem');
    const out = await t.invoke({ FunctionName: 'custom-stem' });
    expect(out.FunctionError, out.body).toBeUndefined();
    expect(out.json()).toEqual({ marker: 'custom-stem', handler: 'fn.handler' });
    expect(sandboxOf(t, 'custom-stem').stemCellId).toBeDefined();
  }, 90_000);
});

describe('stem cells when idle', () => {
  let t: TestLambdock;
  beforeAll(async () => {
    t = await startTestLambdock({ LAMBDOCK_STEM_CELLS: '1', LAMBDOCK_STEM_CELL_IDLE_MS: '3000' });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('removes the stem cells of a runtime not used for LAMBDOCK_STEM_CELL_IDLE_MS', async () => {
    await createProbe(t, 'idle');
    await invokeProbe(t, 'idle');
    await waitFor('a parked stem cell', () => readyStemCells(t) === 1);
    const stems = () =>
      t.lambdock.docker.listContainers({ all: true, filters: { label: [`${LABELS.instance}=${t.instanceId}`, `${LABELS.role}=stem-cell`] } });
    expect(await stems()).toHaveLength(1);
    await waitFor('the pool shrunk', async () => readyStemCells(t) === 0 && (await stems()).length === 0, 20_000);
    expect(t.lambdock.stemCells?.getReady().size).toBe(0);
  }, 60_000);
});
