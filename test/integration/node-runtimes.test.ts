// The Node.js runtimes as AWS ships them, on real sandboxes: nodejs20.x, nodejs22.x and nodejs24.x, the
// AWS SDK for JavaScript v3 resolvable from /var/runtime/node_modules (CommonJS and ES modules), and
// streaming handlers answering a plain Invoke buffered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeZip } from '../helpers/zip.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

let t: TestLambdock;

const NODE_RUNTIMES = [
  { runtime: 'nodejs20.x', major: 20 },
  { runtime: 'nodejs22.x', major: 22 },
  { runtime: 'nodejs24.x', major: 24 },
] as const;

// AWS's nodejs-apig sample style: the handler requires the SDK client it does not bundle and builds a
// client at module load. It calls nothing external: it reports what it loaded and from where.
const APIG_STYLE = `
const { LambdaClient, GetAccountSettingsCommand } = require('@aws-sdk/client-lambda');
const lambda = new LambdaClient();
exports.handler = async () => ({
  nodeVersion: process.version,
  sdkVersion: require('@aws-sdk/client-lambda/package.json').version,
  resolvedFrom: require.resolve('@aws-sdk/client-lambda'),
  region: await lambda.config.region(),
  command: new GetAccountSettingsCommand({}).constructor.name,
  executionEnv: process.env.AWS_EXECUTION_ENV,
  nodePath: process.env.NODE_PATH,
  streamify: typeof awslambda.streamifyResponse,
});`;

const ESM_S3 = `
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fromEnv } from '@aws-sdk/credential-providers';
const s3 = new S3Client({ credentials: fromEnv() });
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async () => ({
  nodeVersion: process.version,
  s3: s3.constructor.name,
  put: new PutObjectCommand({ Bucket: 'b', Key: 'k' }).input,
  documents: documents.constructor.name,
  region: await s3.config.region(),
});`;

const STREAMING = `
export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const stream = awslambda.HttpResponseStream.from(responseStream, { statusCode: 200, headers: { 'content-type': 'text/plain' } });
  stream.write('streamed ');
  await new Promise((resolve) => setTimeout(resolve, 20));
  stream.end('on ' + process.version);
});`;

beforeAll(async () => {
  t = await startTestLambdock({ LAMBDOCK_PAUSE_GRACE_MS: '50' });
});
afterAll(async () => {
  await t?.close();
});

type ApigReport = {
  nodeVersion: string;
  sdkVersion: string;
  resolvedFrom: string;
  region: string;
  command: string;
  executionEnv: string;
  nodePath: string;
  streamify: string;
};

describe('Node.js runtimes', () => {
  it.each(NODE_RUNTIMES)(
    '$runtime: a nodejs-apig-style handler requires @aws-sdk/client-lambda it did not bundle, on Node $major',
    async ({ runtime, major }) => {
      const name = `apig-${major}`;
      await t.createFunction({ FunctionName: name, Runtime: runtime, Code: { ZipFile: await makeZip({ 'index.js': APIG_STYLE }) } });
      const out = await t.invoke({ FunctionName: name });
      expect(out.FunctionError, out.body).toBeUndefined();
      const report = out.json() as ApigReport;
      expect(report.nodeVersion).toMatch(new RegExp(`^v${major}\\.`));
      expect(report).toMatchObject({
        sdkVersion: '3.1164.0',
        resolvedFrom: '/var/runtime/node_modules/@aws-sdk/client-lambda/dist-cjs/index.js',
        region: 'us-east-1',
        command: 'GetAccountSettingsCommand',
        executionEnv: `AWS_Lambda_${runtime}`,
        streamify: 'function',
      });
      expect(report.nodePath).toBe(
        `/opt/nodejs/node${major}/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/task`,
      );
    },
  );

  it.each(NODE_RUNTIMES)('$runtime: an ES module handler imports @aws-sdk/client-s3, lib-dynamodb and credential-providers', async ({ runtime, major }) => {
    const name = `esm-${major}`;
    await t.createFunction({ FunctionName: name, Runtime: runtime, Code: { ZipFile: await makeZip({ 'index.mjs': ESM_S3 }) } });
    const out = await t.invoke({ FunctionName: name });
    expect(out.FunctionError, out.body).toBeUndefined();
    expect(out.json()).toEqual({
      nodeVersion: expect.stringMatching(new RegExp(`^v${major}\\.`)),
      s3: 'S3Client',
      put: { Bucket: 'b', Key: 'k' },
      documents: 'DynamoDBDocumentClient',
      region: 'us-east-1',
    });
  });

  it.each([
    { runtime: 'nodejs20.x', nodeOptions: undefined, outcome: 'ERR_REQUIRE_ESM' },
    { runtime: 'nodejs22.x', nodeOptions: undefined, outcome: 'ERR_REQUIRE_ESM' },
    { runtime: 'nodejs22.x', nodeOptions: '--experimental-require-module', outcome: 'loaded' },
    { runtime: 'nodejs24.x', nodeOptions: undefined, outcome: 'loaded' },
  ] as const)('$runtime with NODE_OPTIONS $nodeOptions: require() of an ES module gives $outcome, as on AWS', async ({ runtime, nodeOptions, outcome }) => {
    const name = `require-esm-${runtime.replace('.', '')}-${nodeOptions === undefined ? 'default' : 'on'}`;
    const zip = await makeZip({
      'index.js': `exports.handler = async () => { try { require('./esm.mjs'); return 'loaded'; } catch (error) { return error.code; } };`,
      'esm.mjs': 'export const x = 1;',
    });
    await t.createFunction({
      FunctionName: name,
      Runtime: runtime,
      Code: { ZipFile: zip },
      ...(nodeOptions === undefined ? {} : { Environment: { Variables: { NODE_OPTIONS: nodeOptions } } }),
    });
    expect((await t.invoke({ FunctionName: name })).json()).toBe(outcome);
  });

  it("prefers an SDK client the function bundles over the runtime's, as on AWS", async () => {
    const zip = await makeZip({
      'index.js': `exports.handler = async () => require('@aws-sdk/client-lambda').own;`,
      'node_modules/@aws-sdk/client-lambda/package.json': '{"name":"@aws-sdk/client-lambda","version":"3.0.0-own","main":"index.js"}',
      'node_modules/@aws-sdk/client-lambda/index.js': 'exports.own = "bundled by the function";',
    });
    await t.createFunction({ FunctionName: 'own-sdk', Runtime: 'nodejs22.x', Code: { ZipFile: zip } });
    expect((await t.invoke({ FunctionName: 'own-sdk' })).json()).toBe('bundled by the function');
  });

  it('answers a streaming handler invoked through Invoke buffered: what it wrote, prelude included', async () => {
    await t.createFunction({ FunctionName: 'streaming', Runtime: 'nodejs24.x', Code: { ZipFile: await makeZip({ 'index.mjs': STREAMING }) } });
    const out = await t.invoke({ FunctionName: 'streaming' });
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError, out.body).toBeUndefined();
    const prelude = '{"statusCode":200,"headers":{"content-type":"text/plain"}}';
    expect(out.body).toMatch(new RegExp(`^${prelude.replace(/[{}]/g, '\\$&')}\\0{8}streamed on v24\\.`));
  });
});
