import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest, type IHttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { getCanonicalQuery, getCanonicalUri } from './canonical-request.js';
import { SigV4Error } from './sigv4-error.js';
import { verifySigV4, type SecretLookup, type SignedRequest } from './verify-sigv4.js';

const KEYS: Record<string, string> = { AKIDLAMBDOCK: 'secret-of-lambdock', AKIDEXAMPLE: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const lookup: SecretLookup = async (accessKeyId) => (KEYS[accessKeyId] === undefined ? undefined : { secretAccessKey: KEYS[accessKeyId] });
const NOW = new Date('2026-03-04T10:20:30Z');

interface Outgoing {
  method?: string;
  path?: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: string;
}

/** Signs as the SDK does (its signer, its hash), then turns the request into what arrives on the wire. */
async function sign(
  outgoing: Outgoing = {},
  { accessKeyId = 'AKIDLAMBDOCK', secretAccessKey = 'secret-of-lambdock', sessionToken, signingDate = NOW, service = 'lambda' }: { accessKeyId?: string; secretAccessKey?: string; sessionToken?: string; signingDate?: Date; service?: string } = {},
): Promise<SignedRequest> {
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) },
    region: 'us-east-1',
    service,
    sha256: Sha256,
  });
  const request = new HttpRequest({
    method: outgoing.method ?? 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 9000,
    path: outgoing.path ?? '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Amy-fn/invocations',
    query: outgoing.query ?? {},
    headers: { host: '127.0.0.1:9000', 'content-type': 'application/json', ...outgoing.headers },
    ...(outgoing.body === undefined ? {} : { body: outgoing.body }),
  });
  const signed = await signer.sign(request, { signingDate });
  return toWire(signed, outgoing.body);
}

function toWire(signed: IHttpRequest, body: string | undefined): SignedRequest {
  const query = Object.entries(signed.query ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${encodeURIComponent(name)}=${encodeURIComponent(String(v))}`))
    .join('&');
  return {
    method: signed.method,
    path: signed.path,
    query,
    headers: Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value])),
    body: Buffer.from(body ?? ''),
  };
}

async function refusal(request: SignedRequest, now = NOW): Promise<SigV4Error> {
  const error = await verifySigV4(request, lookup, now).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SigV4Error);
  return error as SigV4Error;
}

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

describe('verifySigV4 with requests the SDK signer signed', () => {
  it('accepts a signed request and names its caller, region, service and signing time', async () => {
    const request = await sign({ body: '{"hello":"world"}' });
    await expect(verifySigV4(request, lookup, NOW)).resolves.toEqual({
      accessKeyId: 'AKIDLAMBDOCK',
      region: 'us-east-1',
      service: 'lambda',
      signedAt: NOW,
    });
  });

  it('accepts a double-encoded path, a query with repeated and reserved characters, and an empty body', async () => {
    const request = await sign({
      method: 'GET',
      path: '/2015-03-31/functions/my%20fn%2Bx/aliases',
      query: { Marker: 'a b+c/d', MaxItems: '10', FunctionVersion: ['ALL', '$LATEST'] },
    });
    await expect(verifySigV4(request, lookup, NOW)).resolves.toMatchObject({ accessKeyId: 'AKIDLAMBDOCK' });
  });

  it('passes the session token of temporary credentials to the lookup and returns it', async () => {
    const seen: Array<string | undefined> = [];
    const byToken: SecretLookup = async (accessKeyId, token) => {
      seen.push(token);
      return accessKeyId === 'ASIATEMP' && token === 'session-token-1' ? { secretAccessKey: 'temp-secret' } : undefined;
    };
    const request = await sign({}, { accessKeyId: 'ASIATEMP', secretAccessKey: 'temp-secret', sessionToken: 'session-token-1' });
    await expect(verifySigV4(request, byToken, NOW)).resolves.toMatchObject({ accessKeyId: 'ASIATEMP', sessionToken: 'session-token-1' });
    expect(seen).toEqual(['session-token-1']);
  });

  it('accepts an SQS query-protocol form body', async () => {
    const request = await sign(
      { path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=CreateQueue&QueueName=q%201&Version=2012-11-05' },
      { service: 'sqs' },
    );
    await expect(verifySigV4(request, lookup, NOW)).resolves.toMatchObject({ service: 'sqs' });
  });

  it('accepts a presigned URL within its expiry and refuses it after', async () => {
    const signer = new SignatureV4({ credentials: { accessKeyId: 'AKIDLAMBDOCK', secretAccessKey: 'secret-of-lambdock' }, region: 'us-east-1', service: 'sqs', sha256: Sha256 });
    const presigned = await signer.presign(
      new HttpRequest({ method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port: 9000, path: '/', query: { Action: 'ListQueues' }, headers: { host: '127.0.0.1:9000' } }),
      { signingDate: NOW, expiresIn: 600 },
    );
    const request = toWire(presigned, undefined);
    await expect(verifySigV4(request, lookup, new Date(NOW.getTime() + 60_000))).resolves.toMatchObject({ accessKeyId: 'AKIDLAMBDOCK' });
    const late = await refusal(request, new Date(NOW.getTime() + 601_000));
    expect([late.code, late.message]).toEqual(['InvalidSignatureException', 'Signature expired: 20260304T103030Z is now earlier than 20260304T103031Z.']);
    const tampered = await refusal({ ...request, query: request.query.replace('ListQueues', 'CreateQueue') });
    expect(tampered.message).toBe(MISMATCH);
  });
});

describe('verifySigV4 refusals', () => {
  it('refuses an unsigned request as Missing Authentication Token', async () => {
    const request = await sign();
    delete request.headers.authorization;
    const error = await refusal(request);
    expect([error.code, error.status, error.message]).toEqual(['MissingAuthenticationTokenException', 403, 'Missing Authentication Token']);
  });

  it.each([
    ['method', (r: SignedRequest) => ({ ...r, method: 'PUT' })],
    ['path', (r: SignedRequest) => ({ ...r, path: r.path.replace('my-fn', 'other-fn') })],
    ['query', (r: SignedRequest) => ({ ...r, query: 'Qualifier=2' })],
    ['signed header', (r: SignedRequest) => ({ ...r, headers: { ...r.headers, 'content-type': 'text/plain' } })],
    ['body', (r: SignedRequest) => ({ ...r, body: Buffer.from('{"hello":"World"}') })],
    ['x-amz-content-sha256 claiming another body', (r: SignedRequest) => ({ ...r, body: Buffer.from('{}'), headers: { ...r.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } })],
  ])('refuses a request whose %s changed after signing', async (_what, tamper) => {
    const error = await refusal(tamper(await sign({ body: '{"hello":"world"}' })));
    expect([error.code, error.status, error.message]).toEqual(['InvalidSignatureException', 403, MISMATCH]);
  });

  it('refuses the wrong secret as a signature mismatch', async () => {
    const error = await refusal(await sign({}, { secretAccessKey: 'not-the-secret' }));
    expect([error.code, error.message]).toEqual(['InvalidSignatureException', MISMATCH]);
  });

  it('refuses an unknown access key as an invalid security token', async () => {
    const error = await refusal(await sign({}, { accessKeyId: 'AKIDUNKNOWN' }));
    expect([error.code, error.status, error.message]).toEqual(['UnrecognizedClientException', 403, 'The security token included in the request is invalid.']);
  });

  it("refuses a request signed 16 minutes ago (a replay) with AWS's expiry message", async () => {
    const error = await refusal(await sign({}, { signingDate: new Date(NOW.getTime() - 16 * 60_000) }));
    expect([error.code, error.message]).toEqual(['InvalidSignatureException', 'Signature expired: 20260304T100430Z is now earlier than 20260304T101530Z (20260304T102030Z - 5 min.)']);
  });

  it("uses the 15-minute window for services other than Lambda (SQS's message)", async () => {
    await expect(verifySigV4(await sign({}, { service: 'sqs', signingDate: new Date(NOW.getTime() - 14 * 60_000) }), lookup, NOW)).resolves.toBeDefined();
    const error = await refusal(await sign({}, { service: 'sqs', signingDate: new Date(NOW.getTime() - 16 * 60_000) }));
    expect(error.message).toBe('Signature expired: 20260304T100430Z is now earlier than 20260304T100530Z (20260304T102030Z - 15 min.)');
  });

  it('accepts a small clock skew within the window', async () => {
    await expect(verifySigV4(await sign({}, { signingDate: new Date(NOW.getTime() - 4 * 60_000) }), lookup, NOW)).resolves.toBeDefined();
    await expect(verifySigV4(await sign({}, { signingDate: new Date(NOW.getTime() + 4 * 60_000) }), lookup, NOW)).resolves.toBeDefined();
  });

  it('refuses a request signed in the future beyond the window', async () => {
    const error = await refusal(await sign({}, { signingDate: new Date(NOW.getTime() + 16 * 60_000) }));
    expect([error.code, error.message]).toEqual(['InvalidSignatureException', 'Signature not yet current: 20260304T103630Z is still later than 20260304T102530Z (20260304T102030Z + 5 min.)']);
  });

  it('refuses a credential scope whose day is not the signing day', async () => {
    const request = await sign();
    request.headers.authorization = String(request.headers.authorization).replace('/20260304/', '/20260303/');
    const error = await refusal(request);
    expect([error.code, error.message]).toEqual([
      'InvalidSignatureException',
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260303' != '20260304', from '20260304T102030Z'.",
    ]);
  });

  it('refuses a signature that does not sign host', async () => {
    const signer = new SignatureV4({ credentials: { accessKeyId: 'AKIDLAMBDOCK', secretAccessKey: 'secret-of-lambdock' }, region: 'us-east-1', service: 'lambda', sha256: Sha256 });
    const signed = await signer.sign(new HttpRequest({ method: 'GET', hostname: '127.0.0.1', path: '/2015-03-31/functions', headers: { host: '127.0.0.1:9000' } }), {
      signingDate: NOW,
      unsignableHeaders: new Set(['host']),
    });
    const error = await refusal(toWire(signed, undefined));
    expect(error.message).toBe("'Host' must be a 'SignedHeader' in the AWS Authorization.");
  });

  it('names every missing part of an incomplete Authorization header', async () => {
    const request = await sign();
    delete request.headers['x-amz-date'];
    request.headers.authorization = 'AWS4-HMAC-SHA256 Credential=AKIDLAMBDOCK/20260304/us-east-1/lambda/aws4_request';
    const error = await refusal(request);
    expect([error.code, error.message]).toEqual([
      'IncompleteSignatureException',
      "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=AKIDLAMBDOCK/20260304/us-east-1/lambda/aws4_request",
    ]);
    request.headers.authorization = 'Bearer abc';
    expect((await refusal(request)).message).toMatch(/^Authorization header requires 'Credential' parameter\. .* Authorization=Bearer abc$/);
    request.headers.authorization = 'AWS4-HMAC-SHA256 Credential AKID';
    expect((await refusal(request)).message).toBe("'Credential' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential AKID'.");
  });

  it('refuses a scope for another region or service when told which to expect', async () => {
    const request = await sign();
    await expect(verifySigV4(request, lookup, NOW, { region: 'eu-west-1' })).rejects.toMatchObject({ code: 'InvalidSignatureException', message: "Credential should be scoped to a valid region, not 'us-east-1'. " });
    await expect(verifySigV4(request, lookup, NOW, { service: 'sqs' })).rejects.toMatchObject({ code: 'InvalidSignatureException', message: "Credential should be scoped to correct service: 'sqs'. " });
  });
});

/**
 * AWS's published Signature Version 4 test suite (docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html):
 * credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z, us-east-1, service "service", host example.amazonaws.com.
 * The suite signs paths encoded once, which the verifier (encoding the wire path a second time, as the
 * SDKs sign for every service but S3) sees only for paths without escapes.
 */
describe("AWS's SigV4 test suite", () => {
  const SUITE_DATE = new Date('2015-08-30T12:36:00Z');
  const vectors: Array<{ name: string; method: string; target: string; headers?: Record<string, string | string[]>; body?: string; signedHeaders: string; signature: string }> = [
    { name: 'get-vanilla', method: 'GET', target: '/', signedHeaders: 'host;x-amz-date', signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31' },
    { name: 'get-unreserved', method: 'GET', target: '/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', signedHeaders: 'host;x-amz-date', signature: '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f' },
    { name: 'get-slashes', method: 'GET', target: '//example//', signedHeaders: 'host;x-amz-date', signature: '9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84' },
    { name: 'get-vanilla-query-order-key-case', method: 'GET', target: '/?Param2=value2&Param1=value1', signedHeaders: 'host;x-amz-date', signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500' },
    { name: 'get-vanilla-query-order-value', method: 'GET', target: '/?Param1=value2&Param1=value1', signedHeaders: 'host;x-amz-date', signature: '5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694' },
    { name: 'get-vanilla-utf8-query', method: 'GET', target: `/?${encodeURIComponent('\u1234')}=bar`, signedHeaders: 'host;x-amz-date', signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04' },
    { name: 'get-header-value-order', method: 'GET', target: '/', headers: { 'my-header1': ['value4', 'value1', 'value3', 'value2'] }, signedHeaders: 'host;my-header1;x-amz-date', signature: '08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01' },
    { name: 'get-header-key-duplicate', method: 'GET', target: '/', headers: { 'my-header1': ['value2', 'value2', 'value1'] }, signedHeaders: 'host;my-header1;x-amz-date', signature: 'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea' },
    { name: 'get-header-value-trim', method: 'GET', target: '/', headers: { 'my-header1': ' value1', 'my-header2': '"a   b   c"' }, signedHeaders: 'host;my-header1;my-header2;x-amz-date', signature: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736' },
    { name: 'post-x-www-form-urlencoded', method: 'POST', target: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Param1=value1', signedHeaders: 'content-type;host;x-amz-date', signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a' },
  ];

  it.each(vectors)('verifies $name', async (vector) => {
    const [path, query = ''] = vector.target.split('?') as [string, string?];
    const request: SignedRequest = {
      method: vector.method,
      path,
      query,
      headers: {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        ...vector.headers,
        authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${vector.signedHeaders}, Signature=${vector.signature}`,
      },
      body: Buffer.from(vector.body ?? ''),
    };
    await expect(verifySigV4(request, lookup, SUITE_DATE)).resolves.toMatchObject({ accessKeyId: 'AKIDEXAMPLE', service: 'service' });
    const wrong = { ...request, headers: { ...request.headers, authorization: String(request.headers.authorization).replace(/.$/, (c) => (c === '0' ? '1' : '0')) } };
    await expect(verifySigV4(wrong, lookup, SUITE_DATE)).rejects.toMatchObject({ code: 'InvalidSignatureException' });
  });

  it('builds canonical URIs and queries as the suite and the SDK do', () => {
    expect(getCanonicalUri('/example space/')).toBe('/example%20space/');
    expect(getCanonicalUri('/a/./b/../c/')).toBe('/a/c/');
    expect(getCanonicalUri('/a%2Fb')).toBe('/a%252Fb');
    expect(getCanonicalUri('')).toBe('/');
    expect(getCanonicalQuery('b&a=1')).toBe('a=1&b=');
    expect(getCanonicalQuery('q=a+b&x=a.b&x=a%2Fb')).toBe('q=a%2Bb&x=a%2Fb&x=a.b');
    expect(getCanonicalQuery('X-Amz-Signature=abc&a=1')).toBe('a=1');
  });
});
