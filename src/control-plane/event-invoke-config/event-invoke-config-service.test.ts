import { describe, expect, it } from 'vitest';
import { MemoryEventInvokeConfigStore } from '../../../test/helpers/memory-event-invoke-config-store.js';
import { LambdaError } from '../../shared/errors.js';
import type { AliasRecord } from '../aliases/alias-model.js';
import type { FunctionRecord, VersionRecord } from '../function-model.js';
import { EventInvokeConfigService, compareQualifiers } from './event-invoke-config-service.js';

const scope = { region: 'us-east-1', accountId: '000000000000' };
const ARN = (name: string, qualifier?: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}${qualifier === undefined ? '' : `:${qualifier}`}`;
/** fn has version 1 and the alias live; fn2 exists too. */
const known: Record<string, { versions: string[]; aliases: string[] }> = { fn: { versions: ['1'], aliases: ['live'] }, fn2: { versions: [], aliases: [] } };

function service(now = () => 1_700_000_000_123) {
  const configs = new MemoryEventInvokeConfigStore();
  const eic = new EventInvokeConfigService(
    {
      functions: { load: async (name) => (known[name] === undefined ? undefined : ({ name } as FunctionRecord)) },
      versions: { loadVersion: async (name, v) => (known[name]?.versions.includes(v) ? ({ name, version: v } as VersionRecord) : undefined) },
      aliases: { loadAlias: async (name, a) => (known[name]?.aliases.includes(a) ? ({ name: a } as AliasRecord) : undefined) },
      configs,
    },
    scope,
    now,
  );
  return { eic, configs };
}

async function errorOf(promise: Promise<unknown>): Promise<LambdaError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(LambdaError);
  return error as LambdaError;
}

const expectError = async (promise: Promise<unknown>, code: string, message: string | RegExp) => {
  const error = await errorOf(promise);
  expect(error.code).toBe(code);
  if (typeof message === 'string') expect(error.message).toBe(message);
  else expect(error.message).toMatch(message);
};

describe('EventInvokeConfigService', () => {
  it('checks "at least one setting" before looking the function up', async () => {
    const { eic } = service();
    await expectError(eic.put('doesnotexist', undefined, {}), 'InvalidParameterValueException', 'You must specify at least one of error handling or destination setting.');
    await expectError(eic.put('doesnotexist', undefined, { MaximumRetryAttempts: 1 }), 'ResourceNotFoundException', "The function doesn't exist.");
    await expectError(eic.put(ARN('doesnotexist'), undefined, { MaximumRetryAttempts: 1 }), 'ResourceNotFoundException', "The function doesn't exist.");
  });

  it('keeps $LATEST, a version and an alias apart, named in every way AWS allows', async () => {
    const { eic } = service();
    expect((await eic.put('fn', undefined, { MaximumRetryAttempts: 0 })).FunctionArn).toBe(ARN('fn', '$LATEST'));
    expect((await eic.put('fn', '1', { MaximumRetryAttempts: 1 })).FunctionArn).toBe(ARN('fn', '1'));
    expect((await eic.put(ARN('fn', 'live'), 'live', { MaximumRetryAttempts: 2 })).FunctionArn).toBe(ARN('fn', 'live'));
    expect((await eic.get('fn:1', undefined)).MaximumRetryAttempts).toBe(1);
    expect((await eic.get('fn', 'live')).MaximumRetryAttempts).toBe(2);
    expect((await eic.get('000000000000:function:fn', '$LATEST')).MaximumRetryAttempts).toBe(0);
    expect((await eic.list('fn', undefined, undefined)).FunctionEventInvokeConfigs.map((c) => c.FunctionArn)).toEqual([
      ARN('fn', '$LATEST'),
      ARN('fn', '1'),
      ARN('fn', 'live'),
    ]);
  });

  it('refuses a qualifier that disagrees with the name, before looking for the alias', async () => {
    const { eic } = service();
    const derived = 'The derived qualifier from the function name does not match the specified qualifier.';
    await expectError(eic.put(ARN('fn', 'live'), 'nope', { MaximumRetryAttempts: 1 }), 'InvalidParameterValueException', derived);
    await expectError(eic.put('fn:1', '$LATEST', { MaximumRetryAttempts: 1 }), 'InvalidParameterValueException', derived);
    await expectError(eic.put('fn', 'nope', { MaximumRetryAttempts: 1 }), 'ResourceNotFoundException', "The function doesn't exist.");
    await expectError(eic.put('fn', '7', { MaximumRetryAttempts: 1 }), 'ResourceNotFoundException', "The function doesn't exist.");
  });

  it("answers a missing config with AWS's message, qualified, with no period", async () => {
    const { eic } = service();
    await expectError(eic.get('fn', undefined), 'ResourceNotFoundException', `The function ${ARN('fn', '$LATEST')} doesn't have an EventInvokeConfig`);
    await expectError(eic.get('doesnotexist', undefined), 'ResourceNotFoundException', `The function ${ARN('doesnotexist', '$LATEST')} doesn't have an EventInvokeConfig`);
    await expectError(eic.remove('fn', 'live'), 'ResourceNotFoundException', `The function ${ARN('fn', 'live')} doesn't have an EventInvokeConfig`);
    await expectError(eic.update('fn', undefined, { MaximumRetryAttempts: 0 }), 'ResourceNotFoundException', `The function ${ARN('fn', '$LATEST')} doesn't have an EventInvokeConfig`);
    await expectError(eic.update('doesnotexist', undefined, { MaximumRetryAttempts: 0 }), 'ResourceNotFoundException', "The function doesn't exist.");
    await expectError(eic.list('doesnotexist', undefined, undefined), 'ResourceNotFoundException', "The function doesn't exist.");
  });

  it('Put replaces, Update merges, Delete removes', async () => {
    const { eic } = service();
    await eic.put('fn', undefined, { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 });
    expect(await eic.put('fn', undefined, { MaximumRetryAttempts: 0 })).not.toHaveProperty('MaximumEventAgeInSeconds');
    await eic.put('fn', undefined, { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 });
    expect(await eic.update('fn', undefined, { MaximumRetryAttempts: 0 })).toMatchObject({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
    await eic.remove('fn', undefined);
    await expectError(eic.get('fn', undefined), 'ResourceNotFoundException', /doesn't have an EventInvokeConfig$/);
  });

  it('checks Lambda destinations as AWS does: missing, itself, another service', async () => {
    const { eic } = service();
    const missing = ARN('doesnotexist');
    await expectError(eic.put('fn', undefined, { DestinationConfig: { OnSuccess: { Destination: missing } } }), 'InvalidParameterValueException', `The destination ARN ${missing} is invalid.`);
    await expectError(eic.put('fn', undefined, { DestinationConfig: { OnSuccess: { Destination: ARN('fn') } } }), 'InvalidParameterValueException', "You can't specify the function as a destination for itself.");
    const iam = 'arn:aws:iam:us-east-1:000000000000:function:fn';
    await expectError(
      eic.put('fn', undefined, { DestinationConfig: { OnSuccess: { Destination: iam } } }),
      'InvalidParameterValueException',
      `The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=${iam}), onFailure=null) is invalid.`,
    );
    const other = 'arn:aws:lambda:eu-west-1:000000000000:function:fn2';
    await expectError(eic.put('fn', undefined, { DestinationConfig: { OnSuccess: { Destination: other } } }), 'InvalidParameterValueException', `The destination ARN ${other} is invalid.`);
    expect((await eic.put('fn', undefined, { DestinationConfig: { OnSuccess: { Destination: ARN('fn2') } } })).DestinationConfig).toEqual({
      OnSuccess: { Destination: ARN('fn2') },
      OnFailure: {},
    });
  });

  it('refuses destinations lambdock cannot deliver to, rather than accept and drop their records', async () => {
    const { eic } = service();
    for (const [arn, what] of [
      ['arn:aws:sns:us-east-1:000000000000:topic', /SNS topics yet/],
      ['arn:aws:events:us-east-1:000000000000:event-bus/default', /EventBridge event buses yet/],
      ['arn:aws:s3:::bucket', /S3 buckets yet/],
      ['kafka://topic', /Kafka topics yet/],
      ['arn:aws:sqs:eu-west-1:000000000000:q', /its own queues/],
    ] as const) {
      await expectError(eic.put('fn', undefined, { DestinationConfig: { OnFailure: { Destination: arn } } }), 'InvalidParameterValueException', what);
    }
    const queue = 'arn:aws:sqs:us-east-1:000000000000:q';
    expect((await eic.put('fn', undefined, { DestinationConfig: { OnFailure: { Destination: queue } } })).DestinationConfig).toEqual({ OnSuccess: {}, OnFailure: { Destination: queue } });
  });

  it('pages the list by MaxItems and NextMarker, and checks MaxItems is 1–50', async () => {
    const { eic } = service();
    for (const qualifier of ['live', '1', '$LATEST']) await eic.put('fn', qualifier, { MaximumRetryAttempts: 1 });
    const first = await eic.list('fn', undefined, 2);
    expect(first.FunctionEventInvokeConfigs.map((c) => c.FunctionArn)).toEqual([ARN('fn', '$LATEST'), ARN('fn', '1')]);
    expect(first.NextMarker).toBeDefined();
    const second = await eic.list('fn', first.NextMarker, 2);
    expect(second.FunctionEventInvokeConfigs.map((c) => c.FunctionArn)).toEqual([ARN('fn', 'live')]);
    expect(second).not.toHaveProperty('NextMarker');
    await expectError(eic.list('fn', undefined, 51), 'ValidationException', /Value '51' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 50$/);
    await expectError(eic.list('fn', undefined, 0), 'ValidationException', /Member must have value greater than or equal to 1$/);
  });

  it("gives the async dispatcher the qualifier's own settings, else AWS's defaults", async () => {
    const { eic } = service();
    expect(await eic.fetchAsyncSettings('fn', '$LATEST')).toEqual({ maximumRetryAttempts: 2, maximumEventAgeSeconds: 21600 });
    await eic.put('fn', 'live', { MaximumEventAgeInSeconds: 60, DestinationConfig: { OnFailure: { Destination: ARN('fn2') } } });
    expect(await eic.fetchAsyncSettings('fn', 'live')).toEqual({ maximumRetryAttempts: 2, maximumEventAgeSeconds: 60, onFailure: ARN('fn2') });
    expect(await eic.fetchAsyncSettings('fn', '1')).toEqual({ maximumRetryAttempts: 2, maximumEventAgeSeconds: 21600 });
  });

  it('orders $LATEST, then versions by number, then aliases by name', () => {
    expect(['b', '10', 'a', '$LATEST', '2'].sort(compareQualifiers)).toEqual(['$LATEST', '2', '10', 'a', 'b']);
  });
});
