/**
 * Functions calling lambdock, part of `npm run bench`: a warm Invoke of another function made from inside
 * a function with the runtime's bundled AWS SDK v3 (signed with the environment's credentials, to the
 * endpoint for sandboxes), timed inside the function, beside the same SDK call from the host to the public
 * API (no signature check) in the same run. Runs a lambdock of its own.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { startTestLambdock } from '../test/helpers/test-lambdock.js';
import { nodeZip } from '../test/helpers/zip.js';

const RUNS = Number(process.env.BENCH_SANDBOX_CALL_RUNS ?? 300);

const PROBER = `const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');
const lambda = new LambdaClient({ maxAttempts: 1 });
exports.handler = async (event) => {
  const samples = [];
  for (let i = 0; i < event.runs; i += 1) {
    const started = performance.now();
    await lambda.send(new InvokeCommand({ FunctionName: 'callee', Payload: '{}' }));
    samples.push(performance.now() - started);
  }
  return samples;
};`;

export async function measureSandboxCalls(): Promise<Array<{ scenario: string; samples: number[] }>> {
  const t = await startTestLambdock({ LAMBDOCK_PAUSE_GRACE_MS: '1000' }, 'bench');
  try {
    await t.createFunction({ FunctionName: 'callee', Code: { ZipFile: await nodeZip('exports.handler = async () => 1;') } });
    await t.createFunction({ FunctionName: 'prober', Timeout: 300, MemorySize: 1024, Code: { ZipFile: await nodeZip(PROBER) } });
    // Warm both (and the SDK's connection), then measure.
    await t.invoke({ FunctionName: 'prober', Payload: Buffer.from(JSON.stringify({ runs: 20 })) });
    const inside = (await t.invoke({ FunctionName: 'prober', Payload: Buffer.from(JSON.stringify({ runs: RUNS })) })).json() as number[];
    const host = new LambdaClient({ endpoint: t.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    for (let i = 0; i < 20; i += 1) await host.send(new InvokeCommand({ FunctionName: 'callee', Payload: '{}' }));
    const outside: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const started = performance.now();
      await host.send(new InvokeCommand({ FunctionName: 'callee', Payload: '{}' }));
      outside.push(performance.now() - started);
    }
    host.destroy();
    return [
      { scenario: 'lambdock function → function Invoke (bundled SDK v3, signed, endpoint for sandboxes)', samples: inside },
      { scenario: 'baseline: the same SDK call from the host to the public API', samples: outside },
    ];
  } finally {
    await t.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))] ?? NaN;
  for (const row of await measureSandboxCalls()) {
    process.stdout.write(`${row.scenario}: n=${row.samples.length} p50=${quantile(row.samples, 0.5).toFixed(2)} p99=${quantile(row.samples, 0.99).toFixed(2)} ms\n`);
  }
}
