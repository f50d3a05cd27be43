import {
  CreateFunctionCommand,
  PublishLayerVersionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsError } from '../helpers/lambda-error-of.js';
import { ROLE, startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { makeZip, nodeZip, type ZipFiles } from '../helpers/zip.js';

let t: TestLambdock;

beforeAll(async () => {
  t = await startTestLambdock();
});
afterAll(async () => {
  await t?.close();
});

async function publishLayer(name: string, files: ZipFiles): Promise<string> {
  const out = await t.client.send(new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: await makeZip(files) } }));
  return out.LayerVersionArn ?? '';
}

const module = (value: string) => `module.exports = ${JSON.stringify(value)};`;

describe('layers in the sandbox (/opt)', () => {
  it('lets a Node function require a module only its layer provides, from a read-only /opt', async () => {
    const layer = await publishLayer('greeting', { 'nodejs/node_modules/greeting/index.js': module('hello from the layer') });
    const code = await nodeZip(`
      const fs = require('node:fs');
      exports.handler = async () => {
        let writable = true;
        try { fs.writeFileSync('/opt/scribble', 'x'); } catch { writable = false; }
        return { greeting: require('greeting'), writable };
      };`);
    await t.createFunction({ FunctionName: 'needs-layer', Code: { ZipFile: code }, Layers: [layer] });
    const out = await t.invoke({ FunctionName: 'needs-layer' });
    expect(out.FunctionError).toBeUndefined();
    expect(out.json()).toEqual({ greeting: 'hello from the layer', writable: false });
  });

  it('extracts layers in order: a later layer overrides a file of an earlier one', async () => {
    const first = await publishLayer('base', {
      'nodejs/node_modules/shared/index.js': module('from the first layer'),
      'nodejs/node_modules/first-only/index.js': module('only in the first'),
    });
    const second = await publishLayer('override', { 'nodejs/node_modules/shared/index.js': module('from the second layer') });
    const code = await nodeZip(`exports.handler = async () => [require('shared'), require('first-only')];`);
    await t.createFunction({ FunctionName: 'ordered-layers', Code: { ZipFile: code }, Layers: [first, second] });
    expect((await t.invoke({ FunctionName: 'ordered-layers' })).json()).toEqual(['from the second layer', 'only in the first']);
    // The other order, the other file.
    await t.createFunction({ FunctionName: 'reordered-layers', Code: { ZipFile: code }, Layers: [second, first] });
    expect((await t.invoke({ FunctionName: 'reordered-layers' })).json()).toEqual(['from the first layer', 'only in the first']);
  });

  it('serves a provided.al2023 function from a bash bootstrap in a layer when the function has none', async () => {
    const bootstrap = `#!/bin/sh
set -euo pipefail
source "$LAMBDA_TASK_ROOT/$(echo "$_HANDLER" | cut -d. -f1).sh"
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -LD "$HEADERS" "http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  RESPONSE=$($(echo "$_HANDLER" | cut -d. -f2) "$EVENT")
  curl -sS "http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/response" -d "$RESPONSE"
done
`;
    const layer = await publishLayer('bash-runtime', { bootstrap: { content: bootstrap, mode: 0o755 } });
    const code = await makeZip({ 'function.sh': { content: 'function handler () {\n  echo "layer runtime got $1"\n}\n', mode: 0o755 } });
    await t.createFunction({ FunctionName: 'layer-bootstrap', Runtime: 'provided.al2023', Handler: 'function.handler', Code: { ZipFile: code }, Layers: [layer] });
    const out = await t.invoke({ FunctionName: 'layer-bootstrap', Payload: Buffer.from('{"n":1}') });
    expect(out.FunctionError).toBeUndefined();
    expect(out.body).toBe('layer runtime got {"n":1}');
  });

  it('retires the environment when Layers change: the next invoke sees the new layer', async () => {
    const v1 = await publishLayer('changing', { 'nodejs/node_modules/which/index.js': module('version one') });
    const v2 = await publishLayer('changing', { 'nodejs/node_modules/which/index.js': module('version two') });
    const code = await nodeZip(`exports.handler = async () => require('which');`);
    await t.createFunction({ FunctionName: 'changing-layers', Code: { ZipFile: code }, Layers: [v1] });
    expect((await t.invoke({ FunctionName: 'changing-layers' })).json()).toBe('version one');
    expect((await t.invoke({ FunctionName: 'changing-layers' })).json()).toBe('version one');
    await t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'changing-layers', Layers: [v2] }));
    await t.waitUpdated('changing-layers');
    expect((await t.invoke({ FunctionName: 'changing-layers' })).json()).toBe('version two');
    await t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'changing-layers', Layers: [] }));
    await t.waitUpdated('changing-layers');
    const without = await t.invoke({ FunctionName: 'changing-layers' });
    expect(without.FunctionError).toBe('Unhandled');
    expect(without.body).toMatch(/Cannot find module 'which'/);
  });

  it('refuses function code and layers past 250 MB unzipped together, with AWS\'s message', async () => {
    // Zeros compress to almost nothing: 150 MB in the layer, 110 MB in the function (each under the limit alone).
    const layerBytes = 150 * 1024 * 1024;
    const codeBytes = 110 * 1024 * 1024;
    const layer = await publishLayer('big-layer', { 'big.bin': Buffer.alloc(layerBytes) });
    const bigCode = await makeZip({ 'index.js': 'exports.handler = async () => 1;', 'big.bin': Buffer.alloc(codeBytes) });
    const indexBytes = Buffer.byteLength('exports.handler = async () => 1;');
    const message = (total: number) =>
      `Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. The actual size is ${total} bytes.`;
    const onCreate = await awsError(
      t.client.send(
        new CreateFunctionCommand({ FunctionName: 'too-big', Role: ROLE, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: bigCode }, Layers: [layer] }),
      ),
    );
    expect([onCreate.name, onCreate.$metadata.httpStatusCode, onCreate.message]).toEqual([
      'InvalidParameterValueException',
      400,
      message(layerBytes + codeBytes + indexBytes),
    ]);
    // Small code takes the layer; growing the code past the limit with it is refused.
    await t.createFunction({ FunctionName: 'grows', Code: { ZipFile: await nodeZip('exports.handler = async () => 1;') }, Layers: [layer] });
    const onUpdate = await awsError(t.client.send(new UpdateFunctionCodeCommand({ FunctionName: 'grows', ZipFile: bigCode })));
    expect([onUpdate.name, onUpdate.message]).toEqual(['InvalidParameterValueException', message(layerBytes + codeBytes + indexBytes)]);
  });
});
