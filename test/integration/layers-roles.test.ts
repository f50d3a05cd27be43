import { randomUUID } from 'node:crypto';
import { CreateFunctionCommand, InvokeCommand, LambdaClient, PublishLayerVersionCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { startLambdock, startLambdockApi, type Lambdock, type LambdockApi } from '../../src/main/lambdock.js';
import { closeInstallation, roleSettings } from '../helpers/role-settings.js';
import { ROLE } from '../helpers/test-lambdock.js';
import { makeZip, nodeZip } from '../helpers/zip.js';

// An api process and one worker on one Redis, each with its own data dir: the worker has none of the
// layers' code until it fetches it from the api, by hash, as it does the function's.
const prefix = `${inject('testRunPrefix')}-layers-roles-${randomUUID().slice(0, 8)}`;
const dirs: string[] = [];
const workers: Lambdock[] = [];
let api: LambdockApi;
let client: LambdaClient;

const settings = (role: string, name: string) => roleSettings(inject('testRunPrefix'), prefix, role, name, dirs);
const logger = pino({ level: process.env.LAMBDOCK_TEST_LOG_LEVEL ?? 'silent' });

beforeAll(async () => {
  workers.push(await startLambdock(loadConfig(await settings('worker', 'w1')), { logger, drainTimeoutMs: 5_000 }));
  api = await startLambdockApi(loadConfig(await settings('api', 'api')), { logger });
  client = new LambdaClient({ endpoint: api.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
});
afterAll(async () => {
  await closeInstallation({ client, api, workers, prefix, dirs });
});

describe('layers with an api process and a worker', () => {
  it('runs a function with layers on a worker that fetches their code from the api', async () => {
    const publish = async (name: string, value: string) =>
      (
        await client.send(
          new PublishLayerVersionCommand({
            LayerName: name,
            Content: { ZipFile: await makeZip({ 'nodejs/node_modules/from-layer/index.js': `module.exports = ${JSON.stringify(value)};` }) },
          }),
        )
      ).LayerVersionArn ?? '';
    const layers = [await publish('remote-one', 'one'), await publish('remote-two', 'two')];
    await client.send(
      new CreateFunctionCommand({
        FunctionName: 'remote-layers',
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: ROLE,
        Code: { ZipFile: await nodeZip(`exports.handler = async () => require('from-layer');`) },
        Layers: layers,
      }),
    );
    await waitUntilFunctionActiveV2({ client, maxWaitTime: 60, minDelay: 1 }, { FunctionName: 'remote-layers' });
    const out = await client.send(new InvokeCommand({ FunctionName: 'remote-layers' }));
    const body = Buffer.from(out.Payload ?? []).toString();
    expect(out.FunctionError, body).toBeUndefined();
    expect(JSON.parse(body)).toBe('two');
  });
});
