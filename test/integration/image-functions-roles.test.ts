import { randomUUID } from 'node:crypto';
import { CreateFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import Dockerode from 'dockerode';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { startLambdock, startLambdockApi, type Lambdock, type LambdockApi } from '../../src/main/lambdock.js';
import { awsError } from '../helpers/lambda-error-of.js';
import { closeInstallation, roleSettings } from '../helpers/role-settings.js';
import { BASH_RUNTIME, buildTestImage, removeTestImages } from '../helpers/test-images.js';
import { ROLE } from '../helpers/test-lambdock.js';

// An api process (no engine of its own) and one worker on one Redis: the api looks the image up on the worker.
const prefix = `${inject('testRunPrefix')}-image-roles-${randomUUID().slice(0, 8)}`;
const dirs: string[] = [];
const workers: Lambdock[] = [];
const docker = new Dockerode();
const tag = `lambdock-test-image-roles:${process.pid}`;
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
  await removeTestImages(docker, [tag]);
});

describe('container-image functions with an api process and a worker', () => {
  it("checks ImageUri on the workers' engines and runs the image on a worker", async () => {
    const missing = await awsError(
      client.send(new CreateFunctionCommand({ FunctionName: 'nope', Role: ROLE, PackageType: 'Image', Code: { ImageUri: tag } })),
    );
    expect(missing.message).toBe(`Source image ${tag} does not exist. Provide a valid source image.`);

    await buildTestImage(
      docker,
      tag,
      ['FROM lambdock-runtime:provided', 'COPY run.sh /app/run.sh', 'ENV IMAGE_TAG=roles', 'ENTRYPOINT ["/app/run.sh"]', ''].join('\n'),
      { 'run.sh': BASH_RUNTIME },
    );
    await client.send(new CreateFunctionCommand({ FunctionName: 'remote-image', Role: ROLE, PackageType: 'Image', Code: { ImageUri: tag } }));
    await waitUntilFunctionActiveV2({ client, maxWaitTime: 60, minDelay: 1 }, { FunctionName: 'remote-image' });
    const out = await client.send(new InvokeCommand({ FunctionName: 'remote-image', Payload: Buffer.from('{"n":7}') }));
    const body = Buffer.from(out.Payload ?? []).toString();
    expect(out.FunctionError, body).toBeUndefined();
    expect(JSON.parse(body)).toEqual({ echo: { n: 7 }, tag: 'roles' });
  });
});
