import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeZip } from '../helpers/zip.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

let t: TestLambdock;

beforeAll(async () => {
  // Even with the API on every interface, function code must not reach it.
  t = await startTestLambdock({ LAMBDOCK_HOST: '0.0.0.0' });
});
afterAll(async () => {
  await t?.close();
});

describe('the control plane, seen from a sandbox', () => {
  it('refuses the Lambda API on the address sandboxes reach lambdock at', async () => {
    const port = new URL(t.url).port;
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    await t.createFunction({
      FunctionName: 'curious',
      Timeout: 10,
      Code: {
        ZipFile: await nodeZip(`
const http = require('http');
exports.handler = async (event) => new Promise((resolve) => {
  const host = process.env.AWS_LAMBDA_RUNTIME_API.split(':')[0];
  const req = http.get({ host, port: event.port, path: '/2015-03-31/functions' }, (res) => resolve({ reached: true, status: res.statusCode }));
  req.on('error', (e) => resolve({ reached: false, error: e.code }));
  req.setTimeout(2000, () => { req.destroy(); resolve({ reached: false, error: 'timeout' }); });
});`),
      },
    });
    const out = await t.invoke({ FunctionName: 'curious', Payload: Buffer.from(JSON.stringify({ port: Number(port) })) });
    expect(out.FunctionError).toBeUndefined();
    expect(out.json()).toMatchObject({ reached: false });
  });
});
