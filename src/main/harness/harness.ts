import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  waitUntilFunctionActiveV2,
  type CreateFunctionCommandInput,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Redis } from 'ioredis';
import pino from 'pino';
import { loadConfig } from '../../config/config.js';
import { startLambdock, type Lambdock } from '../lambdock.js';
import { zipFolder } from './folder-zip.js';
import { startOwnRedis, type OwnRedis } from './own-redis.js';

export interface HarnessOptions {
  /** The Redis to use (its keys under this run's own prefix); without, a redis-server is started for the run. */
  redisUrl?: string;
  /** More lambdock settings (`LAMBDOCK_*`, see the README's table), e.g. `{ LAMBDOCK_IAM: 'enforce' }`. */
  settings?: Record<string, string>;
  /** pino's level for lambdock's own log (default `silent`). */
  logLevel?: string;
}

/** A function to deploy: its code from a folder (zipped for you) or a zip, and any CreateFunction member. */
export interface FunctionSpec extends Partial<Omit<CreateFunctionCommandInput, 'Code' | 'FunctionName'>> {
  name: string;
  folder?: string;
  zip?: Uint8Array;
}

export interface HarnessInvocation {
  statusCode: number;
  /** The function's answer, parsed when it is JSON (its text otherwise; undefined when empty). */
  payload: unknown;
  /** `Unhandled` when the function failed (then `payload` is AWS's error object). */
  functionError?: string;
  /** The invocation's log lines (START … REPORT), from the last 4 KB AWS's LogType Tail gives. */
  logs: string[];
  requestId?: string;
}

export interface LambdockHarness {
  /** The endpoint of the Lambda API and the queue (for any AWS SDK or the CLI: `--endpoint-url`). */
  readonly endpoint: string;
  readonly region: string;
  /** The Redis it uses (the one given, or the redis-server it started for the run). */
  readonly redisUrl: string;
  /** This run's namespace: its containers' label, its Redis prefix. */
  readonly instanceId: string;
  /** Ready-made clients pointed at the endpoint. */
  readonly lambda: LambdaClient;
  readonly sqs: SQSClient;
  /** Creates the function and waits until it is Active. */
  deployFunction(spec: FunctionSpec): Promise<FunctionConfiguration>;
  invoke(name: string, payload?: unknown, options?: { qualifier?: string }): Promise<HarnessInvocation>;
  /** Removes every container, disk, network and Redis key of the run (safe to call twice, and after a failure). */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const REGION = 'us-east-1';

/** Removes every key under `prefix:` (the run's namespace on a shared Redis). */
async function removeKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Starts lambdock in this process for a test run, on the Docker engine of DOCKER_HOST (or the local
 * socket) and a Redis, in a namespace of its own: parallel runs (test files, CI jobs) never see each
 * other's functions, containers or keys.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<LambdockHarness> {
  const instanceId = `harness-${randomUUID().slice(0, 8)}`;
  const ownRedis: OwnRedis | undefined = options.redisUrl === undefined ? await startOwnRedis() : undefined;
  const redisUrl = options.redisUrl ?? ownRedis?.url ?? '';
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `lambdock-${instanceId}-`));
  let lambdock: Lambdock;
  let accountId: string;
  try {
    const config = loadConfig({
      ...process.env,
      LAMBDOCK_PORT: '0',
      LAMBDOCK_DATA_DIR: dataDir,
      LAMBDOCK_INSTANCE_ID: instanceId,
      LAMBDOCK_REDIS_PREFIX: instanceId,
      LAMBDOCK_REGION: REGION,
      REDIS_URL: redisUrl,
      ...options.settings,
    });
    accountId = config.accountId;
    lambdock = await startLambdock(config, { logger: pino({ level: options.logLevel ?? 'silent' }), drainTimeoutMs: 5_000 });
  } catch (error) {
    await ownRedis?.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const clientConfig = { endpoint: lambdock.url, region: REGION, credentials: { accessKeyId: 'lambdock', secretAccessKey: 'lambdock' }, maxAttempts: 1 };
  const lambda = new LambdaClient(clientConfig);
  const sqs = new SQSClient(clientConfig);
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      lambda.destroy();
      sqs.destroy();
      await lambdock.close();
      if (ownRedis !== undefined) await ownRedis.stop();
      else await removeKeys(redisUrl, instanceId);
      await rm(dataDir, { recursive: true, force: true });
    })();
    return stopping;
  };

  return {
    endpoint: lambdock.url,
    region: REGION,
    redisUrl,
    instanceId,
    lambda,
    sqs,
    async deployFunction(spec) {
      const { name, folder, zip, ...rest } = spec;
      if ((folder === undefined) === (zip === undefined)) throw new Error(`deployFunction(${name}): give exactly one of folder and zip`);
      const code = zip ?? (await zipFolder(folder ?? ''));
      await lambda.send(
        new CreateFunctionCommand({
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Role: `arn:aws:iam::${accountId}:role/lambdock-harness`,
          ...rest,
          FunctionName: name,
          Code: { ZipFile: code },
        }),
      );
      await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 600, minDelay: 1 }, { FunctionName: name });
      return lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    },
    async invoke(name, payload, invokeOptions = {}) {
      const out = await lambda.send(
        new InvokeCommand({
          FunctionName: name,
          ...(invokeOptions.qualifier === undefined ? {} : { Qualifier: invokeOptions.qualifier }),
          LogType: 'Tail',
          Payload: payload === undefined ? undefined : Buffer.from(JSON.stringify(payload)),
        }),
      );
      const text = out.Payload === undefined ? '' : Buffer.from(out.Payload).toString('utf8');
      let parsed: unknown = text === '' ? undefined : text;
      try {
        if (text !== '') parsed = JSON.parse(text);
      } catch {
        // Not JSON (a function may answer any bytes): its text.
      }
      const logs = out.LogResult === undefined ? [] : Buffer.from(out.LogResult, 'base64').toString('utf8').split('\n').filter((line) => line !== '');
      return {
        statusCode: out.StatusCode ?? 200,
        payload: parsed,
        ...(out.FunctionError === undefined ? {} : { functionError: out.FunctionError }),
        logs,
        ...(out.$metadata.requestId === undefined ? {} : { requestId: out.$metadata.requestId }),
      };
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
