import { describe, expect, it } from 'vitest';
import { lambdaErrorOf } from '../../test/helpers/lambda-error-of.js';
import { getExtraSettings, getLoggingEnvironment, resolveExtraSettings, toExtraConfiguration } from './function-extras.js';

const base = getExtraSettings({ name: 'fn' });

describe('resolveExtraSettings', () => {
  it('keeps AWS defaults when nothing is sent', () => {
    expect(resolveExtraSettings({}, base, 'nodejs20.x')).toEqual({
      tracingMode: 'PassThrough',
      snapStartApplyOn: 'None',
      logging: { logFormat: 'Text', logGroup: '/aws/lambda/fn' },
    });
  });

  it('accepts empty Layers, DeadLetterConfig and FileSystemConfigs as "none"', () => {
    expect(resolveExtraSettings({ Layers: [], DeadLetterConfig: { TargetArn: '' }, FileSystemConfigs: [], ImageConfig: {} }, base, 'nodejs20.x')).toEqual(base);
  });

  it('leaves Layers to the layer service', () => {
    expect(resolveExtraSettings({ Layers: ['arn:aws:lambda:us-east-1:123456789012:layer:l:1'] }, base, 'nodejs20.x')).toEqual(base);
  });

  it('refuses what would change what runs', () => {
    for (const input of [
      { FileSystemConfigs: [{ Arn: 'x', LocalMountPath: '/mnt/x' }] },
      { CodeSigningConfigArn: 'arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdefg' },
    ]) {
      expect(lambdaErrorOf(() => resolveExtraSettings(input, base, 'nodejs20.x')).code).toBe('InvalidParameterValueException');
    }
  });

  it('replaces VpcConfig whole and keeps an emptied one', () => {
    const attached = resolveExtraSettings({ VpcConfig: { SubnetIds: ['subnet-1'], SecurityGroupIds: ['sg-1'] } }, base, 'nodejs20.x');
    const detached = resolveExtraSettings({ VpcConfig: { SubnetIds: [] } }, attached, 'nodejs20.x');
    expect(toExtraConfiguration({ name: 'fn', runtime: 'nodejs20.x', extras: detached }, 'us-east-1').VpcConfig).toEqual({
      SubnetIds: [],
      SecurityGroupIds: [],
      VpcId: '',
      Ipv6AllowedForDualStack: false,
    });
    expect(lambdaErrorOf(() => resolveExtraSettings({ VpcConfig: { SubnetIds: Array.from({ length: 17 }, (_, i) => `subnet-${i}`) } }, base, 'x')).message).toMatch(
      /at 'vpcConfig.subnetIds' failed to satisfy constraint: Member must have length less than or equal to 16$/,
    );
    expect(lambdaErrorOf(() => resolveExtraSettings({ VpcConfig: { SecurityGroupIds: ['group'] } }, base, 'x')).message).toMatch(
      /at 'vpcConfig.securityGroupIds'.*pattern: sg-\[0-9a-zA-Z\]\*\]$/,
    );
  });

  it('switches LoggingConfig to JSON with INFO levels and back to Text without them', () => {
    const json = resolveExtraSettings({ LoggingConfig: { LogFormat: 'JSON' } }, base, 'nodejs20.x');
    expect(json.logging).toEqual({ logFormat: 'JSON', logGroup: '/aws/lambda/fn', applicationLogLevel: 'INFO', systemLogLevel: 'INFO' });
    expect(getLoggingEnvironment({ name: 'fn', extras: json })).toEqual({
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fn',
      AWS_LAMBDA_LOG_FORMAT: 'JSON',
      AWS_LAMBDA_LOG_LEVEL: 'INFO',
    });
    const text = resolveExtraSettings({ LoggingConfig: { LogFormat: 'Text' } }, json, 'nodejs20.x');
    expect(text.logging).toEqual({ logFormat: 'Text', logGroup: '/aws/lambda/fn' });
    expect(lambdaErrorOf(() => resolveExtraSettings({ LoggingConfig: { LogGroup: 'bad group' } }, base, 'x')).code).toBe('ValidationException');
    expect(lambdaErrorOf(() => resolveExtraSettings({ LoggingConfig: { LogFormat: 'JSON', SystemLogLevel: 'TRACE' } }, base, 'x')).message).toBe(
      "1 validation error detected: Value 'TRACE' at 'loggingConfig.systemLogLevel' failed to satisfy constraint: Member must satisfy enum value set: [DEBUG, INFO, WARN]",
    );
  });

  it('allows SnapStart on published versions only for the runtimes AWS offers it on', () => {
    expect(resolveExtraSettings({ SnapStart: { ApplyOn: 'PublishedVersions' } }, base, 'java21').snapStartApplyOn).toBe('PublishedVersions');
    expect(lambdaErrorOf(() => resolveExtraSettings({ SnapStart: { ApplyOn: 'PublishedVersions' } }, base, 'provided.al2023')).message).toBe(
      'provided.al2023 is not supported for SnapStart enabled functions.',
    );
  });
});
