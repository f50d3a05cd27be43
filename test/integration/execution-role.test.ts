import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeZip } from '../helpers/zip.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

let t: TestLambdock;

beforeAll(async () => {
  t = await startTestLambdock();
});
afterAll(async () => {
  await t?.close();
});

const ENV_HANDLER = `exports.handler = async () => {
  const e = process.env;
  return { keyId: e.AWS_ACCESS_KEY_ID, secret: e.AWS_SECRET_ACCESS_KEY, token: e.AWS_SESSION_TOKEN, trace: e._X_AMZN_TRACE_ID,
    xray: [e.AWS_XRAY_CONTEXT_MISSING, e.AWS_XRAY_DAEMON_ADDRESS], endpoint: e.AWS_ENDPOINT_URL ?? null };
};`;

describe("the execution role's credentials in every environment", () => {
  it('gives each environment temporary credentials, a trace per invocation and the X-Ray variables', async () => {
    await t.createFunction({ FunctionName: 'env-creds', Code: { ZipFile: await nodeZip(ENV_HANDLER) } });
    const first = (await t.invoke({ FunctionName: 'env-creds' })).json() as Record<string, unknown>;
    expect(first.keyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(first.secret).toHaveLength(40);
    expect(first.token).toMatch(/^lambdock1\./);
    expect(first.trace).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
    expect(first.xray).toEqual(['LOG_ERROR', '169.254.79.129:2000']);
    const second = (await t.invoke({ FunctionName: 'env-creds' })).json() as Record<string, unknown>;
    // The same environment keeps its credentials; each invocation has its own trace.
    expect(second.keyId).toBe(first.keyId);
    expect(second.trace).not.toBe(first.trace);
    // A caller's trace is kept (its Root), with Lambda's segment as the Parent.
    const res = await fetch(`${t.url}/2015-03-31/functions/env-creds/invocations`, {
      method: 'POST',
      headers: { 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1' },
      body: '{}',
    });
    const traced = (await res.json()) as { trace: string };
    expect(traced.trace).toMatch(/^Root=1-5759e988-bd862e3fe1be46a994272793;Parent=(?!53995c3f42cd8ad8)[0-9a-f]{16};Sampled=1$/);
  });
});
