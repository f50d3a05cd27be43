import { Agent } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  CreateFunctionCommand,
  type CreateFunctionCommandInput,
  DeleteFunctionCommand,
  InvokeCommand,
  type InvokeCommandInput,
  type InvokeCommandOutput,
  LambdaClient,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import pino from 'pino';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { startLambdock, type Lambdock, type StartOptions } from '../../src/main/lambdock.js';
import { LABELS } from '../../src/docker/container-driver.js';
import { findImageFiles } from './leak-checks.js';
import { removeRedisKeys } from './role-settings.js';
import { Redis } from 'ioredis';

export const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

export interface TestLambdock {
  lambdock: Lambdock;
  client: LambdaClient;
  url: string;
  /** The installation's id: the harness's own (`<run prefix>-<random>`), or the one lambdock generated. */
  instanceId: string;
  /** This instance's data dir (code under `code/`). */
  dataDir: string;
  /** Creates a function and waits until it is Active. */
  createFunction(input: Partial<CreateFunctionCommandInput> & { FunctionName: string; Code: { ZipFile: Uint8Array } }): Promise<void>;
  waitUpdated(name: string): Promise<void>;
  invoke(input: InvokeCommandInput): Promise<InvokeCommandOutput & { body: string; json: () => unknown; logs: string }>;
  /** Ids of this instance's containers for one function, as the engine lists them. */
  containersOf(functionName: string): Promise<Array<{ id: string; state: string }>>;
  close(): Promise<void>;
}

/**
 * Starts a whole lambdock in this process, in its own Redis namespace, data dir and container label
 * (`<run prefix>-<random>`; the test run's teardown sweeps what carries its prefix and fails on it).
 * `LAMBDOCK_INSTANCE_ID: ''` lets lambdock pick its id as an installation would (then the test checks
 * for leftovers itself: teardown cannot know the id).
 */
export async function startTestLambdock(
  env: Record<string, string> = {},
  prefix = inject('testRunPrefix'),
  options: Pick<StartOptions, 'docker' | 'logger'> = {},
): Promise<TestLambdock> {
  const ownId = `${prefix}-${randomUUID().slice(0, 8)}`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `lambdock-${prefix}-`));
  const settings: Record<string, string> = {
    LAMBDOCK_PORT: '0',
    LAMBDOCK_DATA_DIR: dataDir,
    LAMBDOCK_INSTANCE_ID: ownId,
    LAMBDOCK_REDIS_PREFIX: ownId,
    LAMBDOCK_BUILD_IMAGES: 'false',
    // Stem cells are their own tests' (stem-cells.test.ts): elsewhere they would only add containers.
    LAMBDOCK_STEM_CELLS: '0',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    ...env,
  };
  if (settings.LAMBDOCK_INSTANCE_ID === '') delete settings.LAMBDOCK_INSTANCE_ID;
  const config = loadConfig(settings);
  const logger = pino({ level: process.env.LAMBDOCK_TEST_LOG_LEVEL ?? 'silent' });
  const lambdock = await startLambdock(config, { logger, drainTimeoutMs: 5_000, ...options });
  const instanceId = lambdock.instanceId;
  const client = new LambdaClient({
    endpoint: lambdock.url,
    region: config.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    // Bursts in tests go out at once, not 50 at a time (the SDK's default).
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 1024 }) },
  });

  const harness: TestLambdock = {
    lambdock,
    client,
    url: lambdock.url,
    instanceId,
    dataDir,
    async createFunction(input) {
      await client.send(
        new CreateFunctionCommand({ Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, ...input }),
      );
      await waitUntilFunctionActiveV2({ client, maxWaitTime: 60, minDelay: 1 }, { FunctionName: input.FunctionName });
    },
    async waitUpdated(name) {
      await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 60, minDelay: 1 }, { FunctionName: name });
    },
    async invoke(input) {
      const out = await client.send(new InvokeCommand(input));
      const body = out.Payload == null ? '' : Buffer.from(out.Payload).toString('utf8');
      const logs = out.LogResult === undefined ? '' : Buffer.from(out.LogResult, 'base64').toString('utf8');
      return { ...out, body, logs, json: () => JSON.parse(body) as unknown };
    },
    async containersOf(functionName) {
      const list = await lambdock.docker.listContainers({
        all: true,
        filters: { label: [`${LABELS.instance}=${instanceId}`, `${LABELS.function}=${functionName}`] },
      });
      return list.map((c) => ({ id: c.Id, state: c.State }));
    },
    async close() {
      client.destroy();
      await lambdock.close();
      // Its own Redis namespace goes too (lambdock itself keeps its data: it is a store). A prefix the
      // test chose may be shared with another installation: that test cleans it.
      if (settings.LAMBDOCK_REDIS_PREFIX === ownId) {
        const redis = new Redis(settings.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
        await removeRedisKeys(redis, ownId).finally(() => redis.quit());
      }
      // A /tmp image left behind is a leak: keep the data dir for the run's teardown to report.
      if ((await findImageFiles(dataDir)).length === 0) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

export async function deleteQuietly(t: TestLambdock, name: string): Promise<void> {
  await t.client.send(new DeleteFunctionCommand({ FunctionName: name })).catch(() => undefined);
}
