import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchAwsRicDir } from '../helpers/aws-ric.js';
import { makeZip, type ZipFiles } from '../helpers/zip.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

let t: TestLambdock;
let ricDir: string;

/** AWS's own Node.js Runtime Interface Client (bin, dist and package.json is all it needs at run time). */
async function ricFiles(): Promise<ZipFiles> {
  const files: ZipFiles = {};
  const add = async (relative: string) => {
    const full = path.join(ricDir, relative);
    const info = await stat(full);
    if (info.isDirectory()) {
      for (const entry of await readdir(full)) await add(path.join(relative, entry));
    } else {
      files[`node_modules/aws-lambda-ric/${relative}`] = { content: await readFile(full), mode: info.mode & 0o777 };
    }
  };
  for (const part of ['bin', 'dist', 'package.json']) await add(part);
  return files;
}

beforeAll(async () => {
  // Built outside node_modules (scripts/build-aws-ric.sh): a first build takes a minute or two.
  ricDir = await fetchAwsRicDir();
  t = await startTestLambdock();
}, 900_000);
afterAll(async () => {
  await t?.close();
});

describe("AWS's aws-lambda-ric as the runtime client", () => {
  it('runs a handler through lambdock\'s Runtime API: responses, errors, context, warm reuse', async () => {
    const zip = await makeZip({
      ...(await ricFiles()),
      // AWS_LAMBDA_EXEC_WRAPPER replaces the runtime's own client with AWS's.
      'ric-wrapper': { content: '#!/bin/sh\nexec node /var/task/node_modules/aws-lambda-ric/bin/index.mjs "$_HANDLER"\n', mode: 0o755 },
      'index.mjs': {
        content: `let calls = 0;
export const handler = async (event, context) => {
  calls += 1;
  if (event.fail) throw new RangeError('ric says no');
  return { calls, event, requestId: context.awsRequestId, remaining: context.getRemainingTimeInMillis(), arn: context.invokedFunctionArn };
};`,
        mode: 0o644,
      },
    });
    await t.createFunction({
      FunctionName: 'ric',
      Code: { ZipFile: zip },
      Timeout: 10,
      Environment: { Variables: { AWS_LAMBDA_EXEC_WRAPPER: '/var/task/ric-wrapper' } },
    });

    const first = await t.invoke({ FunctionName: 'ric', Payload: Buffer.from('{"n":1}'), LogType: 'Tail' });
    expect(first.FunctionError).toBeUndefined();
    const body = first.json() as { calls: number; event: unknown; requestId: string; remaining: number; arn: string };
    expect(body).toMatchObject({ calls: 1, event: { n: 1 }, requestId: first.$metadata.requestId, arn: 'arn:aws:lambda:us-east-1:000000000000:function:ric' });
    expect(body.remaining).toBeGreaterThan(5000);
    expect(body.remaining).toBeLessThanOrEqual(10000);

    const failed = await t.invoke({ FunctionName: 'ric', Payload: Buffer.from('{"fail":true}') });
    expect(failed.FunctionError).toBe('Unhandled');
    expect(failed.json()).toMatchObject({ errorType: 'RangeError', errorMessage: 'ric says no' });
    // AWS's client names the stack `trace` (lambdock's own runtime says `stackTrace`): this ran through the RIC.
    expect((failed.json() as { trace: string[] }).trace[0]).toMatch(/RangeError: ric says no/);

    const again = (await t.invoke({ FunctionName: 'ric', Payload: Buffer.from('{"n":3}') })).json() as { calls: number };
    expect(again.calls).toBe(3);
    expect(await t.containersOf('ric')).toHaveLength(1);
  });
});
