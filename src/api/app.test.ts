import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryFunctionStore } from '../../test/helpers/memory-function-store.js';
import { AliasService } from '../control-plane/aliases/alias-service.js';
import type { ProvisionedConcurrencyService } from '../control-plane/concurrency/provisioned-concurrency-service.js';
import type { ReservedConcurrencyService } from '../control-plane/concurrency/reserved-concurrency-service.js';
import { CodeStore } from '../control-plane/code/code-store.js';
import type { EventInvokeConfigService } from '../control-plane/event-invoke-config/event-invoke-config-service.js';
import type { LayerPolicyService } from '../control-plane/layers/layer-policy-service.js';
import type { FunctionPolicyService } from '../control-plane/policies/function-policy-service.js';
import { FunctionService } from '../control-plane/function-service.js';
import type { RecursionConfigService } from '../control-plane/recursion/recursion-config.js';
import type { LayerService } from '../control-plane/layers/layer-service.js';
import type { AsyncInvoker } from '../invocation/async/async-invoker.js';
import { InvokeService } from '../invocation/invoke-service.js';
import type { TagService } from '../control-plane/tag-service.js';
import { buildApi } from './app.js';
import { zipBase64 } from '../../test/helpers/zip.js';

const ROLE = 'arn:aws:iam::000000000000:role/r';
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';

/** The fields AWS's CreateFunction answer carries for what lambdock stores (recorded: test_function_lifecycle). */
const CREATE_FIELDS = [
  'Architectures', 'CodeSha256', 'CodeSize', 'Description', 'EphemeralStorage', 'FunctionArn', 'FunctionName', 'Handler',
  'LastModified', 'LoggingConfig', 'MemorySize', 'PackageType', 'RevisionId', 'Role', 'Runtime', 'RuntimeVersionConfig',
  'SnapStart', 'State', 'StateReason', 'StateReasonCode', 'Timeout', 'TracingConfig', 'Version',
];
/** ListFunctions items (recorded: test_list_functions): no State*, no LastUpdateStatus*. */
const LIST_FIELDS = [
  'Architectures', 'CodeSha256', 'CodeSize', 'Description', 'EphemeralStorage', 'FunctionArn', 'FunctionName', 'Handler',
  'LastModified', 'LoggingConfig', 'MemorySize', 'PackageType', 'RevisionId', 'Role', 'Runtime', 'SnapStart', 'Timeout',
  'TracingConfig', 'Version',
];

describe('the Lambda API (app.inject)', () => {
  let dir: string;
  let app: FastifyInstance;
  let store: MemoryFunctionStore;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lambdock-api-'));
    store = new MemoryFunctionStore();
    const code = new CodeStore(dir, { references: store });
    const functions = new FunctionService(store.stores,
      code,
      { region: 'us-east-1', accountId: '000000000000' },
      () => Promise.resolve(),
      () => undefined,
    );
    // Never reached: every invocation below is refused first.
    const invoker = new InvokeService(functions, { execute: () => Promise.reject(new Error('not reached')) }, {} as AsyncInvoker);
    const aliases = new AliasService(store, store, { region: 'us-east-1', accountId: '000000000000' });
    app = buildApi({ functions, layers: {} as LayerService, aliases, invoker, code, tags: { fetchFunctionTags: async () => ({}) } as unknown as TagService, health: async () => ({}), concurrency: { get: async () => undefined } as unknown as ReservedConcurrencyService, provisioned: {} as ProvisionedConcurrencyService, eventInvokeConfigs: {} as EventInvokeConfigService, policies: {} as FunctionPolicyService, layerPolicies: {} as LayerPolicyService, recursion: {} as RecursionConfigService, logger: false });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true, maxRetries: 10 });
  });

  const create = async (name: string, extra: Record<string, unknown> = {}) =>
    app.inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: { FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await zipBase64() }, ...extra },
    });
  /** Until every function's activation (it unpacks the code on disk) has ended, however busy the host. */
  const settle = () =>
    vi.waitFor(() => {
      const unfinished = [...store.records.values()].filter((r) => r.state === 'Pending' || r.lastUpdateStatus === 'InProgress');
      if (unfinished.length > 0) throw new Error(`still activating: ${unfinished.map((r) => r.name).join(', ')}`);
    }, { timeout: 10_000 });
  const error = (res: { statusCode: number; headers: Record<string, unknown>; json: () => Record<string, unknown> }) => ({
    status: res.statusCode,
    code: res.headers['x-amzn-errortype'],
    message: res.json().message ?? res.json().Message,
  });

  describe('response field sets', () => {
    it('answers CreateFunction with AWS\'s fields: no LastUpdateStatus*, Environment only when sent', async () => {
      const without = await create('plain');
      expect(without.statusCode).toBe(201);
      expect(Object.keys(without.json()).sort()).toEqual(CREATE_FIELDS);
      const withEmpty = await create('empty-env', { Environment: { Variables: {} } });
      expect(withEmpty.json().Environment).toStrictEqual({ Variables: {} });
      expect(Object.keys(withEmpty.json()).sort()).toEqual([...CREATE_FIELDS, 'Environment'].sort());
    });

    it('shapes ListFunctions items as AWS does, and keeps every field in GetFunction', async () => {
      await create('listed', { Environment: { Variables: {} } });
      await settle();
      const list = await app.inject({ method: 'GET', url: '/2015-03-31/functions' });
      const [item] = list.json().Functions as Array<Record<string, unknown>>;
      expect(Object.keys(item ?? {}).sort()).toEqual([...LIST_FIELDS, 'Environment'].sort());
      const got = await app.inject({ method: 'GET', url: '/2015-03-31/functions/listed' });
      expect(got.json().Configuration).toMatchObject({ State: 'Active', LastUpdateStatus: 'Successful', Environment: { Variables: {} } });
    });

    it('gives the qualified ARN when the function is named with $LATEST or listed with FunctionVersion=ALL', async () => {
      await create('qualified');
      await settle();
      const byQuery = await app.inject({ method: 'GET', url: '/2015-03-31/functions/qualified?Qualifier=%24LATEST' });
      expect(byQuery.json().Configuration.FunctionArn).toBe(`${ARN}:qualified:$LATEST`);
      const byName = await app.inject({ method: 'GET', url: '/2015-03-31/functions/qualified%3A%24LATEST/configuration' });
      expect(byName.json().FunctionArn).toBe(`${ARN}:qualified:$LATEST`);
      const plain = await app.inject({ method: 'GET', url: '/2015-03-31/functions/qualified/configuration' });
      expect(plain.json().FunctionArn).toBe(`${ARN}:qualified`);
      const all = await app.inject({ method: 'GET', url: '/2015-03-31/functions?FunctionVersion=ALL' });
      expect(all.json().Functions[0].FunctionArn).toBe(`${ARN}:qualified:$LATEST`);
      const latest = await app.inject({ method: 'GET', url: '/2015-03-31/functions' });
      expect(latest.json().Functions[0].FunctionArn).toBe(`${ARN}:qualified`);
    });

    it('echoes an empty Environment once an update sent one', async () => {
      await create('later');
      await settle();
      const updated = await app.inject({
        method: 'PUT',
        url: '/2015-03-31/functions/later/configuration',
        payload: { Environment: { Variables: {} } },
      });
      expect(updated.json()).toMatchObject({ Environment: { Variables: {} }, LastUpdateStatus: 'InProgress' });
    });
  });

  describe('validation', () => {
    it('lists every violated constraint of a CreateFunction, not only the first', async () => {
      const res = await create('bad', { MemorySize: 99999, Timeout: 0, Description: 'd'.repeat(257) });
      expect(error(res)).toStrictEqual({
        status: 400,
        code: 'ValidationException',
        message:
          '3 validation errors detected: ' +
          `Value '${'d'.repeat(257)}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 256; ` +
          "Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
          "Value '99999' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240",
      });
    });

    it('reports missing FunctionName, Role and Code together, in the model\'s order', async () => {
      const res = await app.inject({ method: 'POST', url: '/2015-03-31/functions', payload: { Runtime: 'nodejs20.x' } });
      expect(error(res)).toStrictEqual({
        status: 400,
        code: 'ValidationException',
        message:
          '3 validation errors detected: ' +
          "Value null at 'functionName' failed to satisfy constraint: Member must not be null; " +
          "Value null at 'role' failed to satisfy constraint: Member must not be null; " +
          "Value null at 'code' failed to satisfy constraint: Member must not be null",
      });
    });

    it('refuses an unknown FunctionVersion with AWS\'s enum text, listing a bad MaxItems too', async () => {
      const one = await app.inject({ method: 'GET', url: '/2015-03-31/functions?FunctionVersion=invalid' });
      expect(error(one)).toStrictEqual({
        status: 400,
        code: 'ValidationException',
        message:
          "1 validation error detected: Value 'invalid' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]",
      });
      const two = await app.inject({ method: 'GET', url: '/2015-03-31/functions?FunctionVersion=invalid&MaxItems=0' });
      expect(error(two).message).toMatch(/^2 validation errors detected: .*'functionVersion'.*; Value '0' at 'maxItems'/);
    });
  });

  describe('404 or 400 for malformed names (recorded from AWS)', () => {
    it.each([
      ['GET', `/2015-03-31/functions/${'a'.repeat(65)}`, `Function not found: ${ARN}:${'a'.repeat(65)}`],
      ['DELETE', `/2015-03-31/functions/${'a'.repeat(65)}`, `Function not found: ${ARN}:${'a'.repeat(65)}`],
      ['POST', `/2015-03-31/functions/${'a'.repeat(65)}/invocations`, `Function not found: ${ARN}:${'a'.repeat(65)}:$LATEST`],
      ['GET', `/2015-03-31/functions/${encodeURIComponent(`${ARN}`)}`, `Function not found: ${ARN}:function`],
      ['POST', `/2015-03-31/functions/${encodeURIComponent(`${ARN}`)}/invocations`, `Function not found: ${ARN}:function:$LATEST`],
      ['GET', '/2015-03-31/functions/my-function?Qualifier=%24latest', `Function not found: ${ARN}:my-function:$latest`],
      ['POST', '/2015-03-31/functions/my-function/invocations?Qualifier=%24latest', `Function not found: ${ARN}:my-function:$latest`],
      ['DELETE', '/2015-03-31/functions/my-function?Qualifier=%24latest', `Function not found: ${ARN}:my-function`],
      ['GET', '/2015-03-31/functions/doesnotexist/configuration', `Function not found: ${ARN}:doesnotexist`],
    ])('%s %s is 404 %j', async (method, url, message) => {
      const res = await app.inject({ method: method as 'GET', url });
      expect(error(res)).toStrictEqual({ status: 404, code: 'ResourceNotFoundException', message });
    });

    it('refuses a malformed name on Get with AWS\'s NamespacedFunctionName pattern', async () => {
      const res = await app.inject({ method: 'GET', url: '/2015-03-31/functions/my-function!' });
      expect(error(res)).toStrictEqual({
        status: 400,
        code: 'ValidationException',
        message:
          "1 validation error detected: Value 'my-function!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: " +
          '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?',
      });
    });

    it('answers a 600-character name with the length constraint, not a router error', async () => {
      const name = 'a'.repeat(600);
      const res = await app.inject({ method: 'GET', url: `/2015-03-31/functions/${name}` });
      expect(error(res)).toStrictEqual({
        status: 400,
        code: 'ValidationException',
        message: `1 validation error detected: Value '${name}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 256`,
      });
    });

    it('answers an ARN of another account with 403 and no message, as AWS does', async () => {
      const res = await app.inject({ method: 'GET', url: `/2015-03-31/functions/${encodeURIComponent('arn:aws:lambda:us-east-1:123456789012:function:f')}` });
      expect(res.statusCode).toBe(403);
      expect(res.headers['x-amzn-errortype']).toBe('AccessDeniedException');
      expect(res.json()).toStrictEqual({ Type: 'User', Message: null });
    });
  });

  describe('errors at the edge of HTTP keep AWS\'s shape', () => {
    const expectAwsShaped = (res: Awaited<ReturnType<FastifyInstance['inject']>>, status: number, code: string) => {
      expect(res.statusCode).toBe(status);
      expect(res.headers['x-amzn-errortype']).toBe(code);
      expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json();
      expect(body).toStrictEqual({ Type: 'User', message: expect.any(String) });
      return body.message as string;
    };

    it('answers an unknown path and an unknown method with UnknownOperationException', async () => {
      expect(expectAwsShaped(await app.inject({ method: 'GET', url: '/2015-03-31/nothing-here' }), 404, 'UnknownOperationException')).toBe(
        'No operation at GET /2015-03-31/nothing-here',
      );
      expectAwsShaped(await app.inject({ method: 'PATCH', url: '/2015-03-31/functions' }), 404, 'UnknownOperationException');
    });

    it('answers a 100 KB URL with 414 in AWS\'s shape, without echoing the URL whole', async () => {
      const message = expectAwsShaped(
        await app.inject({ method: 'GET', url: `/2015-03-31/functions/${'a'.repeat(100_000)}` }),
        414,
        'RequestURITooLongException',
      );
      expect(message.length).toBeLessThan(400);
    });

    it('answers a URL that does not decode with 400 in AWS\'s shape', async () => {
      expectAwsShaped(await app.inject({ method: 'GET', url: '/2015-03-31/functions/%E0%A4%A' }), 400, 'InvalidRequestContentException');
    });
  });
});

const never = (): Promise<never> => new Promise(() => undefined);

function apiWithHangingBackend(requestTimeoutMs: number) {
  const functions = { get: never, list: never, scope: { region: 'us-east-1', accountId: '000000000000' } };
  return buildApi({
    functions: functions as unknown as FunctionService,
    layers: {} as LayerService,
    aliases: {} as AliasService,
    invoker: { invoke: never } as unknown as InvokeService,
    recursion: {} as RecursionConfigService,
    code: {} as CodeStore,
    tags: {} as TagService,
    health: async () => ({}),
    concurrency: {} as ReservedConcurrencyService,
    provisioned: {} as ProvisionedConcurrencyService,
    eventInvokeConfigs: {} as EventInvokeConfigService,
    policies: {} as FunctionPolicyService,
    layerPolicies: {} as LayerPolicyService,
    logger: false,
    requestTimeoutMs,
  });
}

describe('request deadlines', () => {
  it('answers a request whose backend never answers with a 500 ServiceException at the deadline', async () => {
    const app = apiWithHangingBackend(1_000);
    const response = await app.inject({ method: 'GET', url: '/2015-03-31/functions/stuck' });
    expect(response.statusCode).toBe(500);
    expect(response.headers['x-amzn-errortype']).toBe('ServiceException');
    expect(response.json()).toStrictEqual({ Type: 'Service', Message: 'The Lambda service encountered an internal error.' });
    await app.close();
  });
});
