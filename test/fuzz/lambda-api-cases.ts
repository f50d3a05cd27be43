import { contentType, percentEncode, jsonText, mangleTransport, METHODS, mutateObject, oddString, oddValue } from './malformed.js';
import type { Rng } from './prng.js';
import type { RawRequest } from './raw-http.js';

/** What the Lambda API fuzzer knows of the lambdock it attacks. */
export interface LambdaFuzzContext {
  region: string;
  accountId: string;
  /** An Active function the fuzzer invokes (with odd requests) but never changes or deletes. */
  fixture: string;
  zips: { valid: Buffer; truncated: Buffer; empty: Buffer };
}

export interface FuzzCase {
  /** What kind of malformation this is, for the report. */
  label: string;
  request: RawRequest;
}

const BASE = '/2015-03-31/functions';

/** Valid names the fuzz may create, change, invoke and delete (never the fixture): short ones and edge cases. */
const VICTIMS = ['fz-0', 'fz-1', 'fz-2', 'fz-3', 'a', '_', '-', '0', 'A'.repeat(64), '-_'.repeat(32), `${'x'.repeat(63)}_`];

/** A function name as a caller might (mis)write it: plain, qualified, ARNs with wrong parts, or junk. */
function oddName(rng: Rng, ctx: LambdaFuzzContext, fixtureAllowed: boolean): string {
  const name = fixtureAllowed && rng.chance(0.4) ? ctx.fixture : rng.chance(0.5) ? rng.pick(VICTIMS) : oddString(rng);
  const arn = (region: string, account: string, rest: string) => `arn:aws:lambda:${region}:${account}:function:${rest}`;
  switch (rng.int(14)) {
    case 0:
      return arn(ctx.region, ctx.accountId, name);
    case 1:
      return arn(rng.pick(['us-west-2', 'xx-east-1', '', 'us-east-1x', 'US-EAST-1']), ctx.accountId, name);
    case 2:
      return arn(ctx.region, rng.pick(['123456789012', '123', '', '0000000000000', 'abcdefghijkl']), name);
    case 3:
      return `${ctx.accountId}:function:${name}`;
    case 4:
      return rng.pick([
        `arn:aws:s3:::${name}`,
        `arn:aws:lambda:${ctx.region}:${ctx.accountId}:layer:${name}`,
        `arn:aws-cn:lambda:cn-north-1:${ctx.accountId}:function:${name}`,
        `arn:aws:lambda:::function:${name}`,
        `arn:aws:lambda:${ctx.region}:${ctx.accountId}:${name}`,
        `arn:${name}`,
        `function:${name}`,
      ]);
    case 5:
      return `${name}:${rng.pick(['$LATEST', '$latest', '1', '', 'alias', oddString(rng)])}`;
    case 6:
      return `${arn(ctx.region, ctx.accountId, name)}:${rng.pick(['$LATEST', '7', 'a:b', ''])}`;
    case 7:
      return `${name}${rng.pick(['/', '/..', '%2F..', '?', '#', ';x'])}`;
    default:
      return name;
  }
}

/** A name put into a URL path: %-encoded as clients do, or raw, or double-encoded. */
function pathSegment(rng: Rng, name: string): string {
  switch (rng.int(5)) {
    case 0:
      return name;
    case 1:
      return percentEncode(percentEncode(name));
    case 2:
      return percentEncode(name, /[A-Za-z0-9\-_.~:/?#$&+,;=@]/);
    default:
      return percentEncode(name);
  }
}

function qualifierQuery(rng: Rng): string {
  if (rng.chance(0.5)) return '';
  const value = rng.pick(['$LATEST', '%24LATEST', '1', '', 'alias', '$LATEST&Qualifier=1', '%', '%zz', percentEncode(oddString(rng)), 'a'.repeat(200)]);
  return `?${rng.pick(['Qualifier', 'qualifier', 'Qualifier[]', 'Qualifier[a]'])}=${value}`;
}

function zipFile(rng: Rng, ctx: LambdaFuzzContext): unknown {
  switch (rng.int(14)) {
    case 0:
      return rng.pick(['!!!!', 'a', 'a===', '====', '=', 'AAAA====', '-_-_', 'QQ', 'QUJD\nREVG', ' QUJD ', 'data:application/zip;base64,UEs=']);
    case 1:
      return rng.bytes(1 + rng.int(3_000)).toString('base64');
    case 2:
      return ctx.zips.truncated.toString('base64');
    case 3:
      return ctx.zips.empty.toString('base64');
    case 4:
      return ctx.zips.valid.toString('base64').replace(/[A-Z]/, '*');
    case 5:
      return ctx.zips.valid.toString('base64url');
    case 6:
      return ctx.zips.valid.toString('base64').slice(0, -3);
    case 7:
    case 9:
      return rng.chance(0.7) ? ctx.zips.valid.toString('base64') : oddValue(rng);
    case 8:
      return 'UEsDBA'.repeat(1 + rng.int(50_000));
    default:
      return oddString(rng);
  }
}

function functionBody(rng: Rng, ctx: LambdaFuzzContext): Record<string, unknown> {
  const body: Record<string, unknown> = {
    FunctionName: oddName(rng, ctx, false),
    Runtime: rng.pick(['nodejs20.x', 'nodejs20.x', 'python3.11', 'provided.al2023', 'java21', oddString(rng)]),
    Handler: rng.pick(['index.handler', oddString(rng)]),
    Role: rng.pick(['arn:aws:iam::000000000000:role/lambda-role', oddString(rng)]),
    Code: { ZipFile: zipFile(rng, ctx) },
  };
  if (rng.chance(0.3)) body.MemorySize = oddValue(rng);
  if (rng.chance(0.3)) body.Timeout = oddValue(rng);
  if (rng.chance(0.3)) body.Environment = rng.chance(0.5) ? { Variables: { [oddString(rng)]: oddValue(rng) } } : oddValue(rng);
  if (rng.chance(0.2)) body.EphemeralStorage = rng.chance(0.5) ? { Size: oddValue(rng) } : oddValue(rng);
  if (rng.chance(0.2)) body.Architectures = rng.chance(0.5) ? [oddString(rng)] : oddValue(rng);
  if (rng.chance(0.1)) body.PackageType = oddValue(rng);
  if (rng.chance(0.1)) body.Publish = oddValue(rng);
  for (let i = rng.int(3); i > 0; i -= 1) mutateObject(rng, body);
  return body;
}

function jsonRequest(rng: Rng, method: string, target: string, value: unknown): RawRequest {
  const type = contentType(rng);
  return {
    method,
    target,
    headers: type === undefined ? [] : [['Content-Type', type]],
    body: Buffer.from(jsonText(rng, value), 'utf8'),
    ending: 'wait',
  };
}

function invokePayload(rng: Rng): Buffer {
  switch (rng.int(10)) {
    case 0:
      return Buffer.alloc(0);
    case 1:
      return rng.bytes(1 + rng.int(200));
    case 2:
      return Buffer.from([0xff, 0xfe, 0x7b, 0x7d]);
    case 3:
      return rng.chance(0.1) ? Buffer.alloc(6_291_457, 0x20) : Buffer.from(`"${'x'.repeat(100_000)}"`);
    default:
      return Buffer.from(jsonText(rng, oddValue(rng)), 'utf8');
  }
}

function invokeRequest(rng: Rng, ctx: LambdaFuzzContext): RawRequest {
  const headers: Array<[string, string]> = [];
  if (rng.chance(0.4)) headers.push(['X-Amz-Invocation-Type', rng.pick(['Event', 'DryRun', 'RequestResponse', 'requestresponse', '', 'x'.repeat(300), oddString(rng)])]);
  if (rng.chance(0.3)) headers.push(['X-Amz-Log-Type', rng.pick(['Tail', 'None', 'tail', '', oddString(rng)])]);
  if (rng.chance(0.3)) {
    headers.push([
      'X-Amz-Client-Context',
      rng.pick([
        Buffer.from('{"custom":{"a":1}}').toString('base64'),
        Buffer.from('[1]').toString('base64'),
        Buffer.from('null').toString('base64'),
        '!!!',
        'e30',
        'A'.repeat(3_584),
        Buffer.from(`{"a":"${'x'.repeat(3_000)}"}`).toString('base64'),
        oddString(rng),
      ]),
    ]);
  }
  if (rng.chance(0.1)) headers.push(['X-Amzn-Trace-Id', oddString(rng)]);
  if (rng.chance(0.3)) headers.push(['Content-Type', rng.pick(['application/json', 'application/octet-stream', 'text/plain', ''])]);
  const target = `${BASE}/${pathSegment(rng, oddName(rng, ctx, true))}/invocations${qualifierQuery(rng)}`;
  // Never DELETE: the router ends a path at a raw `#`, so `DELETE …/fuzz-fixture#/invocations` deletes the fixture.
  return { method: rng.chance(0.9) ? 'POST' : rng.pick(METHODS.filter((m) => m !== 'DELETE')), target, headers, body: invokePayload(rng), ending: 'wait' };
}

/** One malformed (or merely odd) Lambda API request. Mutating requests never name the fixture. */
/** PublishVersion, ListVersionsByFunction and the alias operations, with odd names, bodies and queries. */
function versionOrAliasCase(rng: Rng, ctx: LambdaFuzzContext): FuzzCase {
  const fn = pathSegment(rng, rng.chance(0.7) ? rng.pick(VICTIMS) : oddName(rng, ctx, false));
  const alias = pathSegment(rng, rng.pick(['PROD', 'live', '1', '$LATEST', 'a'.repeat(129), oddString(rng)]));
  const version = () => rng.pick<unknown>(['1', '2', '$LATEST', '$LATEST.PUBLISHED', 'PROD', '', oddValue(rng)]);
  const weights = () => rng.pick<unknown>([{}, { '2': 0.3 }, { '1': 0.5 }, { '2': 2 }, { '2': -1 }, { $LATEST: 0.5 }, { '2': 0.1, '3': 0.1 }, oddValue(rng)]);
  const aliasBody = (): Record<string, unknown> => {
    const body: Record<string, unknown> = { Name: rng.pick(['PROD', 'live', '2024', '', oddString(rng)]), FunctionVersion: version() };
    if (rng.chance(0.5)) body.RoutingConfig = rng.chance(0.8) ? { AdditionalVersionWeights: weights() } : oddValue(rng);
    if (rng.chance(0.3)) body.Description = oddString(rng);
    if (rng.chance(0.2)) body.RevisionId = oddValue(rng);
    if (rng.chance(0.3)) mutateObject(rng, body);
    return body;
  };
  const list = rng.pick(['', '?MaxItems=1', '?MaxItems=0', `?Marker=${percentEncode(oddString(rng))}`, '?FunctionVersion=1', '?FunctionVersion=PROD']);
  const none = { headers: [], body: Buffer.alloc(0), ending: 'wait' as const };
  switch (rng.int(7)) {
    case 0: {
      const body: Record<string, unknown> = rng.pick([{}, { Description: oddString(rng) }, { CodeSha256: oddValue(rng) }, { RevisionId: oddValue(rng) }, { PublishTo: rng.pick(['LATEST_PUBLISHED', 'x']) }]);
      if (rng.chance(0.3)) mutateObject(rng, body);
      return { label: 'PublishVersion', request: jsonRequest(rng, 'POST', `${BASE}/${fn}/versions`, body) };
    }
    case 6: {
      const body: Record<string, unknown> = { ReservedConcurrentExecutions: rng.pick<unknown>([0, 1, 5, -1, 901, 1e9, 1.5, '2', null, oddValue(rng)]) };
      if (rng.chance(0.3)) mutateObject(rng, body);
      return { label: 'PutFunctionConcurrency', request: jsonRequest(rng, 'PUT', `/2017-10-31/functions/${fn}/concurrency`, body) };
    }
    case 1:
      return { label: 'ListVersionsByFunction', request: { method: 'GET', target: `${BASE}/${fn}/versions${list}`, ...none } };
    case 2:
      return { label: 'CreateAlias', request: jsonRequest(rng, 'POST', `${BASE}/${fn}/aliases`, aliasBody()) };
    case 3:
      return { label: 'UpdateAlias', request: jsonRequest(rng, 'PUT', `${BASE}/${fn}/aliases/${alias}`, aliasBody()) };
    case 4:
      return { label: 'ListAliases', request: { method: 'GET', target: `${BASE}/${fn}/aliases${list}`, ...none } };
    default:
      return { label: rng.chance(0.5) ? 'GetAlias' : 'DeleteAlias', request: { method: rng.pick(['GET', 'DELETE']), target: `${BASE}/${fn}/aliases/${alias}`, ...none } };
  }
}

export function nextLambdaCase(rng: Rng, ctx: LambdaFuzzContext): FuzzCase {
  const pick = rng.int(100);
  let label: string;
  let request: RawRequest;
  if (pick < 4) {
    // Well-formed, so it gets past validation into the store, activation and later invokes, updates, deletes.
    label = 'CreateFunction (well-formed)';
    const body: Record<string, unknown> = { FunctionName: rng.pick(VICTIMS), Runtime: 'nodejs20.x', Handler: 'index.handler', Role: 'arn:aws:iam::000000000000:role/lambda-role', Code: { ZipFile: ctx.zips.valid.toString('base64') } };
    const extra = rng.pick<[string, unknown]>([['MemorySize', rng.pick([128, 129, 10_240])], ['Timeout', rng.pick([1, 900])], ['EphemeralStorage', { Size: rng.pick([512, 10_240]) }], ['Architectures', [rng.pick(['x86_64', 'arm64'])]], ['Environment', { Variables: { [rng.pick(['A', 'AWS_REGION', '_HANDLER', 'LD_PRELOAD', 'a'.repeat(100)])]: oddString(rng) } }], ['Description', oddString(rng)]]);
    body[extra[0]] = extra[1];
    request = jsonRequest(rng, 'POST', BASE, body);
  } else if (pick < 22) {
    label = 'CreateFunction';
    request = jsonRequest(rng, 'POST', BASE + (rng.chance(0.1) ? '/' : ''), functionBody(rng, ctx));
  } else if (pick < 44) {
    label = 'Invoke';
    request = invokeRequest(rng, ctx);
  } else if (pick < 56) {
    label = 'GetFunction';
    const suffix = rng.pick(['', '/configuration', '/', '/configuration/', '/code']);
    request = { method: 'GET', target: `${BASE}/${pathSegment(rng, oddName(rng, ctx, true))}${suffix}${qualifierQuery(rng)}`, headers: [], body: Buffer.alloc(0), ending: 'wait' };
  } else if (pick < 64) {
    label = 'UpdateFunctionCode';
    const body = { ZipFile: zipFile(rng, ctx), ...(rng.chance(0.3) ? { RevisionId: oddValue(rng) } : {}), ...(rng.chance(0.2) ? { DryRun: oddValue(rng) } : {}) };
    if (rng.chance(0.5)) mutateObject(rng, body);
    request = jsonRequest(rng, 'PUT', `${BASE}/${pathSegment(rng, oddName(rng, ctx, false))}/code`, body);
  } else if (pick < 72) {
    label = 'UpdateFunctionConfiguration';
    const body = functionBody(rng, ctx);
    delete body.FunctionName;
    delete body.Code;
    request = jsonRequest(rng, 'PUT', `${BASE}/${pathSegment(rng, oddName(rng, ctx, false))}/configuration`, body);
  } else if (pick < 77) {
    label = 'DeleteFunction';
    request = { method: 'DELETE', target: `${BASE}/${pathSegment(rng, oddName(rng, ctx, false))}${qualifierQuery(rng)}`, headers: [], body: Buffer.alloc(0), ending: 'wait' };
  } else if (pick < 82) {
    label = 'ListFunctions';
    const query = rng.pick(['', '?FunctionVersion=ALL', `?FunctionVersion=ALL&MaxItems=1&Marker=${rng.pick(['fz-0:1', 'fz-0:$LATEST', 'fz-0:', ':', percentEncode(oddString(rng))])}`, `?MaxItems=${percentEncode(oddString(rng))}`, `?Marker=${percentEncode(oddString(rng))}`, '?MaxItems=0', '?MaxItems=10001', '?MaxItems=1&MaxItems=2', '?FunctionVersion=x', '?MasterRegion=%', `?Marker=${'m'.repeat(2_000)}`]);
    request = { method: 'GET', target: `${BASE}${rng.chance(0.3) ? '/' : ''}${query}`, headers: [], body: Buffer.alloc(0), ending: 'wait' };
  } else if (pick < 88) {
    ({ label, request } = versionOrAliasCase(rng, ctx));
  } else if (pick < 93) {
    label = 'wrong method';
    // Each path with the methods it does serve: any other is the wrong one.
    const [target, served] = rng.pick<[string, string[]]>([
      [BASE, ['GET', 'POST']],
      [`${BASE}/${ctx.fixture}`, ['GET', 'DELETE']],
      [`${BASE}/${ctx.fixture}/invocations`, ['POST']],
      [`${BASE}/${ctx.fixture}/code`, ['PUT']],
      [`${BASE}/${ctx.fixture}/configuration`, ['GET', 'PUT']],
      [`${BASE}/${ctx.fixture}/versions`, ['GET', 'POST']],
      [`${BASE}/${ctx.fixture}/aliases`, ['GET', 'POST']],
      [`${BASE}/${ctx.fixture}/aliases/PROD`, ['GET', 'PUT', 'DELETE']],
      [`/2017-10-31/functions/${ctx.fixture}/concurrency`, ['PUT', 'DELETE']],
      [`/2019-09-30/functions/${ctx.fixture}/concurrency`, ['GET']],
      ['/2016-08-19/account-settings', ['GET']],
      ['/health', ['GET']],
    ]);
    request = { method: rng.pick(METHODS.filter((m) => !served.includes(m))), target, headers: [], body: rng.chance(0.3) ? Buffer.from('{}') : Buffer.alloc(0), ending: 'wait' };
  } else {
    label = 'unknown path';
    const target = rng.pick([
      '/',
      '*',
      '//2015-03-31/functions',
      '/2015-03-31',
      '/2015-03-31/functions/a/b/c',
      '/2015-03-31/functions/%',
      '/2015-03-31/functions/%zz/invocations',
      '/2015-03-31/functions/..%2f..%2fhealth',
      '/2015-03-31/functions/../../health',
      '/2020-06-30/functions/x/url',
      '/2017-03-31/tags/x',
      `/2015-03-31/functions/${'a'.repeat(rng.pick([501, 8_000, 20_000]))}`,
      `/${'x/'.repeat(3_000)}`,
      `/_lambdock/code/${rng.pick(['', '..%2f..', 'a'.repeat(64), '0'.repeat(64)])}.zip`,
      'http://evil.example/2015-03-31/functions',
      `/2015-03-31/functions?${'a=1&'.repeat(2_000)}`,
    ]);
    request = { method: rng.pick(['GET', 'POST', 'DELETE', 'PUT']), target, headers: [], body: Buffer.alloc(0), ending: 'wait' };
  }
  if (rng.chance(0.15)) {
    label += ' + transport';
    mangleTransport(rng, request);
  }
  return { label, request };
}
