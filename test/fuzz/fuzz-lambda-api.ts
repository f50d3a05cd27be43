import type { FuzzTally } from './fuzz-tally.js';
import { nextLambdaCase, type LambdaFuzzContext } from './lambda-api-cases.js';
import type { Rng } from './prng.js';
import { sendRaw, type Target } from './raw-http.js';

export interface LambdaFuzzOptions {
  target: Target;
  ctx: LambdaFuzzContext;
  rng: Rng;
  count: number;
  concurrency: number;
  timeoutMs: number;
  /** Invokes may run a function (3 s timeout) in a sandbox that may need a cold start first. */
  invokeTimeoutMs: number;
  tally: FuzzTally;
  /** A well-behaved client's call, made every `probeEvery` requests: what went wrong, if anything. */
  probe?: () => Promise<string | undefined>;
  probeEvery?: number;
}

/**
 * Sends `count` malformed Lambda API requests, `concurrency` at a time. Cases are drawn from the one seeded
 * generator in order, so a seed always produces the same requests (only their interleaving varies).
 */
export async function fuzzLambdaApi(options: LambdaFuzzOptions): Promise<void> {
  const { target, ctx, rng, count, tally } = options;
  let issued = 0;
  const worker = async () => {
    while (issued < count) {
      issued += 1;
      const n = issued;
      if (options.probe !== undefined && n % (options.probeEvery ?? 500) === 0) {
        const failure = await options.probe();
        if (failure !== undefined) tally.livenessFailed(`Lambda API after ${n} requests: ${failure}`);
      }
      const fuzzCase = nextLambdaCase(rng, ctx);
      const timeout = fuzzCase.label.startsWith('Invoke') ? options.invokeTimeoutMs : options.timeoutMs;
      const outcome = await sendRaw(target, fuzzCase.request, timeout);
      tally.record('lambda', fuzzCase.label, fuzzCase.request, outcome);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
}
