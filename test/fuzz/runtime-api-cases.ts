import { mangleTransport, METHODS, oddString, percentEncode } from './malformed.js';
import type { Rng } from './prng.js';
import type { RawRequest } from './raw-http.js';

/** What the Runtime API fuzzer knows of the server's invocations, to aim at real request ids too. */
export interface RuntimeFuzzContext {
  /** The id most recently handed out through `next`, if any. */
  currentId: string | undefined;
  /** Ids handed out earlier (answered or not). */
  pastIds: readonly string[];
  /** The server's body limit (bodies just past it must get 413). */
  maxPayloadBytes: number;
}

export interface RuntimeFuzzCase {
  label: string;
  request: RawRequest;
}

export const NEXT_PATH = '/2018-06-01/runtime/invocation/next';

const BASE = '/2018-06-01/runtime';

function requestId(rng: Rng, ctx: RuntimeFuzzContext): string {
  switch (rng.int(8)) {
    case 0:
    case 1:
      return ctx.currentId ?? 'none';
    case 2:
      return ctx.pastIds.length > 0 ? rng.pick(ctx.pastIds) : 'none';
    case 3:
      return percentEncode(oddString(rng));
    case 4:
      return rng.pick(['%', '%zz', '%E2%82', '..', '.', '%2F', '%00', '', 'a'.repeat(rng.pick([100, 5_000, 20_000]))]);
    case 5:
      return `${ctx.currentId ?? 'x'}${rng.pick(['/', '%2F', ' ', '%20', '?a=1', '#', '/x'])}`;
    default:
      return oddString(rng);
  }
}

function body(rng: Rng, ctx: RuntimeFuzzContext): Buffer {
  switch (rng.int(8)) {
    case 0:
      return Buffer.alloc(0);
    case 1:
      return rng.bytes(1 + rng.int(500));
    case 2:
      return Buffer.alloc(ctx.maxPayloadBytes + rng.pick([0, 1, 1_000]), 0x61);
    case 3:
      return Buffer.from(rng.pick(['{"errorMessage":1,"errorType":{}}', '{', 'null', '[]', '{"errorType":"' + 'x'.repeat(10_000) + '"}']));
    default:
      return Buffer.from(JSON.stringify({ ok: oddString(rng) }));
  }
}

function errorTypeHeader(rng: Rng): Array<[string, string]> {
  if (rng.chance(0.5)) return [];
  const value = rng.pick(['Runtime.Oops', 'Function.Oops', 'Runtime.', 'Function', '', 'x'.repeat(5_000), 'Runtime.a\u00ffb', oddString(rng)]);
  return [['Lambda-Runtime-Function-Error-Type', value]];
}

/** One malformed (or merely odd) request to a sandbox's Runtime API. */
export function nextRuntimeCase(rng: Rng, ctx: RuntimeFuzzContext): RuntimeFuzzCase {
  const pick = rng.int(100);
  let label: string;
  let request: RawRequest;
  if (pick < 15) {
    label = 'next';
    request = { method: 'GET', target: NEXT_PATH, headers: [], body: rng.chance(0.2) ? body(rng, ctx) : Buffer.alloc(0), ending: 'wait' };
  } else if (pick < 50) {
    label = 'response';
    request = { method: 'POST', target: `${BASE}/invocation/${requestId(rng, ctx)}/response`, headers: [], body: body(rng, ctx), ending: 'wait' };
  } else if (pick < 70) {
    label = 'error';
    request = { method: 'POST', target: `${BASE}/invocation/${requestId(rng, ctx)}/error`, headers: errorTypeHeader(rng), body: body(rng, ctx), ending: 'wait' };
  } else if (pick < 77) {
    label = 'init/error';
    request = { method: 'POST', target: `${BASE}/init/error`, headers: errorTypeHeader(rng), body: body(rng, ctx), ending: 'wait' };
  } else if (pick < 87) {
    label = 'wrong method';
    const target = rng.pick([`${BASE}/invocation/next`, `${BASE}/invocation/${requestId(rng, ctx)}/response`, `${BASE}/init/error`, '/2018-06-01/ping']);
    // A wrong-method `next` is not a long poll: it must be refused at once.
    request = { method: rng.pick(METHODS.filter((m) => m !== 'GET')), target, headers: [], body: Buffer.alloc(0), ending: 'wait' };
  } else {
    label = 'unknown path';
    const target = rng.pick([
      '/',
      '*',
      BASE,
      `${BASE}/`,
      `${BASE}/invocation`,
      `${BASE}/invocation/next/`,
      `${BASE}/invocation/next?x=1`,
      `${BASE}/INVOCATION/NEXT`,
      `${BASE}/invocation/a/b/response`,
      `${BASE}/invocation//response`,
      `${BASE}/../runtime/invocation/next`,
      '/2020-01-01/extension/register',
      // Without a registered extension's identifier, each of these is refused at once (403).
      '/2020-01-01/extension/event/next',
      '/2020-01-01/extension/init/error',
      '/2020-01-01/extension/exit/error',
      '/2020-01-01/extension/',
      '/2020-08-15/logs',
      '/2018-06-01/ping?x',
      `/${'y'.repeat(rng.pick([100, 20_000]))}`,
      'http://evil.example/2018-06-01/runtime/invocation/next',
    ]);
    request = { method: rng.pick(['GET', 'POST', 'PUT']), target, headers: [], body: Buffer.alloc(0), ending: 'wait' };
  }
  if (rng.chance(0.2)) {
    label += ' + transport';
    mangleTransport(rng, request);
  }
  return { label, request };
}
