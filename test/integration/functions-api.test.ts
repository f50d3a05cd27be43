import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaServiceException,
  ListFunctionsCommand,
  ResourceNotFoundException,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeZip, nodeZip } from '../helpers/zip.js';
import { ROLE, startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

let t: TestLambdock;
const ARN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

beforeAll(async () => {
  t = await startTestLambdock();
});
afterAll(async () => {
  await t?.close();
});

async function expectAwsError(promise: Promise<unknown>, name: string, status: number, message?: string | RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${name}`).toBeInstanceOf(LambdaServiceException);
  const e = error as LambdaServiceException;
  expect(e.name).toBe(name);
  expect(e.$metadata.httpStatusCode).toBe(status);
  if (message !== undefined) expect(e.message).toMatch(message);
  return e;
}

describe('functions API through @aws-sdk/client-lambda', () => {
  it('creates a function Pending, reports it Active, lists, updates and deletes it', async () => {
    const zip = await nodeZip('exports.handler = async () => 1;');
    const created = await t.client.send(
      new CreateFunctionCommand({
        FunctionName: 'lifecycle',
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: ROLE,
        Code: { ZipFile: zip },
        Description: 'first',
        Environment: { Variables: { GREETING: 'hello' } },
      }),
    );
    expect(created.$metadata.httpStatusCode).toBe(201);
    expect(created).toMatchObject({
      FunctionName: 'lifecycle',
      FunctionArn: ARN('lifecycle'),
      Runtime: 'nodejs20.x',
      MemorySize: 128,
      Timeout: 3,
      Version: '$LATEST',
      State: 'Pending',
      StateReasonCode: 'Creating',
      PackageType: 'Zip',
      EphemeralStorage: { Size: 512 },
      Architectures: ['x86_64'],
      Environment: { Variables: { GREETING: 'hello' } },
      CodeSize: zip.length,
    });
    const { createHash } = await import('node:crypto');
    expect(created.CodeSha256).toBe(createHash('sha256').update(zip).digest('base64'));

    await t.waitUpdated('lifecycle');
    const got = await t.client.send(new GetFunctionCommand({ FunctionName: 'lifecycle' }));
    expect(got.Configuration).toMatchObject({ State: 'Active', LastUpdateStatus: 'Successful' });
    expect(got.Configuration?.RevisionId).not.toBe(created.RevisionId);
    expect(got.Code?.RepositoryType).toBe('S3');
    const download = await fetch(got.Code?.Location ?? '');
    expect(Buffer.from(await download.arrayBuffer()).equals(zip)).toBe(true);

    const byArn = await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: ARN('lifecycle') }));
    expect(byArn.FunctionName).toBe('lifecycle');
    const partial = await t.client.send(
      new GetFunctionConfigurationCommand({ FunctionName: '000000000000:function:lifecycle:$LATEST' }),
    );
    // Named with a qualifier, AWS answers with the qualified ARN.
    expect(partial.FunctionArn).toBe(`${ARN('lifecycle')}:$LATEST`);

    const updated = await t.client.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'lifecycle', MemorySize: 256, Timeout: 10, Description: 'second' }),
    );
    expect(updated).toMatchObject({ MemorySize: 256, Timeout: 10, Description: 'second', LastUpdateStatus: 'InProgress' });
    await t.waitUpdated('lifecycle');

    const newZip = await nodeZip('exports.handler = async () => 2;');
    const codeUpdate = await t.client.send(new UpdateFunctionCodeCommand({ FunctionName: 'lifecycle', ZipFile: newZip }));
    expect(codeUpdate.CodeSize).toBe(newZip.length);
    expect(codeUpdate.Environment?.Variables).toEqual({ GREETING: 'hello' });
    await t.waitUpdated('lifecycle');

    const deleted = await t.client.send(new DeleteFunctionCommand({ FunctionName: 'lifecycle' }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    const missing = await expectAwsError(
      t.client.send(new GetFunctionCommand({ FunctionName: 'lifecycle' })),
      'ResourceNotFoundException',
      404,
    );
    expect(missing.message).toBe(`Function not found: ${ARN('lifecycle')}`);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
  });

  it('pages ListFunctions with MaxItems and NextMarker', async () => {
    const own = await startTestLambdock();
    const t2 = t;
    t = own;
    try {
      await listAndCount();
    } finally {
      t = t2;
      await own.close();
    }
  });

  async function listAndCount() {
    const zip = await nodeZip('exports.handler = async () => 1;');
    for (const name of ['page-a', 'page-b', 'page-c']) {
      await t.client.send(
        new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip } }),
      );
    }
    const first = await t.client.send(new ListFunctionsCommand({ MaxItems: 2 }));
    expect(first.Functions?.map((f) => f.FunctionName)).toEqual(['page-a', 'page-b']);
    expect(first.NextMarker).toBeDefined();
    const second = await t.client.send(new ListFunctionsCommand({ MaxItems: 2, Marker: first.NextMarker }));
    expect(second.Functions?.map((f) => f.FunctionName)).toEqual(['page-c']);
    expect(second.NextMarker).toBeUndefined();

    const settings = await t.client.send(new GetAccountSettingsCommand({}));
    expect(settings.AccountUsage?.FunctionCount).toBe(3);
    expect(settings.AccountUsage?.TotalCodeSize).toBe(3 * zip.length);
    expect(settings.AccountLimit).toMatchObject({ CodeSizeZipped: 52428800, CodeSizeUnzipped: 262144000 });
  }

  it('refuses a duplicate name with 409', async () => {
    const zip = await nodeZip('exports.handler = async () => 1;');
    const input = { FunctionName: 'dup', Runtime: 'nodejs20.x' as const, Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip } };
    await t.client.send(new CreateFunctionCommand(input));
    await expectAwsError(t.client.send(new CreateFunctionCommand(input)), 'ResourceConflictException', 409, 'Function already exist: dup');
  });

  it('refuses bad settings with AWS-style 4xx errors and stores nothing', async () => {
    const zip = await nodeZip('exports.handler = async () => 1;');
    const base = { Runtime: 'nodejs20.x' as const, Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip } };
    await expectAwsError(
      t.client.send(new CreateFunctionCommand({ ...base, FunctionName: 'bad-env', Environment: { Variables: { AWS_REGION: 'x' } } })),
      'InvalidParameterValueException',
      400,
      /Reserved keys used in this request: AWS_REGION/,
    );
    await expectAwsError(
      t.client.send(
        new CreateFunctionCommand({ ...base, FunctionName: 'big-env', Environment: { Variables: { BIG: 'x'.repeat(4100) } } }),
      ),
      'InvalidParameterValueException',
      400,
      /exceeded the 4KB limit/,
    );
    await expectAwsError(
      t.client.send(new CreateFunctionCommand({ ...base, FunctionName: 'big-mem', MemorySize: 10241 })),
      'ValidationException',
      400,
      /memorySize.*less than or equal to 10240/,
    );
    await expectAwsError(
      t.client.send(new CreateFunctionCommand({ ...base, FunctionName: 'long-timeout', Timeout: 901 })),
      'ValidationException',
      400,
    );
    await expectAwsError(
      t.client.send(new CreateFunctionCommand({ ...base, FunctionName: 'bad-role', Role: 'not-a-role' })),
      'ValidationException',
      400,
      /at 'role' failed to satisfy constraint/,
    );
    await expectAwsError(
      t.client.send(new CreateFunctionCommand({ ...base, FunctionName: 'bad-runtime', Runtime: 'python3.12' })),
      'InvalidParameterValueException',
      400,
    );
    await expectAwsError(
      t.client.send(new CreateFunctionCommand({ ...base, FunctionName: 'x'.repeat(65) })),
      'InvalidParameterValueException',
      400,
      /less than or equal to 64/,
    );
    await expectAwsError(
      t.client.send(
        new CreateFunctionCommand({ ...base, FunctionName: 'not-zip', Code: { ZipFile: Buffer.from('definitely not a zip') } }),
      ),
      'InvalidParameterValueException',
      400,
      'Could not unzip uploaded file. Please check your file, then try to upload again.',
    );
    // yazl refuses '..' names: write a same-length placeholder and patch it in both headers.
    const escaping = Buffer.from(
      (await makeZip({ 'index.js': 'x', 'xx/xx/escape.js': 'evil' })).toString('latin1').replaceAll('xx/xx/escape.js', '../../escape.js'),
      'latin1',
    );
    await expectAwsError(
      t.client.send(new CreateFunctionCommand({ ...base, FunctionName: 'escape', Code: { ZipFile: escaping } })),
      'InvalidParameterValueException',
      400,
      /escape/,
    );
    const list = await t.client.send(new ListFunctionsCommand({}));
    const names = list.Functions?.map((f) => f.FunctionName) ?? [];
    for (const refused of ['bad-env', 'big-env', 'big-mem', 'long-timeout', 'bad-role', 'bad-runtime', 'not-zip', 'escape']) {
      expect(names).not.toContain(refused);
    }
  });

  it('answers malformed requests with 4xx and the AWS error header, never 5xx', async () => {
    const post = (body: string) =>
      fetch(`${t.url}/2015-03-31/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const malformed = await post('{"FunctionName": ');
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
    expect(((await malformed.json()) as { message: string }).message).toMatch(/Could not parse request body into json/);

    const wrongType = await post(JSON.stringify({ FunctionName: 'typed', Role: ROLE, Code: {}, MemorySize: 'big' }));
    expect(wrongType.status).toBe(400);
    expect(wrongType.headers.get('x-amzn-errortype')).toBe('ValidationException');

    const missingRole = await post(JSON.stringify({ FunctionName: 'typed', Code: {} }));
    expect(missingRole.status).toBe(400);

    const badBase64 = await post(JSON.stringify({ FunctionName: 'b64', Role: ROLE, Runtime: 'nodejs20.x', Handler: 'i.h', Code: { ZipFile: '@@@' } }));
    expect(badBase64.status).toBe(400);

    const unknownRoute = await fetch(`${t.url}/2015-03-31/nothing-here`);
    expect(unknownRoute.status).toBe(404);

    const otherRegion = await fetch(`${t.url}/2015-03-31/functions/${encodeURIComponent('arn:aws:lambda:eu-west-1:000000000000:function:f')}`);
    expect(otherRegion.status).toBe(404);
    expect(((await otherRegion.json()) as { Message: string }).Message).toBe(
      "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')",
    );
  });

  it('enforces RevisionId preconditions with 412', async () => {
    const zip = await nodeZip('exports.handler = async () => 1;');
    await t.createFunction({ FunctionName: 'revisions', Code: { ZipFile: zip } });
    await expectAwsError(
      t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'revisions', Timeout: 5, RevisionId: 'stale' })),
      'PreconditionFailedException',
      412,
    );
    const current = await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'revisions' }));
    const ok = await t.client.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'revisions', Timeout: 5, RevisionId: current.RevisionId }),
    );
    expect(ok.Timeout).toBe(5);
  });

  it('answers concurrent UpdateFunctionConfiguration calls without RevisionId with successes and 409s, never 412', async () => {
    const zip = await nodeZip('exports.handler = async () => 1;');
    await t.createFunction({ FunctionName: 'racy', Code: { ZipFile: zip } });
    // Updates that arrive once an earlier one has finished succeed too; none may be refused with 412. The
    // requests are written on separate connections in one go, so that they reach the server together.
    const { hostname, port } = new URL(t.url);
    const burst = async (size: number): Promise<number[]> => {
      const sockets = await Promise.all(
        Array.from({ length: size }, () => new Promise<Socket>((resolve) => { const s = connect(Number(port), hostname, () => resolve(s)); })),
      );
      const answers = sockets.map(
        (socket) =>
          new Promise<string>((resolve) => {
            let answer = '';
            socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
            socket.on('close', () => resolve(answer));
          }),
      );
      sockets.forEach((socket, i) => {
        const body = JSON.stringify({ Timeout: 10 + i });
        socket.write(
          `PUT /2015-03-31/functions/racy/configuration HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
            `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
        );
      });
      return (await Promise.all(answers)).map((a) => Number(a.split(' ')[1]));
    };
    for (let round = 0; round < 4; round += 1) {
      const statuses = await burst(16);
      expect(statuses.filter((s) => s !== 200 && s !== 409)).toEqual([]);
      expect(statuses).toContain(409);
      await t.waitUpdated('racy');
    }
    const results = await Promise.allSettled(
      [20, 21, 22].map((timeout) => t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'racy', Timeout: timeout }))),
    );
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
    expect(results.some((r) => r.status === 'rejected')).toBe(true);
    for (const r of results) {
      if (r.status === 'fulfilled') continue;
      const e = r.reason as LambdaServiceException;
      expect(e.name).toBe('ResourceConflictException');
      expect(e.$metadata.httpStatusCode).toBe(409);
      expect(e.message).toBe(`The operation cannot be performed at this time. An update is in progress for resource: ${ARN('racy')}`);
    }
    await t.waitUpdated('racy');
  });

  it('lists every violated constraint, and the SDK reads code and message', async () => {
    const zip = await nodeZip('exports.handler = async () => 1;');
    await expectAwsError(
      t.client.send(
        new CreateFunctionCommand({
          FunctionName: 'many-wrongs', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: 'r1', Code: { ZipFile: zip }, MemorySize: 99999, Timeout: 0,
        }),
      ),
      'ValidationException',
      400,
      '3 validation errors detected: ' +
        "Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+; " +
        "Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
        "Value '99999' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240",
    );
  });

  it('refuses retired runtimes with AWS\'s text and runtimes lambdock cannot run yet, saying so', async () => {
    const zip = await nodeZip('exports.handler = async () => 1;');
    const base = { Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip } };
    await expectAwsError(
      t.client.send(new CreateFunctionCommand({ ...base, FunctionName: 'retired', Runtime: 'nodejs14.x' })),
      'InvalidParameterValueException',
      400,
      'The runtime parameter of nodejs14.x is no longer supported for creating or updating AWS Lambda functions. ' +
        'We recommend you use a supported runtime while creating or updating functions.',
    );
    await expectAwsError(
      t.client.send(new CreateFunctionCommand({ ...base, FunctionName: 'not-yet', Runtime: 'java21' })),
      'InvalidParameterValueException',
      400,
      'The runtime java21 is not supported by lambdock yet. lambdock runs nodejs20.x, nodejs22.x, nodejs24.x, provided.al2023, provided.al2, python3.11.',
    );
  });

  it('answers malformed names the way AWS does: 404 naming the qualifier for lookups, 400 where AWS refuses', async () => {
    const long = 'a'.repeat(65);
    await expectAwsError(t.client.send(new GetFunctionCommand({ FunctionName: long })), 'ResourceNotFoundException', 404, `Function not found: ${ARN(long)}`);
    await expectAwsError(
      t.client.send(new InvokeCommand({ FunctionName: long })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN(long)}:$LATEST`,
    );
    await expectAwsError(
      t.client.send(new GetFunctionCommand({ FunctionName: 'my-function', Qualifier: '$latest' })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN('my-function')}:$latest`,
    );
    await expectAwsError(
      t.client.send(new GetFunctionCommand({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function' })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN('function')}`,
    );
    await expectAwsError(
      t.client.send(new DeleteFunctionCommand({ FunctionName: 'my-function', Qualifier: 'prod' })),
      'InvalidParameterValueException',
      400,
      'Deletion of aliases is not currently supported.',
    );
    const e = await expectAwsError(
      t.client.send(new GetFunctionCommand({ FunctionName: 'my-function', Qualifier: 'invalid!' })),
      'ValidationException',
      400,
    );
    expect(e.message).toBe(
      "1 validation error detected: Value 'invalid!' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: \\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+",
    );
  });

  it('answers CreateFunction without LastUpdateStatus and lists functions without State, as AWS does', async () => {
    const own = await startTestLambdock();
    try {
      const zip = await nodeZip('exports.handler = async () => 1;');
      const created = await own.client.send(
        new CreateFunctionCommand({ FunctionName: 'shaped', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip }, Environment: { Variables: {} } }),
      );
      expect(created.LastUpdateStatus).toBeUndefined();
      expect(created.State).toBe('Pending');
      expect(created.Environment).toEqual({ Variables: {} });
      const listed = await own.client.send(new ListFunctionsCommand({}));
      expect(listed.Functions?.[0]).toMatchObject({ FunctionName: 'shaped', Environment: { Variables: {} } });
      expect(listed.Functions?.[0]?.State).toBeUndefined();
      expect(listed.Functions?.[0]?.LastUpdateStatus).toBeUndefined();
      await waitUntilFunctionActiveV2({ client: own.client, maxWaitTime: 60, minDelay: 1 }, { FunctionName: 'shaped' });
    } finally {
      await own.close();
    }
  });

  it('answers a 100 KB URL with an AWS-shaped error over a real socket', async () => {
    const e = await expectAwsError(t.client.send(new GetFunctionCommand({ FunctionName: 'a'.repeat(100_000) })), 'RequestURITooLongException', 414);
    expect(e.message).toBe('The request URI is too long.');
    const { hostname, port } = new URL(t.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.write(`GET /2015-03-31/functions/${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`));
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
    });
    const [head = '', body = ''] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 414 /);
    expect(head.toLowerCase()).toContain('x-amzn-errortype: requesturitoolongexception');
    expect(JSON.parse(body)).toStrictEqual({ Type: 'User', message: 'The request URI is too long.' });
  });

  it('answers /health with 200 when Redis and Docker answer', async () => {
    const res = await fetch(`${t.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', checks: { redis: 'ok', docker: 'ok' } });
  });
});
