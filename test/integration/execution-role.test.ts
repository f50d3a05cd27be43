import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { sqsClient } from '../helpers/sqs-client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsError } from '../helpers/lambda-error-of.js';
import { makeZip, nodeZip } from '../helpers/zip.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

let t: TestLambdock;
let sqs: SQSClient;

beforeAll(async () => {
  t = await startTestLambdock();
  sqs = sqsClient(t);
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
    expect(first.trace).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0;Lineage=[0-9a-f]{8}:0$/);
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
    expect(traced.trace).toMatch(/^Root=1-5759e988-bd862e3fe1be46a994272793;Parent=(?!53995c3f42cd8ad8)[0-9a-f]{16};Sampled=1;Lineage=[0-9a-f]{8}:0$/);
  });
});

const CALLER = `const { LambdaClient, GetAccountSettingsCommand, InvokeCommand, ListFunctionsCommand } = require('@aws-sdk/client-lambda');
const { SQSClient, GetQueueUrlCommand, SendMessageCommand } = require('@aws-sdk/client-sqs');
const lambda = new LambdaClient({});
const sqs = new SQSClient({});
exports.handler = async (event) => {
  const settings = await lambda.send(new GetAccountSettingsCommand({}));
  const out = await lambda.send(new InvokeCommand({ FunctionName: 'callee', Payload: JSON.stringify({ from: 'caller' }) }));
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: event.queue }));
  const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'from a function' }));
  let denied;
  try { await lambda.send(new ListFunctionsCommand({})); } catch (e) { denied = { name: e.name, message: e.message }; }
  return { functions: settings.AccountUsage.FunctionCount, callee: JSON.parse(Buffer.from(out.Payload).toString()), sent: Boolean(sent.MessageId), denied };
};`;

const PY_CALLER = `import json, boto3
def handler(event, context):
    client = boto3.client('lambda')
    settings = client.get_account_settings()
    out = client.invoke(FunctionName='callee', Payload=json.dumps({'from': 'python'}))
    return {'functions': settings['AccountUsage']['FunctionCount'], 'callee': json.loads(out['Payload'].read())}
`;

describe('functions call lambdock with the stock AWS SDK, no configuration of their own', () => {
  it("Node: GetAccountSettings, Invoke of another function and SendMessage work with the role's credentials; the control API is refused", async () => {
    await t.createFunction({ FunctionName: 'callee', Code: { ZipFile: await nodeZip('exports.handler = async (e) => ({ got: e });') } });
    await t.createFunction({ FunctionName: 'caller', Timeout: 15, Code: { ZipFile: await nodeZip(CALLER) } });
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'from-functions' }));
    const out = await t.invoke({ FunctionName: 'caller', Payload: Buffer.from(JSON.stringify({ queue: 'from-functions' })) });
    expect(out.FunctionError, out.body).toBeUndefined();
    expect(out.json()).toMatchObject({ callee: { got: { from: 'caller' } }, sent: true });
    expect((out.json() as { functions: number }).functions).toBeGreaterThanOrEqual(3);
    expect((out.json() as { denied: { name: string; message: string } }).denied).toEqual({
      name: 'AccessDeniedException',
      message: expect.stringMatching(
        /^User: arn:aws:sts::000000000000:assumed-role\/lambda-role\/caller is not authorized to perform: lambda:ListFunctions on resource: \* because no identity-based policy allows the lambda:ListFunctions action$/,
      ),
    });
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, WaitTimeSeconds: 1 }));
    expect(received.Messages?.[0]?.Body).toBe('from a function');
  });

  it('Python: boto3 does the same', async () => {
    await t.createFunction({
      FunctionName: 'py-caller',
      Runtime: 'python3.11',
      Handler: 'app.handler',
      Timeout: 15,
      Code: { ZipFile: await makeZip({ 'app.py': { content: PY_CALLER, mode: 0o644 } }) },
    });
    const out = await t.invoke({ FunctionName: 'py-caller' });
    expect(out.FunctionError, out.body).toBeUndefined();
    expect(out.json()).toMatchObject({ callee: { got: { from: 'python' } } });
  });

  it('a queue URL the host was given works inside a function, as the function is given it (an environment variable)', async () => {
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'url-from-host' }));
    // The URL names the address the test reached (127.0.0.1), which no sandbox can reach.
    expect(queue.QueueUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/000000000000\/url-from-host$/);
    const sender = `const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
const sqs = new SQSClient({});
exports.handler = async () => ({ id: (await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: 'node' }))).MessageId });`;
    await t.createFunction({
      FunctionName: 'url-sender',
      Timeout: 15,
      Code: { ZipFile: await nodeZip(sender) },
      Environment: { Variables: { QUEUE_URL: queue.QueueUrl! } },
    });
    const pySender = `import os, boto3
def handler(event, context):
    return {'id': boto3.client('sqs').send_message(QueueUrl=os.environ['QUEUE_URL'], MessageBody='python')['MessageId']}
`;
    await t.createFunction({
      FunctionName: 'url-sender-py',
      Runtime: 'python3.11',
      Handler: 'app.handler',
      Timeout: 15,
      Code: { ZipFile: await makeZip({ 'app.py': { content: pySender, mode: 0o644 } }) },
      Environment: { Variables: { QUEUE_URL: queue.QueueUrl! } },
    });
    for (const name of ['url-sender', 'url-sender-py']) {
      const out = await t.invoke({ FunctionName: name });
      expect(out.FunctionError, out.body).toBeUndefined();
    }
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect((received.Messages ?? []).map((m) => m.Body).sort()).toEqual(['node', 'python']);
  });

  it("refuses requests signed with made-up or another installation's credentials, and a function's own AWS_ENDPOINT_URL wins", async () => {
    await t.createFunction({
      FunctionName: 'own-endpoint',
      Code: { ZipFile: await nodeZip(ENV_HANDLER) },
      Environment: { Variables: { AWS_ENDPOINT_URL: 'http://example.invalid:4566' } },
    });
    expect(((await t.invoke({ FunctionName: 'own-endpoint' })).json() as { endpoint: string }).endpoint).toBe('http://example.invalid:4566');
    const env = (await t.invoke({ FunctionName: 'env-creds' })).json() as { endpoint: string; keyId: string; token: string };
    expect(env.endpoint).toMatch(/^http:\/\/[\d.]+:\d+$/);
    // From the host, with made-up credentials: the endpoint knows only the environments' own.
    const stranger = new LambdaClient({
      endpoint: env.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: env.keyId, secretAccessKey: 'not-the-secret-of-that-key-0000000000000', sessionToken: env.token },
      maxAttempts: 1,
    });
    const refused = await awsError(stranger.send(new InvokeCommand({ FunctionName: 'callee' })));
    expect(refused.name).toBe('InvalidSignatureException');
    const unknown = new LambdaClient({ endpoint: env.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' }, maxAttempts: 1 });
    expect((await awsError(unknown.send(new InvokeCommand({ FunctionName: 'callee' })))).name).toBe('UnrecognizedClientException');
  });
});
