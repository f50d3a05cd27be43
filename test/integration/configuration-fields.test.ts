import {
  CreateFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  ListFunctionsCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeZip } from '../helpers/zip.js';
import { ROLE, deleteQuietly, startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { awsError } from '../helpers/lambda-error-of.js';

let t: TestLambdock;
let zip: Buffer;

beforeAll(async () => {
  t = await startTestLambdock();
  zip = await nodeZip(
    'exports.handler = async () => { console.log("hello"); console.warn("careful"); return process.env.AWS_LAMBDA_LOG_GROUP_NAME; };',
  );
});
afterAll(async () => {
  await t?.close();
});

const create = (name: string, extra: Record<string, unknown> = {}) =>
  t.client.send(
    new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip }, ...extra }),
  );

describe('configuration fields beyond the core settings', () => {
  it('returns AWS defaults for a plain .zip function, RuntimeVersionConfig included and no VpcConfig', async () => {
    const created = await create('plain-defaults');
    expect(created).toMatchObject({
      TracingConfig: { Mode: 'PassThrough' },
      SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
      LoggingConfig: { LogFormat: 'Text', LogGroup: '/aws/lambda/plain-defaults' },
      EphemeralStorage: { Size: 512 },
      PackageType: 'Zip',
      Architectures: ['x86_64'],
    });
    expect(created.RuntimeVersionConfig?.RuntimeVersionArn).toMatch(/^arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}$/);
    expect(created.VpcConfig).toBeUndefined();
    expect(created.KMSKeyArn).toBeUndefined();
    expect(created.Layers).toBeUndefined();
    expect(created.DeadLetterConfig).toBeUndefined();
    await deleteQuietly(t, 'plain-defaults');
  });

  it('stores VpcConfig, KMSKeyArn, TracingConfig Active and LoggingConfig JSON and returns them everywhere', async () => {
    const kms = 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const created = await create('infra-fields', {
      VpcConfig: { SubnetIds: ['subnet-0abc'], SecurityGroupIds: ['sg-0def'] },
      KMSKeyArn: kms,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON' },
      Layers: [],
      DeadLetterConfig: {},
      FileSystemConfigs: [],
    });
    const expected = {
      VpcConfig: { SubnetIds: ['subnet-0abc'], SecurityGroupIds: ['sg-0def'], VpcId: '', Ipv6AllowedForDualStack: false },
      KMSKeyArn: kms,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'INFO', LogGroup: '/aws/lambda/infra-fields' },
    };
    expect(created).toMatchObject(expected);
    await t.waitUpdated('infra-fields');
    expect((await t.client.send(new GetFunctionCommand({ FunctionName: 'infra-fields' }))).Configuration).toMatchObject(expected);
    expect(await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'infra-fields' }))).toMatchObject(expected);
    const listed = (await t.client.send(new ListFunctionsCommand({}))).Functions?.find((f) => f.FunctionName === 'infra-fields');
    expect(listed).toMatchObject(expected);
    // List answers leave out the state fields and RuntimeVersionConfig, as recorded from AWS.
    expect(listed?.State).toBeUndefined();
    expect(listed?.RuntimeVersionConfig).toBeUndefined();

    const updated = await t.client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'infra-fields',
        VpcConfig: { SubnetIds: [], SecurityGroupIds: [] },
        KMSKeyArn: '',
        TracingConfig: { Mode: 'PassThrough' },
        LoggingConfig: { LogFormat: 'Text', LogGroup: 'custom-group' },
      }),
    );
    expect(updated).toMatchObject({
      VpcConfig: { SubnetIds: [], SecurityGroupIds: [], VpcId: '', Ipv6AllowedForDualStack: false },
      TracingConfig: { Mode: 'PassThrough' },
      LoggingConfig: { LogFormat: 'Text', LogGroup: 'custom-group' },
    });
    expect(updated.KMSKeyArn).toBeUndefined();
    expect(updated.LoggingConfig?.ApplicationLogLevel).toBeUndefined();
    await t.waitUpdated('infra-fields');
    const got = await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'infra-fields' }));
    expect(got.LoggingConfig).toEqual({ LogFormat: 'Text', LogGroup: 'custom-group' });
    await deleteQuietly(t, 'infra-fields');
  });

  it('merges partial LoggingConfig updates as AWS does', async () => {
    await create('logging-merge');
    await t.waitUpdated('logging-merge');
    const first = await t.client.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'logging-merge', LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'DEBUG' } }),
    );
    expect(first.LoggingConfig).toEqual({
      LogFormat: 'JSON',
      ApplicationLogLevel: 'DEBUG',
      SystemLogLevel: 'INFO',
      LogGroup: '/aws/lambda/logging-merge',
    });
    await t.waitUpdated('logging-merge');
    const second = await t.client.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'logging-merge', LoggingConfig: { LogGroup: 'cool_lambda' } }),
    );
    expect(second.LoggingConfig).toEqual({ LogFormat: 'JSON', ApplicationLogLevel: 'DEBUG', SystemLogLevel: 'INFO', LogGroup: 'cool_lambda' });
    await t.waitUpdated('logging-merge');
    await deleteQuietly(t, 'logging-merge');
  });

  it('hands LoggingConfig to the function: its log group, JSON format and application log level', async () => {
    await t.createFunction({
      FunctionName: 'logging-env',
      Code: { ZipFile: zip },
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'WARN', LogGroup: 'my-group' },
    });
    const out = await t.invoke({ FunctionName: 'logging-env', LogType: 'Tail' });
    expect(out.json()).toBe('my-group');
    const lines = out.logs.split('\n').filter((l) => l.startsWith('{'));
    const messages = lines.map((l) => JSON.parse(l) as { level?: string; message?: string });
    expect(messages).toContainEqual(expect.objectContaining({ level: 'WARN', message: 'careful' }));
    expect(messages.some((m) => m.message === 'hello')).toBe(false);
    await deleteQuietly(t, 'logging-env');
  });

  it.each([
    ['DeadLetterConfig to an SNS topic', { DeadLetterConfig: { TargetArn: 'arn:aws:sns:us-east-1:000000000000:dlq' } }, /SNS topic yet/],
    ['FileSystemConfigs', { FileSystemConfigs: [{ Arn: 'arn:aws:elasticfilesystem:us-east-1:000000000000:access-point/fsap-0123456789abcdef0', LocalMountPath: '/mnt/efs' }] }, /file systems/],
  ])('refuses %s, which lambdock cannot honour yet, on create and on update', async (_field, fields, message) => {
    const onCreate = await awsError(create('refused-field', fields));
    expect(onCreate.name).toBe('InvalidParameterValueException');
    expect(onCreate.message).toMatch(message);
    await create('refused-update');
    await t.waitUpdated('refused-update');
    const onUpdate = await awsError(t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'refused-update', ...fields })));
    expect(onUpdate.name).toBe('InvalidParameterValueException');
    expect(onUpdate.message).toMatch(message);
    await deleteQuietly(t, 'refused-update');
  });

  it('validates the stored fields as AWS does', async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [
        { TracingConfig: { Mode: 'Sometimes' } },
        'ValidationException',
        "1 validation error detected: Value 'Sometimes' at 'tracingConfig.mode' failed to satisfy constraint: Member must satisfy enum value set: [Active, PassThrough]",
      ],
      [
        { SnapStart: { ApplyOn: 'invalidOption' } },
        'ValidationException',
        "1 validation error detected: Value 'invalidOption' at 'snapStart.applyOn' failed to satisfy constraint: Member must satisfy enum value set: [PublishedVersions, None]",
      ],
      [{ SnapStart: { ApplyOn: 'PublishedVersions' } }, 'InvalidParameterValueException', 'nodejs20.x is not supported for SnapStart enabled functions.'],
      [
        { VpcConfig: { SubnetIds: ['net-1'], SecurityGroupIds: [] } },
        'ValidationException',
        "1 validation error detected: Value '[net-1]' at 'vpcConfig.subnetIds' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 0, Member must satisfy regular expression pattern: subnet-[0-9a-z]*]",
      ],
      [
        { LoggingConfig: { LogFormat: 'Text', ApplicationLogLevel: 'DEBUG' } },
        'InvalidParameterValueException',
        'LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your request or change the LogFormat to "JSON" and try again.',
      ],
      [
        { KMSKeyArn: 'not-an-arn' },
        'ValidationException',
        "1 validation error detected: Value 'not-an-arn' at 'kMSKeyArn' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()",
      ],
    ];
    for (const [fields, name, message] of cases) {
      const error = await awsError(create('invalid-field', fields));
      expect(error.name).toBe(name);
      expect(error.message).toBe(message);
    }
  });
});
