import { randomUUID } from 'node:crypto';
import {
  CreateFunctionCommand,
  GetAccountSettingsCommand,
  InvokeCommand,
  LambdaClient,
  waitUntilFunctionActiveV2,
  type CreateFunctionCommandInput,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { startLambdock, startLambdockApi, type Lambdock, type LambdockApi } from '../../src/main/lambdock.js';
import { awsError } from '../helpers/lambda-error-of.js';
import { closeInstallation, roleSettings } from '../helpers/role-settings.js';
import { ROLE } from '../helpers/test-lambdock.js';
import { nodeZip } from '../helpers/zip.js';

// An api process and one worker on one Redis: a function's AWS_ENDPOINT_URL is its worker's endpoint for
// sandboxes, which forwards its calls as they are (signature and Host untouched) to the api's, which checks them.
const prefix = `${inject('testRunPrefix')}-sandbox-roles-${randomUUID().slice(0, 8)}`;
const dirs: string[] = [];
const workers: Lambdock[] = [];
let api: LambdockApi;
let client: LambdaClient;
let sqs: SQSClient;

const settings = (role: string, name: string) => roleSettings(inject('testRunPrefix'), prefix, role, name, dirs);
const logger = pino({ level: process.env.LAMBDOCK_TEST_LOG_LEVEL ?? 'silent' });
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

beforeAll(async () => {
  workers.push(await startLambdock(loadConfig(await settings('worker', 'w1')), { logger, drainTimeoutMs: 5_000 }));
  api = await startLambdockApi(loadConfig(await settings('api', 'api')), { logger });
  client = new LambdaClient({ endpoint: api.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  sqs = new SQSClient({ endpoint: api.url, region: 'us-east-1', credentials, maxAttempts: 1 });
});
afterAll(async () => {
  sqs?.destroy();
  await closeInstallation({ client, api, workers, prefix, dirs });
});

async function createFunction(input: Omit<CreateFunctionCommandInput, 'Role' | 'Runtime' | 'Handler'>): Promise<void> {
  await client.send(new CreateFunctionCommand({ Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, ...input }));
  await waitUntilFunctionActiveV2({ client, maxWaitTime: 60, minDelay: 1 }, { FunctionName: input.FunctionName });
}

async function invokeJson(functionName: string, payload: unknown = {}): Promise<Record<string, unknown>> {
  const out = await client.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(payload)) }));
  const body = Buffer.from(out.Payload ?? []).toString();
  expect(out.FunctionError, body).toBeUndefined();
  return JSON.parse(body) as Record<string, unknown>;
}

const CALLER = `const { LambdaClient, GetAccountSettingsCommand, InvokeCommand, ListFunctionsCommand } = require('@aws-sdk/client-lambda');
const { SQSClient, GetQueueUrlCommand, SendMessageCommand } = require('@aws-sdk/client-sqs');
const lambda = new LambdaClient({});
const sqs = new SQSClient({});
exports.handler = async (event) => {
  const settings = await lambda.send(new GetAccountSettingsCommand({}));
  const out = await lambda.send(new InvokeCommand({ FunctionName: 'callee', Payload: JSON.stringify({ from: 'caller' }) }));
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: event.queue }));
  const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'from a function on a worker' }));
  let denied;
  try { await lambda.send(new ListFunctionsCommand({})); } catch (e) { denied = e.name; }
  return { endpoint: process.env.AWS_ENDPOINT_URL, functions: settings.AccountUsage.FunctionCount,
    callee: JSON.parse(Buffer.from(out.Payload).toString()), queueUrl: QueueUrl, sent: Boolean(sent.MessageId), denied };
};`;

const ENV_HANDLER = `exports.handler = async () => ({ endpoint: process.env.AWS_ENDPOINT_URL, keyId: process.env.AWS_ACCESS_KEY_ID,
  secret: process.env.AWS_SECRET_ACCESS_KEY, token: process.env.AWS_SESSION_TOKEN });`;

describe("lambdock's endpoint for sandboxes with an api process and a worker", () => {
  it('lets a function call GetAccountSettings, Invoke another function and use a queue with the stock SDK, through its worker', async () => {
    await createFunction({ FunctionName: 'callee', Code: { ZipFile: await nodeZip('exports.handler = async (e) => ({ got: e });') } });
    await createFunction({ FunctionName: 'caller', Timeout: 15, Code: { ZipFile: await nodeZip(CALLER) } });
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'from-workers' }));
    const out = await invokeJson('caller', { queue: 'from-workers' });
    expect(out).toMatchObject({ callee: { got: { from: 'caller' } }, sent: true, denied: 'AccessDeniedException' });
    expect(out.functions).toBeGreaterThanOrEqual(2);
    // The worker's own endpoint, on its Runtime API address and range, not the api's.
    const endpoint = new URL(String(out.endpoint));
    expect(Number(endpoint.port)).toBeGreaterThanOrEqual(20000);
    expect(Number(endpoint.port)).toBeLessThanOrEqual(29999);
    expect(endpoint.origin).not.toBe(new URL(api.url).origin);
    // The api built the queue's URL from the Host the function signed: the worker's endpoint.
    expect(new URL(String(out.queueUrl)).origin).toBe(endpoint.origin);
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, WaitTimeSeconds: 1 }));
    expect(received.Messages?.[0]?.Body).toBe('from a function on a worker');
  });

  it("takes an environment's credentials at the worker's endpoint, and refuses made-up ones", async () => {
    await createFunction({ FunctionName: 'env-creds', Code: { ZipFile: await nodeZip(ENV_HANDLER) } });
    const env = (await invokeJson('env-creds')) as { endpoint: string; keyId: string; secret: string; token: string };
    const at = (creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
      new LambdaClient({ endpoint: env.endpoint, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    // The environment's own credentials, from the host: the api takes them (the worker forwarded them as they were).
    const own = at({ accessKeyId: env.keyId, secretAccessKey: env.secret, sessionToken: env.token });
    expect((await own.send(new GetAccountSettingsCommand({}))).AccountUsage?.FunctionCount).toBeGreaterThanOrEqual(1);
    const forged = at({ accessKeyId: env.keyId, secretAccessKey: 'not-the-secret-of-that-key-0000000000000', sessionToken: env.token });
    expect((await awsError(forged.send(new InvokeCommand({ FunctionName: 'env-creds' })))).name).toBe('InvalidSignatureException');
    const unknown = at({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' });
    expect((await awsError(unknown.send(new InvokeCommand({ FunctionName: 'env-creds' })))).name).toBe('UnrecognizedClientException');
    for (const c of [own, forged, unknown]) c.destroy();
  });
});
