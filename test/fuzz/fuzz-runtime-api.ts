import { RuntimeApiServer, type RuntimeApiListener } from '../../src/runtime-api/runtime-api-server.js';
import type { FuzzTally } from './fuzz-tally.js';
import type { Rng } from './prng.js';
import { sendRaw, type Outcome, type Target } from './raw-http.js';
import { NEXT_PATH, nextRuntimeCase, type RuntimeFuzzContext } from './runtime-api-cases.js';

export interface RuntimeFuzzOptions {
  rng: Rng;
  count: number;
  timeoutMs: number;
  tally: FuzzTally;
  /** A well-behaved runtime's full cycle is checked every this many requests. */
  probeEvery?: number;
}

const MAX_PAYLOAD_BYTES = 256 * 1024;

/** The calls of a well-behaved runtime: `next`, then the answer to what it got. */
async function probeCycle(target: Target, server: RuntimeApiServer, responded: Set<string>, id: string, timeoutMs: number): Promise<string | undefined> {
  server.deliver({ requestId: id, payload: Buffer.from('{"probe":true}'), deadlineMs: Date.now() + 60_000, invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fuzz' });
  // A `next` may first get an invocation the fuzz left unanswered (AWS re-sends it): answer that one too.
  for (let round = 0; round < 3; round += 1) {
    const next = await sendRaw(target, { method: 'GET', target: NEXT_PATH, headers: [], body: Buffer.alloc(0), ending: 'wait' }, timeoutMs);
    if (next.kind !== 'answered' || next.status !== 200) return `next → ${describe(next)}`;
    const got = next.headers['lambda-runtime-aws-request-id'] ?? '';
    const answer = await sendRaw(target, { method: 'POST', target: `/2018-06-01/runtime/invocation/${encodeURIComponent(got)}/response`, headers: [], body: Buffer.from('"ok"'), ending: 'wait' }, timeoutMs);
    if (answer.kind !== 'answered' || answer.status !== 202) return `response for ${got} → ${describe(answer)}`;
    if (got === id) return responded.has(id) ? undefined : `the server answered 202 but did not report ${id}'s response`;
  }
  return `next never handed out ${id}`;
}

function describe(outcome: Outcome): string {
  return outcome.kind === 'answered' ? `${outcome.status} ${outcome.body.slice(0, 200)}` : outcome.kind;
}

/**
 * Feeds one sandbox's Runtime API server (the class lambdock runs per sandbox, the sandbox's address
 * allowed) malformed requests, one at a time. Every well-formed `next` first gets an invocation queued, so
 * that every request has to be answered (or refused) at once; a real runtime's cycle is probed throughout.
 */
export async function fuzzRuntimeApi(options: RuntimeFuzzOptions): Promise<void> {
  const { rng, count, timeoutMs, tally } = options;
  const probeEvery = options.probeEvery ?? 50;
  const responded = new Set<string>();
  const listener: RuntimeApiListener = {
    waiting: () => undefined,
    responded: (id) => responded.add(id),
    errored: () => undefined,
    responseTooLarge: () => undefined,
    initFailed: () => undefined,
  };
  const server = new RuntimeApiServer({ bindHost: '127.0.0.1', maxPayloadBytes: MAX_PAYLOAD_BYTES, listener });
  const port = await server.listen();
  server.allow('127.0.0.1');
  const target: Target = { host: '127.0.0.1', port };
  const ctx: RuntimeFuzzContext & { pastIds: string[] } = { currentId: undefined, pastIds: [], maxPayloadBytes: MAX_PAYLOAD_BYTES };
  let serial = 0;
  try {
    for (let i = 0; i < count; i += 1) {
      if (i > 0 && i % probeEvery === 0) {
        const failure = await probeCycle(target, server, responded, `probe-${i}`, timeoutMs);
        if (failure !== undefined) tally.livenessFailed(`Runtime API after ${i} requests: ${failure}`);
      }
      const fuzzCase = nextRuntimeCase(rng, ctx);
      const { request } = fuzzCase;
      if (rng.chance(0.01)) server.reset(); // the runtime process restarted
      if (request.method === 'GET' && request.target === NEXT_PATH) {
        serial += 1;
        server.deliver({ requestId: `fuzz-${serial}`, payload: Buffer.from('{}'), deadlineMs: Date.now() + 60_000, invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fuzz' });
      }
      const outcome = await sendRaw(target, request, timeoutMs);
      tally.record('runtime', fuzzCase.label, request, outcome);
      if (outcome.kind === 'answered' && outcome.headers['lambda-runtime-aws-request-id'] !== undefined) {
        if (ctx.currentId !== undefined) ctx.pastIds.push(ctx.currentId);
        if (ctx.pastIds.length > 20) ctx.pastIds.shift();
        ctx.currentId = outcome.headers['lambda-runtime-aws-request-id'];
      }
    }
    const failure = await probeCycle(target, server, responded, 'probe-final', timeoutMs);
    if (failure !== undefined) tally.livenessFailed(`Runtime API after the fuzz: ${failure}`);
  } finally {
    await server.close();
  }
}
