import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { DeleteFunctionCommand, PublishLayerVersionCommand } from '@aws-sdk/client-lambda';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../src/docker/container-driver.js';
import { getLauncherScript } from '../../src/invocation/extension-launcher.js';
import { makeZip } from '../helpers/zip.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

let t: TestLambdock;
/** Every line the functions wrote (lambdock's function log), in order. */
const functionLog: string[] = [];

/** A pino destination keeping the function log lines (lambdock logs them with `stream: 'function'`). */
function sinkInto(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        const entry = JSON.parse(line) as { stream?: string; msg?: string };
        if (entry.stream === 'function' && entry.msg !== undefined) lines.push(entry.msg);
      }
      done();
    },
  });
}

beforeAll(async () => {
  t = await startTestLambdock({}, undefined, { logger: pino({ level: 'info' }, sinkInto(functionLog)) });
});
afterAll(async () => {
  await t?.close();
});

// An extension in bash + curl, as AWS's samples write them: registers for INVOKE and SHUTDOWN, prints
// what it gets (its output is the function's log), works 500 ms after each INVOKE, exits on SHUTDOWN.
const EXTENSION = `#!/bin/bash
API="http://\${AWS_LAMBDA_RUNTIME_API}/2020-01-01/extension"
HEADERS=$(mktemp)
REGISTERED=$(curl -sS -D "$HEADERS" -X POST "$API/register" -H 'Lambda-Extension-Name: bash-extension' \\
  -H 'Lambda-Extension-Accept-Feature: accountId' -d '{"events":["INVOKE","SHUTDOWN"]}')
ID=$(grep -Fi Lambda-Extension-Identifier "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
echo "EXT registered $REGISTERED"
touch /tmp/extension-registered
while true; do
  EVENT=$(curl -sS "$API/event/next" -H "Lambda-Extension-Identifier: $ID")
  echo "EXT event $EVENT"
  case "$EVENT" in *SHUTDOWN*) echo "EXT shut down: $AWS_LAMBDA_FUNCTION_NAME"; exit 0;; esac
  sleep 0.5
  echo "EXT done"
done
`;

// A custom runtime that starts its own extension before serving invocations. It waits for the extension
// to register (registration closes at the runtime's first next) and, on SIGTERM, for it to finish.
const BOOTSTRAP = `#!/bin/bash
rm -f /tmp/extension-registered
"$LAMBDA_TASK_ROOT/extension.sh" &
EXTENSION=$!
trap 'wait "$EXTENSION"; exit 0' TERM
while [ ! -e /tmp/extension-registered ]; do sleep 0.01; done
API="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  curl -sS -D "$HEADERS" -o /tmp/event "$API/invocation/next" &
  wait $! || continue
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  if grep -q hang /tmp/event; then sleep 60 & wait $!; fi
  curl -sS -o /dev/null "$API/invocation/$REQUEST_ID/response" -d '"handled"'
done
`;

async function createBashFunction(name: string, timeout = 3): Promise<void> {
  const zip = await makeZip({
    bootstrap: { content: BOOTSTRAP, mode: 0o755 },
    'extension.sh': { content: EXTENSION, mode: 0o755 },
  });
  await t.createFunction({ FunctionName: name, Runtime: 'provided.al2023', Handler: 'x.y', Timeout: timeout, Code: { ZipFile: zip } });
}

async function waitFor(condition: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!(await condition()) && Date.now() < until) await sleep(50);
}

describe('Lambda Extensions API', () => {
  it('gives an extension each INVOKE; the invocation lasts until the extension asks for its next event', async () => {
    await createBashFunction('ext-invoke');
    const first = await t.invoke({ FunctionName: 'ext-invoke', LogType: 'Tail' });
    expect(first.body).toBe('"handled"');
    const requestId = first.$metadata.requestId ?? '';
    // The register answer, then the INVOKE with this invocation's request id, inside its log.
    expect(functionLog.join('\n')).toMatch(/EXT registered \{"functionName":"ext-invoke","functionVersion":"\$LATEST","handler":"x.y","accountId":"\d{12}"\}/);
    const invoke = /EXT event (\{.*\})/.exec(first.logs);
    expect(invoke).not.toBeNull();
    const event = JSON.parse(invoke?.[1] ?? '{}') as Record<string, unknown>;
    expect(event).toMatchObject({ eventType: 'INVOKE', requestId, tracing: { type: 'X-Amzn-Trace-Id' } });
    expect(event.invokedFunctionArn).toMatch(/:function:ext-invoke$/);
    expect(event.deadlineMs).toBeGreaterThan(Date.now());
    // The extension's 500 ms of work are part of the invocation (the END comes after it).
    expect(first.logs).toMatch(/EXT done[\s\S]*END RequestId/);
    const duration = Number(/\tDuration: ([\d.]+) ms/.exec(first.logs)?.[1]);
    expect(duration).toBeGreaterThanOrEqual(450);

    // Without a tail the caller has its answer at once, but the environment stays busy while the
    // extension works: an invoke right after it needs a second environment.
    const began = performance.now();
    const second = await t.invoke({ FunctionName: 'ext-invoke' });
    expect(performance.now() - began).toBeLessThan(400);
    expect(second.body).toBe('"handled"');
    await t.invoke({ FunctionName: 'ext-invoke' });
    expect(await t.containersOf('ext-invoke')).toHaveLength(2);
  });

  it('sends SHUTDOWN to the extension before the environment goes (DeleteFunction)', async () => {
    await createBashFunction('ext-shutdown');
    await t.invoke({ FunctionName: 'ext-shutdown' });
    await sleep(600); // the extension is idle again
    const [container] = await t.containersOf('ext-shutdown');
    expect(container).toBeDefined();
    await t.client.send(new DeleteFunctionCommand({ FunctionName: 'ext-shutdown' }));
    await waitFor(() => functionLog.some((line) => line.includes('EXT shut down')), 5000);
    const shutdown = functionLog.find((line) => line.includes('"eventType":"SHUTDOWN"'));
    expect(shutdown).toBeDefined();
    const event = JSON.parse(/\{.*\}/.exec(shutdown ?? '')?.[0] ?? '{}') as Record<string, unknown>;
    expect(event).toMatchObject({ eventType: 'SHUTDOWN', shutdownReason: 'spindown' });
    expect(event.deadlineMs).toEqual(expect.any(Number));
    expect(functionLog).toContain('EXT shut down: ext-shutdown');
    await waitFor(async () => (await t.containersOf('ext-shutdown')).length === 0, 5000);
    expect(await t.containersOf('ext-shutdown')).toEqual([]);
  });

  it('sends SHUTDOWN when an idle environment is removed and when lambdock shuts down', async () => {
    const other = await startTestLambdock({ LAMBDOCK_IDLE_TIMEOUT_MS: '1500', LAMBDOCK_PAUSE_GRACE_MS: '50' }, undefined, {
      logger: pino({ level: 'info' }, sinkInto(functionLog)),
    });
    let closed = false;
    try {
      const zip = await makeZip({ bootstrap: { content: BOOTSTRAP, mode: 0o755 }, 'extension.sh': { content: EXTENSION, mode: 0o755 } });
      for (const name of ['ext-idle', 'ext-close']) {
        await other.createFunction({ FunctionName: name, Runtime: 'provided.al2023', Handler: 'x.y', Code: { ZipFile: zip } });
      }
      await other.invoke({ FunctionName: 'ext-idle' });
      // Idle keep-alive: frozen first, thawed for its SHUTDOWN, then removed.
      await waitFor(() => functionLog.includes('EXT shut down: ext-idle'), 8000);
      expect(functionLog).toContain('EXT shut down: ext-idle');
      await waitFor(async () => (await other.containersOf('ext-idle')).length === 0, 5000);
      expect(await other.containersOf('ext-idle')).toEqual([]);

      await other.invoke({ FunctionName: 'ext-close' });
      await sleep(600);
      await other.close();
      closed = true;
      expect(functionLog).toContain('EXT shut down: ext-close');
    } finally {
      if (!closed) await other.close();
    }
  });

  it('sends SHUTDOWN (timeout) when a timed-out environment is reset, and the extension starts again with it', async () => {
    await createBashFunction('ext-timeout', 1);
    const registeredBefore = functionLog.filter((line) => line.includes('"functionName":"ext-timeout"')).length;
    const timedOut = await t.invoke({ FunctionName: 'ext-timeout', Payload: Buffer.from('"hang"') });
    expect((timedOut.json() as { errorType: string }).errorType).toBe('Sandbox.Timedout');
    await waitFor(() => functionLog.some((line) => line.includes('"shutdownReason":"timeout"')), 5000);
    expect(functionLog.find((line) => line.includes('"shutdownReason":"timeout"'))).toMatch(/"eventType":"SHUTDOWN"/);
    expect((await t.invoke({ FunctionName: 'ext-timeout' })).body).toBe('"handled"');
    const registeredAfter = functionLog.filter((line) => line.includes('"functionName":"ext-timeout"')).length;
    expect(registeredAfter - registeredBefore).toBe(2);
    expect(await t.containersOf('ext-timeout')).toHaveLength(1);
  });

  it('lets a Node function register an internal extension during init (200), not after it', async () => {
    const zip = await makeZip({
      'index.mjs': `
const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2020-01-01/extension';
const register = (name, events) =>
  fetch(api + '/register', { method: 'POST', headers: { 'Lambda-Extension-Name': name }, body: JSON.stringify({ events }) });
const res = await register('internal-ext', []);
const registered = { status: res.status, id: res.headers.get('lambda-extension-identifier'), body: await res.json() };
// Init is over only once the extension asks for its next event (it never gets one: no events).
fetch(api + '/event/next', { headers: { 'Lambda-Extension-Identifier': registered.id } }).catch(() => undefined);
export const handler = async () => {
  const late = await register('late-ext', []);
  return { registered, late: { status: late.status, body: await late.json() } };
};
`,
    });
    await t.createFunction({ FunctionName: 'ext-internal', Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: zip } });
    const out = await t.invoke({ FunctionName: 'ext-internal' });
    expect(out.FunctionError).toBeUndefined();
    const result = out.json() as { registered: { status: number; id: string; body: unknown }; late: { status: number; body: unknown } };
    expect(result.registered.status).toBe(200);
    expect(result.registered.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.registered.body).toEqual({ functionName: 'ext-internal', functionVersion: '$LATEST', handler: 'index.handler' });
    expect(result.late).toEqual({
      status: 403,
      body: { errorType: 'Extension.RegistrationClosed', errorMessage: 'Extension registration closed already' },
    });
    // Warm: the internal extension does not hold the environment.
    expect((await t.invoke({ FunctionName: 'ext-internal' })).FunctionError).toBeUndefined();
    expect(await t.containersOf('ext-internal')).toHaveLength(1);
  });
});

describe('an external extension shipped in a layer', () => {
  it('starts from /opt/extensions with the function, gets INVOKE with the request id, and SHUTDOWN before the environment goes', async () => {
    const layer = await t.client.send(
      new PublishLayerVersionCommand({
        LayerName: 'bash-extension-layer',
        Content: { ZipFile: await makeZip({ 'extensions/bash-extension': { content: EXTENSION, mode: 0o755 } }) },
      }),
    );
    // A custom runtime that only serves invocations: the extension comes from the layer alone.
    const runtimeOnly = BOOTSTRAP.replace(/^rm -f[\s\S]*?done\n(?=API=)/m, '');
    await t.createFunction({
      FunctionName: 'ext-from-layer',
      Runtime: 'provided.al2023',
      Handler: 'x.y',
      Code: { ZipFile: await makeZip({ bootstrap: { content: runtimeOnly, mode: 0o755 } }) },
      Layers: [layer.LayerVersionArn ?? ''],
    });
    const out = await t.invoke({ FunctionName: 'ext-from-layer', LogType: 'Tail' });
    expect(out.FunctionError, `${out.body}\n${out.logs}`).toBeUndefined();
    expect(out.json()).toBe('handled');
    const requestId = out.$metadata.requestId ?? '';
    await waitFor(() => functionLog.some((line) => line.includes('EXT event') && line.includes(requestId)), 5000);
    expect(functionLog.find((line) => line.includes('EXT event') && line.includes(requestId))).toContain('"eventType":"INVOKE"');
    await t.client.send(new DeleteFunctionCommand({ FunctionName: 'ext-from-layer' }));
    await waitFor(() => functionLog.includes('EXT shut down: ext-from-layer'), 8000);
    expect(functionLog).toContain('EXT shut down: ext-from-layer');
  });
});

describe('the container command: external extensions from /opt/extensions', () => {
  // What a layer will put in /opt/extensions: it prints what it sees and works a while after SIGTERM.
  const EXTERNAL = `#!/bin/sh
echo "ext-up handler=\${_HANDLER:-hidden} function=$AWS_LAMBDA_FUNCTION_NAME"
sleep "\${EXT_SECONDS:-0.8}"
echo ext-finished
`;

  async function runLauncher(image: string, runtimeScript: string, extSeconds: string) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lambdock-ext-'));
    await mkdir(path.join(dir, 'extensions'));
    await mkdir(path.join(dir, 'out'));
    await chmod(path.join(dir, 'out'), 0o777);
    await writeFile(path.join(dir, 'extensions', 'my-extension'), EXTERNAL, { mode: 0o755 });
    const container = await t.lambdock.docker.createContainer({
      Image: image,
      Entrypoint: ['/bin/sh', '-c', getLauncherScript('/out/log'), '/bin/sh', '-c', runtimeScript],
      Env: ['_HANDLER=index.handler', 'AWS_LAMBDA_FUNCTION_NAME=fn', `EXT_SECONDS=${extSeconds}`],
      Labels: { [LABELS.managed]: 'true', [LABELS.instance]: t.instanceId },
      HostConfig: { Init: true, Binds: [`${path.join(dir, 'extensions')}:/opt/extensions:ro`, `${path.join(dir, 'out')}:/out`] },
    });
    await container.start();
    const log = () => readFile(path.join(dir, 'out', 'log'), 'utf8').catch(() => '');
    const done = async () => {
      await container.remove({ force: true });
      await rm(dir, { recursive: true, force: true });
    };
    return { container, log, done };
  }

  for (const image of ['lambdock-runtime:provided', 'lambdock-runtime:nodejs20.x']) {
    it(`starts them before the runtime, into the function's output; SIGTERM waits for them (${image})`, async () => {
      const runtime = 'echo runtime-up; trap "echo runtime-terminated; exit 0" TERM; while :; do sleep 0.05; done';
      const run = await runLauncher(image, runtime, '0.8');
      try {
        await waitFor(async () => (await run.log()).includes('runtime-up') && (await run.log()).includes('ext-up'), 5000);
        expect(await run.log()).toContain('ext-up handler=hidden function=fn');
        await run.container.kill({ signal: 'SIGTERM' });
        await run.container.wait();
        const log = await run.log();
        expect(log).toMatch(/runtime-terminated[\s\S]*ext-finished/);
        expect((await run.container.inspect()).State.ExitCode).toBe(0);
      } finally {
        await run.done();
      }
    });

    it(`ends the container when the runtime exits by itself, extensions or not (${image})`, async () => {
      const run = await runLauncher(image, 'echo runtime-up; sleep 0.3; exit 3', '20');
      try {
        const began = performance.now();
        await run.container.wait();
        expect(performance.now() - began).toBeLessThan(5000);
        expect((await run.container.inspect()).State.ExitCode).toBe(3);
        expect(await run.log()).toContain('ext-up');
      } finally {
        await run.done();
      }
    });
  }
});

/** Go is not part of CI's toolbox: with `go` on PATH (Debian's golang-go 1.19 does), AWS's own client is built and run. */
const hasGo = spawnSync('go', ['version']).status === 0;

describe.skipIf(!hasGo)("AWS's aws-lambda-go with lambda.WithEnableSIGTERM", () => {
  it('registers its internal extension, answers, and gets SIGTERM when the environment goes', async () => {
    const gopath = path.resolve('test/fixtures/aws-lambda-go');
    const out = await mkdtemp(path.join(os.tmpdir(), 'lambdock-go-'));
    try {
      const built = spawnSync('go', ['build', '-o', path.join(out, 'bootstrap'), 'sigterm-function'], {
        cwd: gopath,
        env: { ...process.env, GO111MODULE: 'off', GOPATH: gopath, CGO_ENABLED: '0', GOFLAGS: '' },
        encoding: 'utf8',
      });
      expect(built.stderr).toBe('');
      const zip = await makeZip({ bootstrap: { content: await readFile(path.join(out, 'bootstrap')), mode: 0o755 } });
      await t.createFunction({ FunctionName: 'go-sigterm', Runtime: 'provided.al2023', Handler: 'bootstrap', Code: { ZipFile: zip } });
      const answer = await t.invoke({ FunctionName: 'go-sigterm', LogType: 'Tail' });
      expect(answer.body).toBe('"go handled"');
      // A refused registration would print "WARNING! Failed to register internal extension!".
      expect(answer.logs).not.toMatch(/WARNING/);
      await t.client.send(new DeleteFunctionCommand({ FunctionName: 'go-sigterm' }));
      await waitFor(() => functionLog.includes('GO SIGTERM received'), 5000);
      expect(functionLog).toContain('GO SIGTERM received');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 120_000);
});
