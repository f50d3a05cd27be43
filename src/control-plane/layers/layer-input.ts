import { LambdaError, invalidParameter } from '../../shared/errors.js';
import { Violations, describeViolation, formatViolations } from '../../shared/violations.js';
import type { Scope } from '../function-ref.js';
import { AWS_RUNTIMES, RETIRED_RUNTIMES } from '../runtimes.js';

/*
 * The checks of the layers API and of a function's `Layers`, worded as AWS words them (botocore's model
 * for the limits, LocalStack's snapshots recorded from AWS for the messages and their order).
 */

export const MAX_FUNCTION_LAYERS = 5;
export const MAX_LIST_LAYERS_ITEMS = 50;
const ARCHITECTURES = ['x86_64', 'arm64'] as const;

/** ListLayers / ListLayerVersions `CompatibleRuntime`: the enum AWS prints there, in its order (recorded from AWS). */
export const LAYER_FILTER_RUNTIMES = [
  'ruby3.5', 'ruby2.6', 'dotnetcore1.0', 'python3.7', 'nodejs8.10', 'nasa', 'ruby2.7', 'python2.7-greengrass',
  'dotnetcore2.0', 'python3.8', 'java21', 'dotnet6', 'dotnetcore2.1', 'python3.9', 'java11', 'nodejs6.10', 'provided',
  'dotnetcore3.1', 'dotnet8', 'java25', 'java17', 'nodejs', 'nodejs4.3', 'java8.al2', 'go1.x', 'dotnet10', 'nodejs20.x',
  'go1.9', 'byol', 'nodejs10.x', 'provided.al2023', 'nodejs22.x', 'python3.10', 'java8', 'nodejs12.x', 'python3.11',
  'nodejs24.x', 'nodejs8.x', 'python3.12', 'nodejs14.x', 'nodejs8.9', 'nodejs26.x', 'python3.13', 'python3.14',
  'nodejs16.x', 'python3.15', 'provided.al2', 'nodejs4.3-edge', 'nodejs18.x', 'ruby3.2', 'python3.4', 'ruby3.3',
  'ruby3.4', 'ruby2.5', 'python3.6', 'python2.7',
] as const;

/** PublishLayerVersion takes retired runtimes too (AWS accepts them), though its refusal lists only the current ones. */
const PUBLISHABLE_RUNTIMES: readonly string[] = [...AWS_RUNTIMES, ...RETIRED_RUNTIMES];

const REGION = '(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}';
export const LAYER_NAME_PATTERN = `(arn:(aws[a-zA-Z-]*)?:lambda:${REGION}:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+`;
export const LAYER_VERSION_ARN_PATTERN =
  `(arn:(aws[a-zA-Z-]*)?:lambda:${REGION}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)`;
const LAYER_NAME_REGEXP = new RegExp(`^(?:${LAYER_NAME_PATTERN})$`);
const LAYER_VERSION_ARN_REGEXP = new RegExp(`^(?:${LAYER_VERSION_ARN_PATTERN})$`);
const LAYER_VERSION_ARN_PARTS = /^arn:[^:]*:lambda:([^:]+):(\d{12}):layer:([a-zA-Z0-9-_]+):([0-9]+)$/;

export interface PublishLayerInput {
  Description?: string;
  LicenseInfo?: string;
  CompatibleRuntimes?: string[];
  CompatibleArchitectures?: string[];
}

export interface PublishSettings {
  description: string;
  licenseInfo?: string;
  compatibleRuntimes: string[];
  compatibleArchitectures: string[];
}

/** A layer version a function names, taken apart. */
export interface LayerVersionRef {
  arn: string;
  region: string;
  accountId: string;
  layerName: string;
  version: number;
}

const single = (member: string, value: unknown, rule: string): LambdaError =>
  new LambdaError('ValidationException', formatViolations([describeViolation(member, value, rule)]));

/** A path's `{LayerName}`: a name, or the layer's ARN (its name is what counts). */
export function parseLayerName(input: string): string {
  if (input.length > 140) throw single('layerName', input, 'Member must have length less than or equal to 140');
  if (!LAYER_NAME_REGEXP.test(input)) {
    throw single('layerName', input, `Member must satisfy regular expression pattern: ${LAYER_NAME_PATTERN}`);
  }
  return input.startsWith('arn:') ? input.slice(input.lastIndexOf(':') + 1) : input;
}

/** A path's `{VersionNumber}`: AWS refuses numbers below 1 with InvalidParameterValueException. */
export function parseVersionNumber(raw: string): number {
  const version = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (Number.isNaN(version)) throw single('versionNumber', raw, 'Member must be a number');
  if (version < 1) throw invalidParameter('Layer Version Cannot be less than 1');
  return version;
}

/** PublishLayerVersion's members other than the content, every violation listed in AWS's order. */
export function checkPublishInput(input: PublishLayerInput): PublishSettings {
  const violations = new Violations(['layerName', 'description', 'content', 'compatibleRuntimes', 'licenseInfo', 'compatibleArchitectures']);
  const description = input.Description ?? '';
  if (description.length > 256) violations.add('description', description, 'Member must have length less than or equal to 256');
  const runtimes = input.CompatibleRuntimes ?? [];
  if (runtimes.length > 15) {
    violations.add('compatibleRuntimes', runtimes, 'Member must have length less than or equal to 15');
  } else if (runtimes.some((r) => !PUBLISHABLE_RUNTIMES.includes(r))) {
    violations.add('compatibleRuntimes', runtimes, `Member must satisfy enum value set: [${AWS_RUNTIMES.join(', ')}]`);
  }
  if (input.LicenseInfo !== undefined && input.LicenseInfo.length > 512) {
    violations.add('licenseInfo', input.LicenseInfo, 'Member must have length less than or equal to 512');
  }
  const architectures = input.CompatibleArchitectures ?? [];
  if (architectures.length > 2) {
    violations.add('compatibleArchitectures', architectures, 'Member must have length less than or equal to 2');
  } else if (architectures.some((a) => !(ARCHITECTURES as readonly string[]).includes(a))) {
    violations.add(
      'compatibleArchitectures',
      architectures,
      `Member must satisfy constraint: [Member must satisfy enum value set: [${ARCHITECTURES.join(', ')}], Member must not be null]`,
    );
  }
  violations.throwIfAny();
  return {
    description,
    ...(input.LicenseInfo === undefined ? {} : { licenseInfo: input.LicenseInfo }),
    compatibleRuntimes: [...runtimes],
    compatibleArchitectures: [...architectures],
  };
}

export interface LayerFilter {
  runtime?: string;
  architecture?: string;
  marker?: string;
  maxItems?: number;
}

/** ListLayers' and ListLayerVersions' query: `CompatibleRuntime`, `CompatibleArchitecture`, `Marker`, `MaxItems` (1–50). */
export function checkLayerFilter(query: { CompatibleRuntime?: string; CompatibleArchitecture?: string; Marker?: string; MaxItems?: string }): LayerFilter {
  const violations = new Violations(['compatibleRuntime', 'marker', 'maxItems', 'compatibleArchitecture']);
  const runtime = query.CompatibleRuntime;
  if (runtime !== undefined && !(LAYER_FILTER_RUNTIMES as readonly string[]).includes(runtime)) {
    violations.add('compatibleRuntime', runtime, `Member must satisfy enum value set: [${LAYER_FILTER_RUNTIMES.join(', ')}]`);
  }
  let maxItems: number | undefined;
  if (query.MaxItems !== undefined) {
    maxItems = Number(query.MaxItems);
    if (!Number.isInteger(maxItems)) violations.add('maxItems', query.MaxItems, 'Member must be an integer');
    else if (maxItems < 1) violations.add('maxItems', maxItems, 'Member must have value greater than or equal to 1');
    else if (maxItems > MAX_LIST_LAYERS_ITEMS) {
      violations.add('maxItems', maxItems, `Member must have value less than or equal to ${MAX_LIST_LAYERS_ITEMS}`);
    }
  }
  const architecture = query.CompatibleArchitecture;
  if (architecture !== undefined && !(ARCHITECTURES as readonly string[]).includes(architecture)) {
    violations.add('compatibleArchitecture', architecture, `Member must satisfy enum value set: [${ARCHITECTURES.join(', ')}]`);
  }
  violations.throwIfAny();
  return {
    ...(runtime === undefined ? {} : { runtime }),
    ...(architecture === undefined ? {} : { architecture }),
    ...(query.Marker === undefined || query.Marker === '' ? {} : { marker: query.Marker }),
    ...(maxItems === undefined ? {} : { maxItems }),
  };
}

/** Whether a version passes a list filter (an empty compatibility list matches no filter, as on AWS). */
export function matchesFilter(record: { compatibleRuntimes: string[]; compatibleArchitectures: string[] }, filter: LayerFilter): boolean {
  if (filter.runtime !== undefined && !record.compatibleRuntimes.includes(filter.runtime)) return false;
  if (filter.architecture !== undefined && !record.compatibleArchitectures.includes(filter.architecture)) return false;
  return true;
}

/** GetLayerVersionByArn's `Arn`. */
export function parseLayerVersionArn(arn: string | undefined): LayerVersionRef {
  if (arn === undefined) throw single('arn', null, 'Member must not be null');
  if (arn.length > 2048) throw single('arn', arn, 'Member must have length less than or equal to 2048');
  if (!LAYER_VERSION_ARN_REGEXP.test(arn)) {
    throw single('arn', arn, `Member must satisfy regular expression pattern: ${LAYER_VERSION_ARN_PATTERN}`);
  }
  return splitLayerVersionArn(arn);
}

function splitLayerVersionArn(arn: string): LayerVersionRef {
  const parts = LAYER_VERSION_ARN_PARTS.exec(arn);
  // `arn:aws:lambda:::awslayer:…` (AWS's own layers): none exists here.
  if (parts === null) return { arn, region: '', accountId: '', layerName: '', version: 0 };
  const [, region, accountId, layerName, version] = parts as unknown as [string, string, string, string, string];
  return { arn, region, accountId, layerName, version: Number(version) };
}

/**
 * A function's `Layers` (CreateFunction, UpdateFunctionConfiguration), checked in AWS's order: each ARN's
 * shape, at most 5, no two versions of one layer, all in the function's region. Whether each exists is
 * the caller's to check (then "Layer version … does not exist.").
 */
export function checkFunctionLayers(arns: readonly string[], scope: Scope): LayerVersionRef[] {
  const badShape = arns.some((arn) => arn.length < 1 || arn.length > 2048 || !LAYER_VERSION_ARN_REGEXP.test(arn));
  if (badShape) {
    throw single(
      'layers',
      arns,
      'Member must satisfy constraint: [Member must have length less than or equal to 2048, Member must have length greater than or equal to 1, ' +
        `Member must satisfy regular expression pattern: ${LAYER_VERSION_ARN_PATTERN}, Member must not be null]`,
    );
  }
  if (arns.length > MAX_FUNCTION_LAYERS) throw invalidParameter(`Cannot reference more than ${MAX_FUNCTION_LAYERS} layers.`);
  const refs = arns.map(splitLayerVersionArn);
  refs.forEach((ref, i) => {
    const earlier = refs.slice(0, i).find((other) => other.layerName !== '' && other.layerName === ref.layerName && other.accountId === ref.accountId && other.region === ref.region);
    if (earlier !== undefined) {
      throw invalidParameter(
        'Two different versions of the same layer are not allowed to be referenced in the same function. ' +
          `${earlier.arn} and ${ref.arn} are versions of the same layer.`,
      );
    }
  });
  if (refs.some((ref) => ref.region !== '' && ref.region !== scope.region)) {
    throw invalidParameter(`Layers are not in the same region as the function. Layers are expected to be in region ${scope.region}.`);
  }
  return refs;
}

export const layerVersionMissing = (arn: string): LambdaError => invalidParameter(`Layer version ${arn} does not exist.`);
