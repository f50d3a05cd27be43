import {
  CreateAliasCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { nodeZip } from '../helpers/zip.js';

let t: TestLambdock;
const ARN = (name: string, qualifier?: string) =>
  `arn:aws:lambda:us-east-1:000000000000:function:${name}${qualifier === undefined ? '' : `:${qualifier}`}`;

/** Says which code ran, how it was called, and counts the invocations its environment has served. */
const probe = (tag: string) =>
  nodeZip(`
let count = 0;
exports.handler = async (event, context) => {
  count += 1;
  console.log('served by', ${JSON.stringify(tag)});
  return {
    tag: ${JSON.stringify(tag)},
    count,
    arn: context.invokedFunctionArn,
    functionVersion: context.functionVersion,
    envVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    logStream: context.logStreamName,
  };
};`);

type Probe = { tag: string; count: number; arn: string; functionVersion: string; envVersion: string; logStream: string };

async function call(name: string, qualifier?: string) {
  const out = await t.invoke({ FunctionName: name, Qualifier: qualifier, LogType: 'Tail' });
  expect(out.FunctionError, out.body).toBeUndefined();
  return { probe: out.json() as Probe, executed: out.ExecutedVersion, logs: out.logs };
}

async function updateCode(name: string, tag: string) {
  await t.client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: await probe(tag) }));
  await t.waitUpdated(name);
}

beforeAll(async () => {
  t = await startTestLambdock({ LAMBDOCK_PAUSE_GRACE_MS: '50' });
});
afterAll(async () => {
  await t?.close();
});

describe('invoking versions', () => {
  it('runs a published version\'s own code after $LATEST moved on, and says which version ran', async () => {
    await t.createFunction({ FunctionName: 'ver', Code: { ZipFile: await probe('one') } });
    expect((await t.client.send(new PublishVersionCommand({ FunctionName: 'ver' }))).Version).toBe('1');
    await updateCode('ver', 'two');

    const v1 = await call('ver', '1');
    expect(v1.executed).toBe('1');
    expect(v1.probe).toMatchObject({ tag: 'one', arn: ARN('ver', '1'), functionVersion: '1', envVersion: '1' });
    expect(v1.probe.logStream).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[1\][0-9a-f]{32}$/);
    expect(v1.logs).toMatch(/^START RequestId: \S+ Version: 1$/m);

    const latest = await call('ver');
    expect(latest.executed).toBe('$LATEST');
    expect(latest.probe).toMatchObject({ tag: 'two', arn: ARN('ver'), functionVersion: '$LATEST', envVersion: '$LATEST' });
    expect(latest.probe.logStream).toMatch(/\[\$LATEST\]/);
    expect(latest.logs).toMatch(/^START RequestId: \S+ Version: \$LATEST$/m);

    const byArn = await call(ARN('ver', '1'));
    expect(byArn.probe).toMatchObject({ tag: 'one', arn: ARN('ver', '1') });
    const explicitLatest = await call('ver', '$LATEST');
    expect(explicitLatest.probe).toMatchObject({ tag: 'two', arn: ARN('ver', '$LATEST') });
  });

  it('gives each version environments of its own, which stay warm while $LATEST changes', async () => {
    await t.createFunction({ FunctionName: 'envs', Code: { ZipFile: await probe('same') } });
    await t.client.send(new PublishVersionCommand({ FunctionName: 'envs' }));
    // Version 2: the same code and settings but its description.
    await t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'envs', Description: 'v2' }));
    await t.waitUpdated('envs');
    await t.client.send(new PublishVersionCommand({ FunctionName: 'envs' }));

    expect((await call('envs', '1')).probe.count).toBe(1);
    expect((await call('envs', '1')).probe.count).toBe(2);
    // Identical code and settings, yet neither version 2 nor $LATEST is served by version 1's environment.
    expect((await call('envs', '2')).probe.count).toBe(1);
    expect((await call('envs')).probe.count).toBe(1);

    await updateCode('envs', 'changed');
    expect((await call('envs')).probe).toMatchObject({ tag: 'changed', count: 1 });
    // Version 1's environment was left alone by the update.
    expect((await call('envs', '1')).probe).toMatchObject({ tag: 'same', count: 3 });

    const sandboxesOf = (version: string) =>
      t.lambdock.pool.list().filter((s) => s.plan.functionName === 'envs' && s.plan.version === version).length;
    expect(sandboxesOf('2')).toBe(1);
    await t.client.send(new DeleteFunctionCommand({ FunctionName: 'envs', Qualifier: '2' }));
    await vi.waitFor(() => expect(sandboxesOf('2')).toBe(0), { timeout: 10_000, interval: 50 });
    expect(sandboxesOf('1')).toBe(1);
  });
});

describe('invoking aliases', () => {
  beforeAll(async () => {
    await t.createFunction({ FunctionName: 'app', Code: { ZipFile: await probe('one') } });
    await t.client.send(new PublishVersionCommand({ FunctionName: 'app' }));
    await updateCode('app', 'two');
    await t.client.send(new PublishVersionCommand({ FunctionName: 'app' }));
    await updateCode('app', 'three');
  });

  it('follows the alias as it moves forward and back, and shows the alias ARN to the function', async () => {
    await t.client.send(new CreateAliasCommand({ FunctionName: 'app', Name: 'PROD', FunctionVersion: '1' }));
    const first = await call('app', 'PROD');
    expect(first.executed).toBe('1');
    expect(first.probe).toMatchObject({ tag: 'one', arn: ARN('app', 'PROD'), functionVersion: '1' });
    expect(first.logs).toMatch(/Version: 1$/m);

    await t.client.send(new UpdateAliasCommand({ FunctionName: 'app', Name: 'PROD', FunctionVersion: '2' }));
    const promoted = await call('app:PROD');
    expect(promoted.executed).toBe('2');
    expect(promoted.probe).toMatchObject({ tag: 'two', arn: ARN('app', 'PROD'), functionVersion: '2' });

    await t.client.send(new UpdateAliasCommand({ FunctionName: 'app', Name: 'PROD', FunctionVersion: '1' }));
    const rolledBack = await call(ARN('app', 'PROD'));
    expect(rolledBack.executed).toBe('1');
    expect(rolledBack.probe).toMatchObject({ tag: 'one', arn: ARN('app', 'PROD') });

    await t.client.send(new CreateAliasCommand({ FunctionName: 'app', Name: 'DEV', FunctionVersion: '$LATEST' }));
    const dev = await call('app', 'DEV');
    expect(dev.executed).toBe('$LATEST');
    expect(dev.probe).toMatchObject({ tag: 'three', arn: ARN('app', 'DEV') });
  });

  it('sends a weighted alias\'s share of invocations to the additional version, drawn per invocation', async () => {
    await t.client.send(
      new CreateAliasCommand({ FunctionName: 'app', Name: 'CANARY', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } } }),
    );
    const runs = 500;
    const executed: string[] = [];
    for (let i = 0; i < runs; i += 1) {
      const { executed: version, probe: p } = await call('app', 'CANARY');
      expect(p.tag).toBe(version === '2' ? 'two' : 'one');
      expect(p.arn).toBe(ARN('app', 'CANARY'));
      executed.push(version ?? '');
    }
    expect(new Set(executed)).toEqual(new Set(['1', '2']));
    // Binomial(500, 0.3): mean 150, standard deviation √(500·0.3·0.7) ≈ 10.2. The bound is ±5σ (±51), so
    // a correct router fails this less than once in a million runs; 20% or 40% routing fails it for sure.
    const toTwo = executed.filter((v) => v === '2').length;
    expect(toTwo).toBeGreaterThanOrEqual(99);
    expect(toTwo).toBeLessThanOrEqual(201);
    // Drawn per invocation, not per environment or per burst: consecutive calls switch versions about
    // 2·0.3·0.7·499 ≈ 210 times (a router that stuck to a version for runs of 5 would switch ≤ 100 times).
    const switches = executed.slice(1).filter((v, i) => v !== executed[i]).length;
    expect(switches).toBeGreaterThan(150);

    await t.client.send(new DeleteAliasCommand({ FunctionName: 'app', Name: 'CANARY' }));
  });
});
