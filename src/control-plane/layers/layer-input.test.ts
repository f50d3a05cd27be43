import { describe, expect, it } from 'vitest';
import { lambdaErrorOf } from '../../../test/helpers/lambda-error-of.js';
import { checkFunctionLayers, checkLayerFilter, checkPublishInput, parseLayerName, parseLayerVersionArn, parseVersionNumber } from './layer-input.js';

const scope = { region: 'us-east-1', accountId: '000000000000' };
const arn = (name: string, version: number, region = 'us-east-1') => `arn:aws:lambda:${region}:000000000000:layer:${name}:${version}`;
const SHAPE_RULE =
  'Member must satisfy constraint: [Member must have length less than or equal to 2048, Member must have length greater than or equal to 1, ' +
  'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+), Member must not be null]';

describe('checkPublishInput', () => {
  it('defaults Description to "" and keeps empty compatibility lists (AWS accepts them)', () => {
    expect(checkPublishInput({ CompatibleRuntimes: [], CompatibleArchitectures: [] })).toEqual({
      description: '',
      compatibleRuntimes: [],
      compatibleArchitectures: [],
    });
  });

  it('accepts retired runtimes, as AWS does', () => {
    expect(checkPublishInput({ CompatibleRuntimes: ['provided', 'nodejs12.x', 'python3.7'] }).compatibleRuntimes).toEqual(['provided', 'nodejs12.x', 'python3.7']);
  });

  it('lists invalid runtimes and architectures together, as recorded from AWS', () => {
    const error = lambdaErrorOf(() =>
      checkPublishInput({ CompatibleRuntimes: ['invalidruntime', 'invalidruntime2', 'nodejs20.x'], CompatibleArchitectures: ['invalidarch', 'x86_64'] }),
    );
    expect(error.code).toBe('ValidationException');
    expect(error.message).toBe(
      "2 validation errors detected: Value '[invalidruntime, invalidruntime2, nodejs20.x]' at 'compatibleRuntimes' failed to satisfy constraint: " +
        'Member must satisfy enum value set: [nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, java25, ' +
        'python3.10, python3.11, java21, ruby3.3, ruby3.4, ruby3.2, python3.8, python3.9, java17, nodejs16.x, dotnet10, dotnet8, java11, dotnet6, ' +
        "nodejs18.x, provided.al2, java8.al2]; Value '[invalidarch, x86_64]' at 'compatibleArchitectures' failed to satisfy constraint: " +
        'Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]',
    );
  });

  it('refuses a long description and license', () => {
    const error = lambdaErrorOf(() => checkPublishInput({ Description: 'd'.repeat(257), LicenseInfo: 'l'.repeat(513) }));
    expect(error.message).toMatch(/^2 validation errors detected: Value 'd+' at 'description' .*less than or equal to 256; Value 'l+' at 'licenseInfo' .*less than or equal to 512$/);
  });
});

describe('layer names and numbers', () => {
  it('takes a name or a layer ARN', () => {
    expect(parseLayerName('my-layer_1')).toBe('my-layer_1');
    expect(parseLayerName('arn:aws:lambda:us-east-1:000000000000:layer:my-layer')).toBe('my-layer');
    expect(lambdaErrorOf(() => parseLayerName('bad.name')).code).toBe('ValidationException');
  });

  it('refuses versions below 1 as AWS does', () => {
    for (const raw of ['0', '-1']) {
      const error = lambdaErrorOf(() => parseVersionNumber(raw));
      expect([error.code, error.message]).toEqual(['InvalidParameterValueException', 'Layer Version Cannot be less than 1']);
    }
    expect(parseVersionNumber('12')).toBe(12);
  });

  it('refuses a layer ARN without its version in GetLayerVersionByArn', () => {
    expect(lambdaErrorOf(() => parseLayerVersionArn('arn:aws:lambda:us-east-1:000000000000:layer:x')).message).toMatch(
      /^1 validation error detected: Value 'arn:aws:lambda:us-east-1:000000000000:layer:x' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: /,
    );
    expect(parseLayerVersionArn(arn('x', 3))).toMatchObject({ layerName: 'x', version: 3, region: 'us-east-1' });
  });
});

describe('checkLayerFilter', () => {
  it('refuses an unknown runtime and architecture with the enums AWS prints', () => {
    expect(lambdaErrorOf(() => checkLayerFilter({ CompatibleRuntime: 'runtimedoesnotexist' })).message).toMatch(
      /^1 validation error detected: Value 'runtimedoesnotexist' at 'compatibleRuntime' failed to satisfy constraint: Member must satisfy enum value set: \[ruby3\.5, ruby2\.6, .*, python2\.7\]$/,
    );
    expect(lambdaErrorOf(() => checkLayerFilter({ CompatibleArchitecture: 'archdoesnotexist' })).message).toBe(
      "1 validation error detected: Value 'archdoesnotexist' at 'compatibleArchitecture' failed to satisfy constraint: Member must satisfy enum value set: [x86_64, arm64]",
    );
  });

  it('takes MaxItems from 1 to 50', () => {
    expect(checkLayerFilter({ MaxItems: '50', Marker: 'x' })).toEqual({ maxItems: 50, marker: 'x' });
    expect(lambdaErrorOf(() => checkLayerFilter({ MaxItems: '51' })).message).toMatch(/Member must have value less than or equal to 50/);
    expect(lambdaErrorOf(() => checkLayerFilter({ MaxItems: '0' })).message).toMatch(/Member must have value greater than or equal to 1/);
  });
});

describe('checkFunctionLayers', () => {
  it('refuses an ARN without a version, listing all of them', () => {
    expect(lambdaErrorOf(() => checkFunctionLayers(['arn:aws:lambda:us-east-1:000000000000:layer:x'], scope)).message).toBe(
      `1 validation error detected: Value '[arn:aws:lambda:us-east-1:000000000000:layer:x]' at 'layers' failed to satisfy constraint: ${SHAPE_RULE}`,
    );
  });

  it('refuses more than 5', () => {
    const arns = [1, 2, 3, 4, 5, 6].map((n) => arn(`l${n}`, 1));
    expect(checkFunctionLayers(arns.slice(0, 5), scope)).toHaveLength(5);
    const error = lambdaErrorOf(() => checkFunctionLayers(arns, scope));
    expect([error.code, error.message]).toEqual(['InvalidParameterValueException', 'Cannot reference more than 5 layers.']);
  });

  it('refuses two versions of one layer, naming the first pair', () => {
    expect(lambdaErrorOf(() => checkFunctionLayers([arn('x', 1), arn('x', 2), arn('x', 3)], scope)).message).toBe(
      'Two different versions of the same layer are not allowed to be referenced in the same function. ' +
        `${arn('x', 1)} and ${arn('x', 2)} are versions of the same layer.`,
    );
    expect(lambdaErrorOf(() => checkFunctionLayers([arn('x', 1), arn('x', 1)], scope)).message).toMatch(/:x:1 and .*:x:1 are versions of the same layer\.$/);
  });

  it('refuses a layer of another region', () => {
    expect(lambdaErrorOf(() => checkFunctionLayers([arn('x', 1, 'eu-west-1')], scope)).message).toBe(
      'Layers are not in the same region as the function. Layers are expected to be in region us-east-1.',
    );
  });
});
