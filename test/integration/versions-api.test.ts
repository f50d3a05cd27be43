import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  ListAliasesCommand,
  ListFunctionsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  TagResourceCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsError } from '../helpers/lambda-error-of.js';
import { ROLE, startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { nodeZip } from '../helpers/zip.js';

let t: TestLambdock;
const ARN = (name: string, qualifier?: string) =>
  `arn:aws:lambda:us-east-1:000000000000:function:${name}${qualifier === undefined ? '' : `:${qualifier}`}`;
const code = (tag: string) => nodeZip(`exports.handler = async () => (${JSON.stringify(tag)});`);

beforeAll(async () => {
  t = await startTestLambdock();
});
afterAll(async () => {
  await t?.close();
});

async function expectError(promise: Promise<unknown>, name: string, status: number, message?: string) {
  const error = await awsError(promise);
  expect(error.name).toBe(name);
  expect(error.$metadata.httpStatusCode).toBe(status);
  if (message !== undefined) expect(error.message).toBe(message);
  return error;
}

/** A function with `versions` published versions, each with its own code. */
async function withVersions(name: string, versions: number): Promise<void> {
  await t.createFunction({ FunctionName: name, Code: { ZipFile: await code('v0') } });
  for (let i = 1; i <= versions; i += 1) {
    if (i > 1) {
      await t.client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: await code(`v${i}`) }));
      await t.waitUpdated(name);
    }
    await t.client.send(new PublishVersionCommand({ FunctionName: name }));
  }
}

describe('PublishVersion and ListVersionsByFunction', () => {
  it('numbers versions, returns the last one when nothing changed, and snapshots $LATEST', async () => {
    await t.createFunction({ FunctionName: 'pub', Description: 'first', Code: { ZipFile: await code('one') } });
    const before = await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'pub' }));
    const v1 = await t.client.send(new PublishVersionCommand({ FunctionName: 'pub', Description: 'release 1' }));
    expect(v1.$metadata.httpStatusCode).toBe(201);
    expect(v1).toMatchObject({
      Version: '1',
      FunctionArn: ARN('pub', '1'),
      Description: 'release 1',
      State: 'Active',
      LastUpdateStatus: 'Successful',
      CodeSha256: before.CodeSha256,
    });
    expect(v1.RevisionId).not.toBe(before.RevisionId);
    // Publishing changes $LATEST's RevisionId, as on AWS.
    const after = await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'pub' }));
    expect(after.RevisionId).not.toBe(before.RevisionId);

    const again = await t.client.send(new PublishVersionCommand({ FunctionName: 'pub', Description: 'ignored' }));
    expect(again).toMatchObject({ Version: '1', Description: 'release 1', RevisionId: v1.RevisionId });

    await t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'pub', Description: 'second' }));
    await t.waitUpdated('pub');
    const v2 = await t.client.send(new PublishVersionCommand({ FunctionName: 'pub' }));
    expect(v2).toMatchObject({ Version: '2', Description: 'second', FunctionArn: ARN('pub', '2') });

    const listed = await t.client.send(new ListVersionsByFunctionCommand({ FunctionName: 'pub' }));
    expect(listed.Versions?.map((v) => [v.Version, v.FunctionArn, v.Description])).toEqual([
      ['$LATEST', ARN('pub', '$LATEST'), 'second'],
      ['1', ARN('pub', '1'), 'release 1'],
      ['2', ARN('pub', '2'), 'second'],
    ]);
    expect(listed.Versions?.[1]).not.toHaveProperty('State');
    expect(listed.NextMarker).toBeUndefined();

    const pages: string[][] = [];
    let marker: string | undefined;
    do {
      const page = await t.client.send(new ListVersionsByFunctionCommand({ FunctionName: 'pub', MaxItems: 2, Marker: marker }));
      pages.push((page.Versions ?? []).map((v) => v.Version ?? ''));
      marker = page.NextMarker;
    } while (marker !== undefined);
    expect(pages).toEqual([['$LATEST', '1'], ['2']]);
  });

  it('refuses a CodeSha256 other than $LATEST\'s and a stale RevisionId', async () => {
    await t.createFunction({ FunctionName: 'pre', Code: { ZipFile: await code('x') } });
    const latest = await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'pre' }));
    await expectError(
      t.client.send(new PublishVersionCommand({ FunctionName: 'pre', CodeSha256: 'abc' })),
      'InvalidParameterValueException',
      400,
      `CodeSHA256 (abc) is different from current CodeSHA256 in $LATEST (${latest.CodeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
    );
    await expectError(
      t.client.send(new PublishVersionCommand({ FunctionName: 'pre', RevisionId: 'stale' })),
      'PreconditionFailedException',
      412,
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    );
    const published = await t.client.send(
      new PublishVersionCommand({ FunctionName: 'pre', RevisionId: latest.RevisionId, CodeSha256: latest.CodeSha256 }),
    );
    expect(published.Version).toBe('1');
    await expectError(t.client.send(new PublishVersionCommand({ FunctionName: 'nope' })), 'ResourceNotFoundException', 404, `Function not found: ${ARN('nope')}`);
  });

  it('gives publishes at the same time one number when nothing changed between them', async () => {
    await t.createFunction({ FunctionName: 'race', Code: { ZipFile: await code('x') } });
    const results = await Promise.all(Array.from({ length: 8 }, () => t.client.send(new PublishVersionCommand({ FunctionName: 'race' }))));
    expect(new Set(results.map((r) => r.Version))).toEqual(new Set(['1']));
    const listed = await t.client.send(new ListVersionsByFunctionCommand({ FunctionName: 'race' }));
    expect(listed.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1']);
  });

  it('refuses changes to a published version', async () => {
    await withVersions('frozen', 1);
    const message =
      'Current operation does not support versions other than $LATEST. Please set the version to $LATEST or do not set a version in your request.';
    await expectError(
      t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'frozen:1', Timeout: 9 })),
      'InvalidParameterValueException',
      400,
      message,
    );
    await expectError(
      t.client.send(new UpdateFunctionCodeCommand({ FunctionName: ARN('frozen', '1'), ZipFile: await code('y') })),
      'InvalidParameterValueException',
      400,
      message,
    );
    await expectError(
      t.client.send(new TagResourceCommand({ Resource: ARN('frozen', '1'), Tags: { a: 'b' } })),
      'InvalidParameterValueException',
      400,
      'Tags on function aliases and versions are not supported. Please specify a function ARN.',
    );
    // Nothing accepted is dropped: PublishTo ($LATEST.PUBLISHED) is refused, not ignored.
    await expectError(
      t.client.send(new UpdateFunctionCodeCommand({ FunctionName: 'frozen', ZipFile: await code('y'), PublishTo: 'LATEST_PUBLISHED' })),
      'InvalidParameterValueException',
      400,
      'lambdock does not support PublishTo yet: remove it.',
    );
    const v1 = await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'frozen', Qualifier: '1' }));
    expect(v1.Timeout).toBe(3);
  });

  it('publishes with CreateFunction and UpdateFunctionCode (Publish: true), each version settling Active', async () => {
    const created = await t.client.send(
      new CreateFunctionCommand({ FunctionName: 'onpub', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Publish: true, Code: { ZipFile: await code('a') } }),
    );
    // AWS answers version 1 under the unqualified ARN, Pending, without LastUpdateStatus.
    expect(created).toMatchObject({ Version: '1', FunctionArn: ARN('onpub'), State: 'Pending' });
    expect(created.LastUpdateStatus).toBeUndefined();
    await waitUntilFunctionActiveV2({ client: t.client, maxWaitTime: 60, minDelay: 1 }, { FunctionName: 'onpub', Qualifier: '1' });
    const v1 = await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'onpub', Qualifier: '1' }));
    expect(v1).toMatchObject({ Version: '1', FunctionArn: ARN('onpub', '1'), State: 'Active', LastUpdateStatus: 'Successful' });
    await waitUntilFunctionActiveV2({ client: t.client, maxWaitTime: 60, minDelay: 1 }, { FunctionName: 'onpub' });
    expect((await t.client.send(new PublishVersionCommand({ FunctionName: 'onpub' }))).Version).toBe('1');

    const updated = await t.client.send(new UpdateFunctionCodeCommand({ FunctionName: 'onpub', Publish: true, ZipFile: await code('b') }));
    expect(updated).toMatchObject({ Version: '2', FunctionArn: ARN('onpub', '2'), State: 'Pending', StateReasonCode: 'Creating' });
    expect(updated.LastUpdateStatus).toBeUndefined();
    await waitUntilFunctionActiveV2({ client: t.client, maxWaitTime: 60, minDelay: 1 }, { FunctionName: 'onpub', Qualifier: '2' });
    await t.waitUpdated('onpub');
    const v2 = await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'onpub', Qualifier: '2' }));
    expect(v2).toMatchObject({ State: 'Active', LastUpdateStatus: 'Successful', CodeSha256: updated.CodeSha256 });
    expect(v2.CodeSha256).not.toBe(v1.CodeSha256);
  });
});

describe('qualified reads and deletes', () => {
  it('describes a version, an alias (under the alias ARN) and $LATEST; a missing one is 404', async () => {
    await withVersions('reads', 2);
    await t.client.send(new CreateAliasCommand({ FunctionName: 'reads', Name: 'PROD', FunctionVersion: '1' }));
    const byAlias = await t.client.send(new GetFunctionCommand({ FunctionName: 'reads', Qualifier: 'PROD' }));
    const v1 = await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'reads:1' }));
    expect(byAlias.Configuration).toMatchObject({ FunctionArn: ARN('reads', 'PROD'), Version: '1', RevisionId: v1.RevisionId });
    const byAliasArn = await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: ARN('reads', 'PROD') }));
    expect(byAliasArn).toMatchObject({ FunctionArn: ARN('reads', 'PROD'), Version: '1' });
    expect((await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'reads', Qualifier: '$LATEST' }))).FunctionArn).toBe(
      ARN('reads', '$LATEST'),
    );
    for (const qualifier of ['9', 'STAGING']) {
      await expectError(
        t.client.send(new GetFunctionCommand({ FunctionName: 'reads', Qualifier: qualifier })),
        'ResourceNotFoundException',
        404,
        `Function not found: ${ARN('reads', qualifier)}`,
      );
      await expectError(
        t.client.send(new InvokeCommand({ FunctionName: 'reads', Qualifier: qualifier })),
        'ResourceNotFoundException',
        404,
        `Function not found: ${ARN('reads', qualifier)}`,
      );
    }
  });

  it('deletes a version unless an alias routes to it; $LATEST only with the function', async () => {
    await withVersions('del', 3);
    await t.client.send(new CreateAliasCommand({ FunctionName: 'del', Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.5 } } }));
    await t.client.send(new CreateAliasCommand({ FunctionName: 'del', Name: 'beta', FunctionVersion: '2' }));
    await expectError(
      t.client.send(new DeleteFunctionCommand({ FunctionName: 'del', Qualifier: '$LATEST' })),
      'InvalidParameterValueException',
      400,
      '$LATEST version cannot be deleted without deleting the function.',
    );
    await expectError(
      t.client.send(new DeleteFunctionCommand({ FunctionName: 'del', Qualifier: '2' })),
      'ResourceConflictException',
      409,
      'Unable to delete version because the following aliases reference it: [beta, live]',
    );
    await expectError(t.client.send(new DeleteFunctionCommand({ FunctionName: 'del:1' })), 'ResourceConflictException', 409);
    await t.client.send(new DeleteFunctionCommand({ FunctionName: 'del', Qualifier: '3' }));
    await t.client.send(new DeleteFunctionCommand({ FunctionName: 'del', Qualifier: '3' }));
    const listed = await t.client.send(new ListVersionsByFunctionCommand({ FunctionName: 'del' }));
    expect(listed.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1', '2']);
    // Numbers are never reused: the next publish is 4.
    await t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'del', Timeout: 5 }));
    await t.waitUpdated('del');
    expect((await t.client.send(new PublishVersionCommand({ FunctionName: 'del' }))).Version).toBe('4');

    await t.client.send(new DeleteFunctionCommand({ FunctionName: 'del' }));
    await t.createFunction({ FunctionName: 'del', Code: { ZipFile: await code('again') } });
    expect((await t.client.send(new ListVersionsByFunctionCommand({ FunctionName: 'del' }))).Versions?.map((v) => v.Version)).toEqual(['$LATEST']);
    expect((await t.client.send(new ListAliasesCommand({ FunctionName: 'del' }))).Aliases).toEqual([]);
    expect((await t.client.send(new PublishVersionCommand({ FunctionName: 'del' }))).Version).toBe('1');
  });

  it('lists every version of every function with FunctionVersion=ALL, page by page', async () => {
    await withVersions('all-a', 2);
    await withVersions('all-b', 1);
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = await t.client.send(new ListFunctionsCommand({ FunctionVersion: 'ALL', MaxItems: 2, Marker: marker }));
      expect((page.Functions ?? []).length).toBeLessThanOrEqual(2);
      seen.push(...(page.Functions ?? []).map((f: FunctionConfiguration) => f.FunctionArn ?? ''));
      marker = page.NextMarker;
    } while (marker !== undefined);
    const ours = seen.filter((arn) => /:function:all-[ab]:/.test(arn));
    expect(ours).toEqual([ARN('all-a', '$LATEST'), ARN('all-a', '1'), ARN('all-a', '2'), ARN('all-b', '$LATEST'), ARN('all-b', '1')]);
    expect(new Set(seen).size).toBe(seen.length);
    const plain = await t.client.send(new ListFunctionsCommand({}));
    expect(plain.Functions?.find((f) => f.FunctionName === 'all-a')).toMatchObject({ FunctionArn: ARN('all-a'), Version: '$LATEST' });
  });
});

describe('aliases', () => {
  beforeAll(async () => {
    await withVersions('al', 2);
  });

  it('creates, reads, lists, updates and deletes an alias', async () => {
    const created = await t.client.send(new CreateAliasCommand({ FunctionName: 'al', Name: 'PROD', FunctionVersion: '1', Description: 'live' }));
    expect(created.$metadata.httpStatusCode).toBe(201);
    expect(created).toMatchObject({ AliasArn: ARN('al', 'PROD'), Name: 'PROD', FunctionVersion: '1', Description: 'live' });
    expect(created.RoutingConfig).toBeUndefined();
    const got = await t.client.send(new GetAliasCommand({ FunctionName: ARN('al'), Name: 'PROD' }));
    expect(got).toMatchObject({ AliasArn: ARN('al', 'PROD'), RevisionId: created.RevisionId });

    await t.client.send(new CreateAliasCommand({ FunctionName: 'al', Name: 'DEV', FunctionVersion: '$LATEST' }));
    await t.client.send(new CreateAliasCommand({ FunctionName: 'al', Name: 'CANARY', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } } }));
    const all = await t.client.send(new ListAliasesCommand({ FunctionName: 'al' }));
    expect(all.Aliases?.map((a) => a.Name)).toEqual(['CANARY', 'DEV', 'PROD']);
    expect(all.Aliases?.[0]?.RoutingConfig).toEqual({ AdditionalVersionWeights: { '2': 0.1 } });
    const onOne = await t.client.send(new ListAliasesCommand({ FunctionName: 'al', FunctionVersion: '1' }));
    expect(onOne.Aliases?.map((a) => a.Name)).toEqual(['CANARY', 'PROD']);
    const page = await t.client.send(new ListAliasesCommand({ FunctionName: 'al', MaxItems: 2 }));
    expect(page.Aliases?.map((a) => a.Name)).toEqual(['CANARY', 'DEV']);
    const rest = await t.client.send(new ListAliasesCommand({ FunctionName: 'al', MaxItems: 2, Marker: page.NextMarker }));
    expect(rest.Aliases?.map((a) => a.Name)).toEqual(['PROD']);
    expect(rest.NextMarker).toBeUndefined();

    const moved = await t.client.send(new UpdateAliasCommand({ FunctionName: 'al', Name: 'PROD', FunctionVersion: '2', RevisionId: created.RevisionId }));
    expect(moved).toMatchObject({ FunctionVersion: '2', Description: 'live' });
    expect(moved.RevisionId).not.toBe(created.RevisionId);
    await expectError(
      t.client.send(new UpdateAliasCommand({ FunctionName: 'al', Name: 'PROD', FunctionVersion: '1', RevisionId: created.RevisionId })),
      'PreconditionFailedException',
      412,
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    );
    // Weights stay when RoutingConfig is not given; an empty map clears them.
    const described = await t.client.send(new UpdateAliasCommand({ FunctionName: 'al', Name: 'CANARY', Description: 'ten percent' }));
    expect(described.RoutingConfig).toEqual({ AdditionalVersionWeights: { '2': 0.1 } });
    const cleared = await t.client.send(new UpdateAliasCommand({ FunctionName: 'al', Name: 'CANARY', RoutingConfig: { AdditionalVersionWeights: {} } }));
    expect(cleared.RoutingConfig).toBeUndefined();

    const deleted = await t.client.send(new DeleteAliasCommand({ FunctionName: 'al', Name: 'DEV' }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    // Deleting an alias that does not exist succeeds, as on AWS.
    await t.client.send(new DeleteAliasCommand({ FunctionName: 'al', Name: 'DEV' }));
    await expectError(t.client.send(new GetAliasCommand({ FunctionName: 'al', Name: 'DEV' })), 'ResourceNotFoundException', 404, `Cannot find alias arn: ${ARN('al', 'DEV')}`);
  });

  it('refuses each invalid alias with AWS\'s error and message', async () => {
    const cases: Array<[Record<string, unknown>, string, number, string]> = [
      [{ Name: '2024', FunctionVersion: '1' }, 'ValidationException', 400,
        "1 validation error detected: Value '2024' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)"],
      [{ Name: 'toalias', FunctionVersion: 'PROD' }, 'ValidationException', 400,
        "1 validation error detected: Value 'PROD' at 'functionVersion' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\$LATEST(\\.PUBLISHED)?|[0-9]+)"],
      [{ Name: 'missing', FunctionVersion: '10' }, 'ResourceNotFoundException', 404, `Function not found: ${ARN('al', '10')}`],
      [{ Name: 'missing2', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '10': 0.5 } } }, 'ResourceNotFoundException', 404, `Function not found: ${ARN('al', '10')}`],
      [{ Name: 'two', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1, '3': 0.1 } } }, 'InvalidParameterValueException', 400,
        'Number of items in AdditionalVersionWeights cannot be greater than 1'],
      [{ Name: 'latest', FunctionVersion: '$LATEST', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } } }, 'InvalidParameterValueException', 400,
        '$LATEST is not supported for an alias pointing to more than 1 version'],
      [{ Name: 'self', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '1': 0.1 } } }, 'InvalidParameterValueException', 400,
        'Invalid function version 1. Function version 1 is already included in routing configuration.'],
      [{ Name: 'heavy', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 2 } } }, 'ValidationException', 400,
        "1 validation error detected: Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]"],
      [{ Name: 'keyed', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { $LATEST: 0.5 } } }, 'ValidationException', 400,
        "1 validation error detected: Value '{$LATEST=0.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]"],
    ];
    for (const [input, name, status, message] of cases) {
      await expectError(t.client.send(new CreateAliasCommand({ FunctionName: 'al', ...input } as never)), name, status, message);
    }
    await t.client.send(new CreateAliasCommand({ FunctionName: 'al', Name: 'dup', FunctionVersion: '1' }));
    await expectError(
      t.client.send(new CreateAliasCommand({ FunctionName: 'al', Name: 'dup', FunctionVersion: '2' })),
      'ResourceConflictException',
      409,
      `Alias already exists: ${ARN('al', 'dup')}`,
    );
    await expectError(
      t.client.send(new CreateAliasCommand({ FunctionName: 'nofn', Name: 'x', FunctionVersion: '1' })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN('nofn', '1')}`,
    );
    await expectError(
      t.client.send(new UpdateAliasCommand({ FunctionName: 'al', Name: 'ghost', FunctionVersion: '1' })),
      'ResourceNotFoundException',
      404,
      `Alias not found: ${ARN('al', 'ghost')}`,
    );
    await expectError(
      t.client.send(new UpdateAliasCommand({ FunctionName: 'al', Name: 'dup', FunctionVersion: '$LATEST', RoutingConfig: { AdditionalVersionWeights: { '2': 0.5 } } })),
      'InvalidParameterValueException',
      400,
      '$LATEST is not supported for an alias pointing to more than 1 version',
    );
    await expectError(t.client.send(new ListAliasesCommand({ FunctionName: 'nofn' })), 'ResourceNotFoundException', 404, `Function not found: ${ARN('nofn')}`);
    // None of the refused aliases was stored.
    const names = (await t.client.send(new ListAliasesCommand({ FunctionName: 'al' }))).Aliases?.map((a) => a.Name) ?? [];
    for (const [input] of cases) expect(names).not.toContain(input.Name);
  });
});
