import {
  GetFunctionCodeSigningConfigCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionEventInvokeConfigCommand,
  GetFunctionRecursionConfigCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  GetProvisionedConcurrencyConfigCommand,
  GetRuntimeManagementConfigCommand,
  ListAliasesCommand,
  ListEventSourceMappingsCommand,
  ListFunctionEventInvokeConfigsCommand,
  ListFunctionUrlConfigsCommand,
  ListProvisionedConcurrencyConfigsCommand,
  ListVersionsByFunctionCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeZip } from '../helpers/zip.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { awsError } from '../helpers/lambda-error-of.js';

let t: TestLambdock;
const ARN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const FN = 'deployed';
const MISSING = 'never-created';

beforeAll(async () => {
  t = await startTestLambdock();
  await t.createFunction({ FunctionName: FN, Code: { ZipFile: await nodeZip('exports.handler = async () => 1;') } });
});
afterAll(async () => {
  await t?.close();
});

async function expectNotFound(promise: Promise<unknown>, message: string) {
  const e = await awsError(promise);
  expect(e.name).toBe('ResourceNotFoundException');
  expect(e.$metadata.httpStatusCode).toBe(404);
  expect(e.message).toBe(message);
}

const send = <T>(command: T) => t.client.send(command as never) as unknown as Promise<Record<string, unknown>>;
const body = (out: Record<string, unknown>) => {
  const { $metadata: _, ...rest } = out;
  return rest;
};

describe('what deploy tools read right after a create, with nothing configured', () => {
  it('GetFunctionCodeSigningConfig: {} / Function not found', async () => {
    expect(body(await send(new GetFunctionCodeSigningConfigCommand({ FunctionName: FN })))).toEqual({});
    await expectNotFound(send(new GetFunctionCodeSigningConfigCommand({ FunctionName: MISSING })), `Function not found: ${ARN(MISSING)}`);
  });

  it('GetFunctionUrlConfig and ListFunctionUrlConfigs', async () => {
    await expectNotFound(send(new GetFunctionUrlConfigCommand({ FunctionName: FN })), 'The resource you requested does not exist.');
    await expectNotFound(send(new GetFunctionUrlConfigCommand({ FunctionName: MISSING })), 'The resource you requested does not exist.');
    expect(body(await send(new ListFunctionUrlConfigsCommand({ FunctionName: FN })))).toEqual({ FunctionUrlConfigs: [] });
    await expectNotFound(send(new ListFunctionUrlConfigsCommand({ FunctionName: MISSING })), 'Function does not exist');
  });

  it('GetPolicy: the resource you requested does not exist', async () => {
    await expectNotFound(send(new GetPolicyCommand({ FunctionName: FN })), 'The resource you requested does not exist.');
    await expectNotFound(send(new GetPolicyCommand({ FunctionName: MISSING })), 'The resource you requested does not exist.');
  });

  it('GetFunctionEventInvokeConfig and ListFunctionEventInvokeConfigs', async () => {
    await expectNotFound(
      send(new GetFunctionEventInvokeConfigCommand({ FunctionName: FN })),
      `The function ${ARN(FN)}:$LATEST doesn't have an EventInvokeConfig`,
    );
    await expectNotFound(
      send(new GetFunctionEventInvokeConfigCommand({ FunctionName: MISSING })),
      `The function ${ARN(MISSING)}:$LATEST doesn't have an EventInvokeConfig`,
    );
    expect(body(await send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: FN })))).toEqual({ FunctionEventInvokeConfigs: [] });
    await expectNotFound(send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: MISSING })), "The function doesn't exist.");
  });

  it('GetFunctionConcurrency: {} / Function not found', async () => {
    expect(body(await send(new GetFunctionConcurrencyCommand({ FunctionName: FN })))).toEqual({});
    await expectNotFound(send(new GetFunctionConcurrencyCommand({ FunctionName: MISSING })), `Function not found: ${ARN(MISSING)}`);
  });

  it('GetProvisionedConcurrencyConfig and ListProvisionedConcurrencyConfigs', async () => {
    await expectNotFound(
      send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: FN, Qualifier: 'live' })),
      `Cannot find alias arn: ${ARN(FN)}:live`,
    );
    await expectNotFound(send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: FN, Qualifier: '10' })), `Function not found: ${ARN(FN)}:10`);
    const latest = await awsError(send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: FN, Qualifier: '$LATEST' })));
    expect(latest.name).toBe('InvalidParameterValueException');
    expect(latest.message).toBe('The function resource provided must be an alias or a published version.');
    expect(body(await send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: FN })))).toEqual({ ProvisionedConcurrencyConfigs: [] });
    await expectNotFound(send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: MISSING })), `Function not found: ${ARN(MISSING)}`);
  });

  it('GetRuntimeManagementConfig: Auto / Function not found', async () => {
    expect(body(await send(new GetRuntimeManagementConfigCommand({ FunctionName: FN })))).toEqual({ UpdateRuntimeOn: 'Auto', FunctionArn: ARN(FN) });
    await expectNotFound(send(new GetRuntimeManagementConfigCommand({ FunctionName: MISSING })), `Function not found: ${ARN(MISSING)}`);
  });

  it('GetFunctionRecursionConfig: Terminate / Function not found', async () => {
    expect(body(await send(new GetFunctionRecursionConfigCommand({ FunctionName: FN })))).toEqual({ RecursiveLoop: 'Terminate' });
    await expectNotFound(send(new GetFunctionRecursionConfigCommand({ FunctionName: MISSING })), `Function not found: ${ARN(MISSING)}`);
  });

  it('ListAliases: none / Function not found', async () => {
    expect(body(await send(new ListAliasesCommand({ FunctionName: FN })))).toEqual({ Aliases: [] });
    await expectNotFound(send(new ListAliasesCommand({ FunctionName: MISSING })), `Function not found: ${ARN(MISSING)}`);
  });

  it('ListVersionsByFunction: $LATEST only, in the list shape / Function not found', async () => {
    const out = await send(new ListVersionsByFunctionCommand({ FunctionName: FN }));
    const versions = out.Versions as Array<Record<string, unknown>>;
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ FunctionName: FN, FunctionArn: `${ARN(FN)}:$LATEST`, Version: '$LATEST', Runtime: 'nodejs20.x' });
    expect(versions[0]?.State).toBeUndefined();
    await expectNotFound(send(new ListVersionsByFunctionCommand({ FunctionName: MISSING })), `Function not found: ${ARN(MISSING)}`);
  });

  it('ListEventSourceMappings: none, filtered by function or not', async () => {
    expect(body(await send(new ListEventSourceMappingsCommand({ FunctionName: FN })))).toEqual({ EventSourceMappings: [] });
    expect(body(await send(new ListEventSourceMappingsCommand({})))).toEqual({ EventSourceMappings: [] });
  });
});
