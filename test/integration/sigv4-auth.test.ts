import { GetFunctionCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, ListQueuesCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsError } from '../helpers/lambda-error-of.js';
import { sqsClient, sqsError } from '../helpers/sqs-client.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { nodeZip } from '../helpers/zip.js';

// `test:test` is the harness's own client's key (t.client); the other one is a second caller.
const KEYS = 'test:test,AKIDSECOND:second-secret';
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

let t: TestLambdock;

beforeAll(async () => {
  t = await startTestLambdock({ LAMBDOCK_AUTH: 'sigv4', LAMBDOCK_ACCESS_KEYS: KEYS });
  await t.createFunction({ FunctionName: 'signed-echo', Code: { ZipFile: await nodeZip('exports.handler = async (event) => ({ echo: event });') } });
});
afterAll(async () => {
  await t?.close();
});

const lambda = (accessKeyId: string, secretAccessKey: string, systemClockOffset = 0): LambdaClient =>
  new LambdaClient({ endpoint: t.url, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1, systemClockOffset });
const sqs = (accessKeyId: string, secretAccessKey: string): SQSClient =>
  new SQSClient({ endpoint: t.url, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });

/** A query-protocol request (a form POSTed to SQS) signed as the SDKs sign it, optionally at another time. */
async function signedQuery(path: string, params: Record<string, string>, { secret = 'test', signingDate = new Date() } = {}): Promise<{ status: number; xml: string }> {
  const url = new URL(t.url);
  const body = new URLSearchParams({ Version: '2012-11-05', ...params }).toString();
  const signer = new SignatureV4({ credentials: { accessKeyId: 'test', secretAccessKey: secret }, region: 'us-east-1', service: 'sqs', sha256: Sha256 });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path,
      headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    }),
    { signingDate },
  );
  const response = await fetch(`${t.url}${path}`, { method: 'POST', headers: signed.headers, body });
  return { status: response.status, xml: await response.text() };
}

describe('LAMBDOCK_AUTH=sigv4: the Lambda API', () => {
  it("refuses an unsigned request with AWS's 403 Missing Authentication Token", async () => {
    const response = await fetch(`${t.url}/2015-03-31/functions`);
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
  });

  it('refuses an unsigned Invoke before reading its body', async () => {
    const response = await fetch(`${t.url}/2015-03-31/functions/signed-echo/invocations`, { method: 'POST', body: '{"a":1}' });
    expect([response.status, response.headers.get('x-amzn-errortype')]).toEqual([403, 'MissingAuthenticationTokenException']);
  });

  it('refuses a wrong secret as InvalidSignatureException', async () => {
    const error = await awsError(lambda('test', 'not-the-secret').send(new ListFunctionsCommand({})));
    expect([error.name, error.$metadata.httpStatusCode, error.message]).toEqual(['InvalidSignatureException', 403, MISMATCH]);
  });

  it('refuses an unknown access key as UnrecognizedClientException', async () => {
    const error = await awsError(lambda('AKIDUNKNOWN', 'whatever').send(new ListFunctionsCommand({})));
    expect([error.name, error.$metadata.httpStatusCode, error.message]).toEqual([
      'UnrecognizedClientException',
      403,
      'The security token included in the request is invalid.',
    ]);
  });

  it('refuses a request signed 16 minutes ago (a replay after the window)', async () => {
    const error = await awsError(lambda('test', 'test', -16 * 60_000).send(new ListFunctionsCommand({})));
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(['InvalidSignatureException', 403]);
    expect(error.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
  });

  it('serves a signed ListFunctions, GetFunction and Invoke, for each configured key', async () => {
    const listed = await lambda('AKIDSECOND', 'second-secret').send(new ListFunctionsCommand({}));
    expect(listed.Functions?.map((f) => f.FunctionName)).toContain('signed-echo');
    const invoked = await t.invoke({ FunctionName: 'signed-echo', Payload: Buffer.from('{"hello":"signed"}') });
    expect([invoked.StatusCode, invoked.json()]).toEqual([200, { echo: { hello: 'signed' } }]);
  });

  it('leaves /health and the code download (Code.Location, presigned at AWS) open', async () => {
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
    const fn = await t.client.send(new GetFunctionCommand({ FunctionName: 'signed-echo' }));
    const download = await fetch(fn.Code?.Location as string);
    expect([download.status, download.headers.get('content-type')]).toEqual([200, 'application/zip']);
  });
});

describe('LAMBDOCK_AUTH=sigv4: the SQS API', () => {
  it('serves signed JSON-protocol CreateQueue and SendMessage', async () => {
    const client = sqsClient(t);
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'signed-queue' }));
    const sent = await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'signed body' }));
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("refuses the JSON protocol's unknown key and wrong secret with SQS's codes", async () => {
    const unknown = await sqsError(sqs('AKIDUNKNOWN', 'x').send(new ListQueuesCommand({})));
    expect([unknown.name, unknown.$metadata.httpStatusCode, unknown.message]).toEqual(['InvalidClientTokenId', 403, 'The security token included in the request is invalid.']);
    const wrong = await sqsError(sqs('test', 'wrong').send(new ListQueuesCommand({})));
    expect([wrong.name, wrong.$metadata.httpStatusCode, wrong.message]).toEqual(['SignatureDoesNotMatch', 403, MISMATCH]);
  });

  it('refuses an unsigned JSON-protocol request as AccessDenied', async () => {
    const response = await fetch(`${t.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' },
      body: '{}',
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-query-error')).toBe('AccessDenied;Sender');
    expect(await response.json()).toEqual({
      __type: 'com.amazon.coral.service#AccessDeniedException',
      message: `Access to the resource ${t.url}/ is denied.`,
    });
  });

  it('serves a signed query-protocol request and refuses an unsigned, a wrongly signed and a replayed one in XML', async () => {
    const ok = await signedQuery('/', { Action: 'CreateQueue', QueueName: 'signed-form-queue' });
    expect(ok.status).toBe(200);
    expect(ok.xml).toContain('<CreateQueueResult><QueueUrl>');

    const unsigned = await fetch(`${t.url}/000000000000/signed-form-queue`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=SendMessage&MessageBody=x&Version=2012-11-05',
    });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain(
      `<Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Access to the resource ${t.url}/000000000000/signed-form-queue is denied.</Message><Detail/></Error>`,
    );

    const wrong = await signedQuery('/', { Action: 'ListQueues' }, { secret: 'wrong' });
    expect(wrong.status).toBe(403);
    expect(wrong.xml).toContain(`<Code>SignatureDoesNotMatch</Code><Message>${MISMATCH}</Message>`);

    const replayed = await signedQuery('/', { Action: 'ListQueues' }, { signingDate: new Date(Date.now() - 16 * 60_000) });
    expect(replayed.status).toBe(403);
    expect(replayed.xml).toMatch(/<Code>SignatureDoesNotMatch<\/Code><Message>Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)<\/Message>/);
  });
});

describe('LAMBDOCK_AUTH unset', () => {
  it('accepts unsigned requests, as before', async () => {
    const open = await startTestLambdock();
    try {
      const response = await fetch(`${open.url}/2015-03-31/functions`);
      expect([response.status, await response.json()]).toEqual([200, { Functions: [] }]);
    } finally {
      await open.close();
    }
  });
});
