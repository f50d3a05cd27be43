import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import type { TestLambdock } from '../helpers/test-lambdock.js';
import { makeZip } from '../helpers/zip.js';
import { fuzzLambdaApi } from './fuzz-lambda-api.js';
import { fuzzRuntimeApi } from './fuzz-runtime-api.js';
import { FuzzTally, type FuzzReport } from './fuzz-tally.js';
import { createRng } from './prng.js';

export interface FuzzOptions {
  seed: number;
  /** Requests in all; 70 % go to the Lambda API, the rest to a sandbox's Runtime API. */
  count: number;
  /** An answer (or a close) must come within this long. */
  timeoutMs?: number;
  concurrency?: number;
}

const ECHO = 'exports.handler = async (event) => ({ echo: event });';
/** A zip with no entries: just the end-of-central-directory record. */
const EMPTY_ZIP = Buffer.concat([Buffer.from('PK\u0005\u0006', 'latin1'), Buffer.alloc(18)]);

/** Invokes `name` with a probe event and says what is wrong with the answer, if anything. */
async function checkInvoke(t: TestLambdock, name: string): Promise<string | undefined> {
  try {
    const out = await t.invoke({ FunctionName: name, Payload: Buffer.from('{"probe":1}') });
    if (out.StatusCode !== 200 || out.FunctionError !== undefined) return `Invoke ${name}: ${out.StatusCode} ${out.FunctionError ?? ''} ${out.body}`;
    if (out.body !== '{"echo":{"probe":1}}') return `Invoke ${name} answered ${out.body}`;
    return undefined;
  } catch (error) {
    return `Invoke ${name} failed: ${(error as Error).name}: ${(error as Error).message}`;
  }
}

/**
 * Fuzzes a running lambdock's Lambda API and (unit-level) a sandbox's Runtime API with malformed requests,
 * then checks lambdock still serves: the fixture function (whose real runtime was invoked throughout)
 * answers, and a new function can be created and invoked.
 */
export async function runFuzz(t: TestLambdock, options: FuzzOptions): Promise<FuzzReport> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const rng = createRng(options.seed);
  const tally = new FuzzTally(options.seed);
  const valid = await makeZip({ 'index.js': ECHO });
  const fixture = 'fuzz-fixture';
  await t.createFunction({ FunctionName: fixture, Code: { ZipFile: valid } });
  // Warm environments first: the fuzz's invokes then measure request handling, not cold starts.
  for (const failure of await Promise.all([1, 2, 3, 4].map(() => checkInvoke(t, fixture)))) {
    if (failure !== undefined) tally.livenessFailed(`before the fuzz, the fixture: ${failure}`);
  }

  const url = new URL(t.url);
  const lambdaCount = Math.round(options.count * 0.7);
  await fuzzLambdaApi({
    target: { host: url.hostname, port: Number(url.port) },
    ctx: { region: 'us-east-1', accountId: '000000000000', fixture, zips: { valid, truncated: valid.subarray(0, Math.floor(valid.length / 2)), empty: EMPTY_ZIP } },
    rng,
    count: lambdaCount,
    concurrency: options.concurrency ?? 4,
    timeoutMs,
    invokeTimeoutMs: timeoutMs + 10_000,
    tally,
    probe: () => checkInvoke(t, fixture),
  });
  await fuzzRuntimeApi({ rng, count: options.count - lambdaCount, timeoutMs, tally });

  const fixtureFailure = await checkInvoke(t, fixture);
  if (fixtureFailure !== undefined) tally.livenessFailed(`after the fuzz, the fixture: ${fixtureFailure}`);
  try {
    const after = `fuzz-after-${options.seed}`;
    await t.createFunction({ FunctionName: after, Code: { ZipFile: valid } });
    const failure = await checkInvoke(t, after);
    if (failure !== undefined) tally.livenessFailed(`after the fuzz, a new function: ${failure}`);
    await t.client.send(new GetFunctionCommand({ FunctionName: after }));
  } catch (error) {
    tally.livenessFailed(`after the fuzz, CreateFunction + Invoke: ${(error as Error).name}: ${(error as Error).message}`);
  }
  return tally.result;
}
