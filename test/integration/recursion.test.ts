import { setTimeout as sleep } from 'node:timers/promises';
import { GetFunctionRecursionConfigCommand, PutFunctionRecursionConfigCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLineageHash } from '../../src/invocation/recursion-guard.js';
import { awsError } from '../helpers/lambda-error-of.js';
import { nodeZip } from '../helpers/zip.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

let t: TestLambdock;

beforeAll(async () => {
  t = await startTestLambdock();
  await t.createFunction({
    FunctionName: 'loop',
    Code: { ZipFile: await nodeZip('let calls = 0; exports.handler = async () => ({ calls: ++calls, trace: process.env._X_AMZN_TRACE_ID });') },
  });
});
afterAll(async () => {
  await t?.close();
});

const ROOT = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0';
const hash = getLineageHash('arn:aws:lambda:us-east-1:000000000000:function:loop');

/** Invokes `loop` as a function of a chain would: its SDK passes the trace header (with its Lineage) on. */
async function invokeInChain(count: number, invocationType = 'RequestResponse') {
  const res = await fetch(`${t.url}/2015-03-31/functions/loop/invocations`, {
    method: 'POST',
    headers: { 'x-amzn-trace-id': `${ROOT};Lineage=${hash}:${count}`, 'x-amz-invocation-type': invocationType },
    body: '{}',
  });
  return { status: res.status, type: res.headers.get('x-amzn-errortype'), body: (await res.text()) };
}

const SELF_INVOKER = `const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');
const lambda = new LambdaClient({ maxAttempts: 1 });
exports.handler = async (event) => {
  const depth = event.depth ?? 0;
  try {
    const out = await lambda.send(new InvokeCommand({ FunctionName: process.env.AWS_LAMBDA_FUNCTION_NAME, Payload: JSON.stringify({ depth: depth + 1 }) }));
    return JSON.parse(Buffer.from(out.Payload).toString());
  } catch (e) {
    return { stoppedAt: depth, error: e.name };
  }
};`;

describe('recursive loop detection', () => {
  it('stops a function that invokes itself (stock SDK, through the endpoint lambdock injects) after 16 recursive calls', async () => {
    await t.createFunction({ FunctionName: 'self', Timeout: 120, Code: { ZipFile: await nodeZip(SELF_INVOKER) } });
    const out = await t.invoke({ FunctionName: 'self', Payload: Buffer.from('{}') });
    expect(out.FunctionError, out.body).toBeUndefined();
    expect(out.json()).toEqual({ stoppedAt: 16, error: 'RecursiveInvocationException' });
  }, 180_000);

  it('counts the function in the Lineage of its trace, and stops its 17th recursive invocation', async () => {
    const fifteen = await invokeInChain(15);
    expect(fifteen.status).toBe(200);
    expect((JSON.parse(fifteen.body) as { trace: string }).trace).toContain(`Lineage=${hash}:16`);

    const stopped = await invokeInChain(16);
    expect(stopped.status).toBe(400);
    expect(stopped.type).toContain('RecursiveInvocationException');
    expect(JSON.parse(stopped.body)).toEqual({
      Type: 'User',
      Message: "Lambda has detected your function being invoked in a recursive loop with other AWS resources and stopped your function's invocation.",
    });

    // An event is accepted and dropped: the function does not run it.
    const before = (JSON.parse((await invokeInChain(0)).body) as { calls: number }).calls;
    expect((await invokeInChain(16, 'Event')).status).toBe(202);
    await sleep(1500);
    expect((JSON.parse((await invokeInChain(0)).body) as { calls: number }).calls).toBe(before + 1);
  });

  it('lets loops run with RecursiveLoop Allow (Put/GetFunctionRecursionConfig), and refuses other values', async () => {
    expect(await t.client.send(new GetFunctionRecursionConfigCommand({ FunctionName: 'loop' }))).toMatchObject({ RecursiveLoop: 'Terminate' });
    const put = await t.client.send(new PutFunctionRecursionConfigCommand({ FunctionName: 'loop', RecursiveLoop: 'Allow' }));
    expect(put.RecursiveLoop).toBe('Allow');
    expect(await t.client.send(new GetFunctionRecursionConfigCommand({ FunctionName: 'loop' }))).toMatchObject({ RecursiveLoop: 'Allow' });
    expect((await invokeInChain(40)).status).toBe(200);

    const invalid = await awsError(t.client.send(new PutFunctionRecursionConfigCommand({ FunctionName: 'loop', RecursiveLoop: 'InvalidValue' as never })));
    expect(invalid.name).toBe('ValidationException');
    expect(invalid.message).toBe(
      "1 validation error detected: Value 'InvalidValue' at 'recursiveLoop' failed to satisfy constraint: Member must satisfy enum value set: [Terminate, Allow]",
    );
    const missing = await awsError(t.client.send(new PutFunctionRecursionConfigCommand({ FunctionName: 'nope', RecursiveLoop: 'Allow' })));
    expect(missing.name).toBe('ResourceNotFoundException');
  });
});
