import { setTimeout as sleep } from 'node:timers/promises';
import { InvokeCommand, LambdaServiceException } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeZip, nodeZip } from '../helpers/zip.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

let t: TestLambdock;

beforeAll(async () => {
  t = await startTestLambdock();
});
afterAll(async () => {
  await t?.close();
});

type ErrorBody = { errorType: string; errorMessage: string; trace?: string[] };

/** A handler whose behaviour is chosen by the event, so one function shows failure and recovery. */
const MOODY = `
const fs = require('fs');
let globalCounter = 0;
exports.handler = async (event, context) => {
  globalCounter += 1;
  switch (event.action) {
    case 'sleep': fs.writeFileSync('/tmp/before-timeout', 'some-content'); await new Promise((r) => setTimeout(r, 5000)); return 'woke';
    case 'throw': { const e = new TypeError('Handler fails'); throw e; }
    case 'exit': for (let i = 0; i < 500; i += 1) console.log('last words of', context.awsRequestId, i); process.exit(3);
    case 'oom': { const hog = []; for (;;) hog.push(Buffer.alloc(8 * 1024 * 1024, 1)); }
    case 'big': return 'x'.repeat(7 * 1024 * 1024);
    case 'six': return 'x'.repeat(6 * 1024 * 1024 - 16);
    default: {
      let tmp = null;
      try { tmp = fs.readFileSync('/tmp/before-timeout', 'utf8'); } catch {}
      return { ok: true, globalCounter, tmp };
    }
  }
};`;

async function invokeAction(name: string, action: string) {
  return t.invoke({ FunctionName: name, Payload: Buffer.from(JSON.stringify({ action })), LogType: 'Tail' });
}

describe('sandbox failures come back in AWS error shapes, and the function works afterwards', () => {
  beforeAll(async () => {
    await t.createFunction({ FunctionName: 'moody', Code: { ZipFile: await nodeZip(MOODY) }, Timeout: 1 });
  });

  it('times out with Sandbox.Timedout, then re-inits with globals reset and /tmp kept', async () => {
    const warmup = (await invokeAction('moody', 'ok')).json() as { globalCounter: number };
    expect(warmup.globalCounter).toBe(1);
    const out = await invokeAction('moody', 'sleep');
    const id = out.$metadata.requestId;
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.json()).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${id} Error: Task timed out after 1.00 seconds`,
    });
    expect(out.logs).toMatch(new RegExp(`${id} Task timed out after 1.00 seconds`));
    expect(out.logs).toMatch(new RegExp(`\\nREPORT RequestId: ${id}\\tDuration: 1000.00 ms\\tBilled Duration: 1000 ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB\\tStatus: timeout\\n$`));
    const after = (await invokeAction('moody', 'ok')).json() as { ok: boolean; globalCounter: number; tmp: string };
    expect(after).toEqual({ ok: true, globalCounter: 1, tmp: 'some-content' });
    expect(await t.containersOf('moody')).toHaveLength(1);
  });

  it('returns a thrown error as errorType/errorMessage/trace (AWS\'s Node shape) with FunctionError Unhandled', async () => {
    const out = await invokeAction('moody', 'throw');
    expect(out.FunctionError).toBe('Unhandled');
    const body = out.json() as ErrorBody;
    expect(body.errorType).toBe('TypeError');
    expect(body.errorMessage).toBe('Handler fails');
    expect(body.trace?.[0]).toMatch(/TypeError: Handler fails/);
    expect(body).not.toHaveProperty('stackTrace');
    expect(((await invokeAction('moody', 'ok')).json() as { ok: boolean }).ok).toBe(true);
  });

  it('reports a crashing runtime as Runtime.ExitError', async () => {
    const out = await invokeAction('moody', 'exit');
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.json()).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${out.$metadata.requestId} Error: Runtime exited with error: exit status 3`,
    });
    expect(out.logs).toMatch(/\tStatus: error\tError Type: Runtime\.ExitError\n$/);
    expect(((await invokeAction('moody', 'ok')).json() as { ok: boolean }).ok).toBe(true);
  });

  it('keeps what a crashing runtime printed in its own log, not in the next invocation\'s', async () => {
    for (let round = 0; round < 3; round += 1) {
      const out = await invokeAction('moody', 'exit');
      expect(out.logs).toMatch(new RegExp(`INFO\\tlast words of ${out.$metadata.requestId} 499\\nEND RequestId: `));
      const after = await invokeAction('moody', 'ok');
      expect((after.json() as { ok: boolean }).ok).toBe(true);
      expect(after.logs).not.toContain('last words');
    }
  });

  it('reports an out-of-memory kill as Runtime.OutOfMemory "signal: killed", in the answer and in REPORT', async () => {
    const out = await invokeAction('moody', 'oom');
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.json()).toEqual({
      errorType: 'Runtime.OutOfMemory',
      errorMessage: `RequestId: ${out.$metadata.requestId} Error: Runtime exited with error: signal: killed`,
    });
    expect(out.logs).toMatch(/\tStatus: error\tError Type: Runtime\.OutOfMemory\n$/);
    expect(((await invokeAction('moody', 'ok')).json() as { ok: boolean }).ok).toBe(true);
  });

  it('accepts a 6 MB response and refuses a 7 MB one with Function.ResponseSizeTooLarge', async () => {
    const six = await invokeAction('moody', 'six');
    expect(six.FunctionError).toBeUndefined();
    expect(six.body.length).toBe(6 * 1024 * 1024 - 14);
    const big = await invokeAction('moody', 'big');
    expect(big.FunctionError).toBe('Unhandled');
    expect(big.json()).toEqual({
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
      errorType: 'Function.ResponseSizeTooLarge',
    });
    expect(((await invokeAction('moody', 'ok')).json() as { ok: boolean }).ok).toBe(true);
  });
});

describe('init failures', () => {
  it('reports a module that throws at load as an Unhandled error with the module error', async () => {
    await t.createFunction({
      FunctionName: 'init-throws',
      Code: { ZipFile: await nodeZip("throw new Error('broken at init');") },
    });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const out = await t.invoke({ FunctionName: 'init-throws', LogType: 'Tail' });
      expect(out.FunctionError).toBe('Unhandled');
      expect(out.json()).toMatchObject({ errorType: 'Error', errorMessage: 'broken at init' });
      // As on AWS: the init's own output and an INIT_REPORT come before START, in this invocation's tail.
      const id = out.$metadata.requestId ?? '';
      const lines = out.logs.trim().split('\n');
      const start = lines.indexOf(`START RequestId: ${id} Version: $LATEST`);
      expect(start).toBeGreaterThan(0);
      expect(lines.slice(0, start).join('\n')).toMatch(/\tundefined\tERROR\tUncaught Exception.*broken at init/);
      expect(lines[start - 1]).toMatch(/^INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: Runtime\.\w+$/);
      expect(lines.at(-1)).toMatch(new RegExp(`^REPORT RequestId: ${id}\\t.*\\tStatus: error\\tError Type: Runtime\\.\\w+$`));
    }
  });

  it('reports a missing handler export as Runtime.HandlerNotFound, and a missing module as Runtime.ImportModuleError', async () => {
    await t.createFunction({ FunctionName: 'no-export', Code: { ZipFile: await nodeZip('exports.other = async () => 1;') } });
    const out = await t.invoke({ FunctionName: 'no-export' });
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.json()).toMatchObject({ errorType: 'Runtime.HandlerNotFound', errorMessage: 'index.handler is undefined or not exported' });

    await t.createFunction({
      FunctionName: 'no-module',
      Handler: 'missing.handler',
      Code: { ZipFile: await makeZip({ 'index.js': 'exports.handler = async () => 1;' }) },
    });
    const missing = await t.invoke({ FunctionName: 'no-module' });
    expect(missing.FunctionError).toBe('Unhandled');
    expect(missing.json()).toMatchObject({ errorType: 'Runtime.ImportModuleError' });
    expect((missing.json() as ErrorBody).errorMessage).toMatch(/Cannot find module 'missing'/);
  });
});

/**
 * A custom runtime that answers at once and then, for some events, keeps working before it asks for the
 * next one ("linger": 2 s, then a note in /tmp) or never asks again ("hang"). Other answers report the note.
 */
const LINGERING_BOOTSTRAP = `#!/bin/sh
set -eu
API="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -D "$HEADERS" "$API/invocation/next")
  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  LATE=$(cat /tmp/late 2>/dev/null || true)
  curl -sS -o /dev/null "$API/invocation/$ID/response" -d "\\"answered late=$LATE\\""
  case "$EVENT" in
    *linger*) sleep 2; echo done > /tmp/late ;;
    *hang*) sleep 1000 ;;
  esac
done
`;

async function lingeringZip() {
  return makeZip({ bootstrap: { content: LINGERING_BOOTSTRAP, mode: 0o755 } });
}

describe('work a runtime does after answering, until it asks for the next invocation', () => {
  it('hands invocations only to runtimes waiting on next, and resets one that never asks again', async () => {
    await t.createFunction({ FunctionName: 'hangs', Runtime: 'provided.al2023', Handler: 'x', Timeout: 1, Code: { ZipFile: await lingeringZip() } });
    const hung = await t.invoke({ FunctionName: 'hangs', Payload: Buffer.from('{"hang":true}') });
    expect(hung.body).toBe('"answered late="');
    const next = await t.invoke({ FunctionName: 'hangs', Payload: Buffer.from('{}') });
    expect(next.FunctionError).toBeUndefined();
    expect(next.body).toBe('"answered late="');
    // The one that never asked again is killed once the function's timeout has passed since it was handed its event.
    let states: string[] = [];
    for (let i = 0; i < 40 && !states.includes('exited'); i += 1) {
      await sleep(100);
      states = (await t.containersOf('hangs')).map((c) => c.state);
    }
    expect(states).toHaveLength(2);
    expect(states).toContain('exited');
  });

  it('bounds that work by the deadline: the runtime is reset before it finishes (same /tmp, init again)', async () => {
    await t.createFunction({ FunctionName: 'lingers', Runtime: 'provided.al2023', Handler: 'x', Timeout: 1, Code: { ZipFile: await lingeringZip() } });
    const first = await t.invoke({ FunctionName: 'lingers', Payload: Buffer.from('{"linger":true}') });
    expect(first.body).toBe('"answered late="');
    await sleep(2500);
    const later = await t.invoke({ FunctionName: 'lingers', Payload: Buffer.from('{}'), LogType: 'Tail' });
    expect(later.body).toBe('"answered late="');
    expect(later.logs).toMatch(/\tInit Duration: [\d.]+ ms/);
    expect(await t.containersOf('lingers')).toHaveLength(1);
  });
});

describe('the concurrency slot of an answered invocation', () => {
  let one: TestLambdock;
  beforeAll(async () => {
    one = await startTestLambdock({ LAMBDOCK_ACCOUNT_CONCURRENCY: '1' });
    await one.createFunction({ FunctionName: 'lingers', Runtime: 'provided.al2023', Handler: 'x', Timeout: 5, Code: { ZipFile: await lingeringZip() } });
  });
  afterAll(async () => {
    await one?.close();
  });

  it('is held until the runtime asks for the next invocation (the caller has its answer before)', async () => {
    const first = await one.invoke({ FunctionName: 'lingers', Payload: Buffer.from('{"linger":true}') });
    expect(first.body).toBe('"answered late="');
    const error = await one.client.send(new InvokeCommand({ FunctionName: 'lingers' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LambdaServiceException);
    expect((error as LambdaServiceException).name).toBe('TooManyRequestsException');
    await sleep(2500);
    const later = await one.invoke({ FunctionName: 'lingers', Payload: Buffer.from('{}') });
    expect(later.body).toBe('"answered late=done"');
  });
});

