import Dockerode from 'dockerode';
import { GetFunctionCommand, InvokeCommand, LambdaServiceException } from '@aws-sdk/client-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getInvokeDeadlineMs } from '../../src/invocation/local-executor.js';
import { FreezableSocketProxy } from '../helpers/freezable-socket-proxy.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { within } from '../helpers/within.js';
import { nodeZip } from '../helpers/zip.js';

let proxy: FreezableSocketProxy | undefined;
let t: TestLambdock | undefined;

beforeAll(async () => {
  proxy = await new FreezableSocketProxy('/var/run/docker.sock').listen();
  t = await startTestLambdock({ LAMBDOCK_PAUSE_GRACE_MS: '300' }, undefined, { docker: new Dockerode({ socketPath: proxy.path }) });
  const zip = await nodeZip('exports.handler = async () => "fine";');
  await t.createFunction({ FunctionName: 'warm', Timeout: 3, Code: { ZipFile: zip } });
  await t.createFunction({ FunctionName: 'cold', Timeout: 3, Code: { ZipFile: zip } });
});
afterAll(async () => {
  proxy?.thaw();
  await t?.close().catch(() => undefined);
  await proxy?.close();
});

/** How an SDK call ended: its output, or the AWS error (status and code) it failed with. */
async function answerOf<T>(call: Promise<T>, ms: number, what: string): Promise<{ output: T } | { status?: number; code: string; message: string }> {
  try {
    return { output: await within(ms, call, what) };
  } catch (error) {
    if (!(error instanceof LambdaServiceException)) throw error;
    return { status: error.$metadata.httpStatusCode, code: error.name, message: error.message };
  }
}

describe('a Docker engine that stops answering', () => {
  it('leaves GetFunction alone and answers Invoke within its timeout plus a margin, with an AWS-shaped error', async () => {
    const lambdock = t as TestLambdock;
    const engine = proxy as FreezableSocketProxy;
    expect((await lambdock.invoke({ FunctionName: 'warm' })).body).toBe('"fine"');
    engine.freeze(); // within the pause grace: the environment's `docker pause` will never return
    const bound = getInvokeDeadlineMs(3) + 3_000;
    try {
      await sleep(800);
      const got = await within(5_000, lambdock.client.send(new GetFunctionCommand({ FunctionName: 'warm' })), 'GetFunction');
      expect(got.Configuration?.State).toBe('Active');

      const [warm, cold] = await Promise.all([
        answerOf(lambdock.client.send(new InvokeCommand({ FunctionName: 'warm' })), bound, 'Invoke of a pausing environment'),
        answerOf(lambdock.client.send(new InvokeCommand({ FunctionName: 'cold' })), bound, 'Invoke needing a cold start'),
      ]);
      expect(warm).toStrictEqual({ status: 500, code: 'ServiceException', message: 'The Lambda service encountered an internal error.' });
      // A create that never returns ends in the init timeout: a function error, or a service error.
      if ('output' in cold) expect(cold.output.FunctionError).toBe('Unhandled');
      else expect(cold.status).toBeGreaterThanOrEqual(500);
    } finally {
      engine.thaw();
    }
  });

  it('serves invocations again once the engine answers', async () => {
    const lambdock = t as TestLambdock;
    const out = await within(20_000, lambdock.invoke({ FunctionName: 'warm' }), 'Invoke after thaw');
    expect(out.body).toBe('"fine"');
  });
});
