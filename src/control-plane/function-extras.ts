import { createHash } from 'node:crypto';
import { invalidParameter, validationError } from '../shared/errors.js';

/**
 * The configuration fields beyond the core settings (function-settings.ts): those lambdock stores and
 * returns as AWS does although nothing here enforces them (VPC, KMS key, X-Ray mode, SnapStart), the
 * logging configuration, and those it refuses because accepting them would change what runs without
 * lambdock doing it (file systems, image config, code signing, …). DeadLetterConfig: function-dead-letter.ts;
 * Layers: layers/layer-service.ts.
 */

export const TRACING_MODES = ['Active', 'PassThrough'] as const;
export type TracingMode = (typeof TRACING_MODES)[number];
export const SNAP_START_APPLY_ON = ['PublishedVersions', 'None'] as const;
export type SnapStartApplyOn = (typeof SNAP_START_APPLY_ON)[number];
export const LOG_FORMATS = ['JSON', 'Text'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export const APPLICATION_LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
export const SYSTEM_LOG_LEVELS = ['DEBUG', 'INFO', 'WARN'] as const;

export interface VpcSettings {
  subnetIds: string[];
  securityGroupIds: string[];
  ipv6AllowedForDualStack: boolean;
}

export interface LoggingSettings {
  logFormat: LogFormat;
  logGroup: string;
  applicationLogLevel?: string;
  systemLogLevel?: string;
}

/** What lambdock stores of these fields. Absent in records written before they existed: see getExtraSettings. */
export interface ExtraSettings {
  /** Absent until a VpcConfig is sent; AWS then keeps returning it, with empty lists once detached. */
  vpc?: VpcSettings;
  kmsKeyArn?: string;
  tracingMode: TracingMode;
  snapStartApplyOn: SnapStartApplyOn;
  logging: LoggingSettings;
}

/** The fields as the API names them, on CreateFunction and UpdateFunctionConfiguration. */
export interface ExtraSettingsInput {
  VpcConfig?: { SubnetIds?: string[]; SecurityGroupIds?: string[]; Ipv6AllowedForDualStack?: boolean };
  KMSKeyArn?: string;
  TracingConfig?: { Mode?: string };
  SnapStart?: { ApplyOn?: string };
  LoggingConfig?: { LogFormat?: string; ApplicationLogLevel?: string; SystemLogLevel?: string; LogGroup?: string };
  Layers?: string[];
  DeadLetterConfig?: { TargetArn?: string };
  FileSystemConfigs?: unknown[];
  ImageConfig?: Record<string, unknown>;
  CodeSigningConfigArn?: string;
  CapacityProviderConfig?: unknown;
  DurableConfig?: unknown;
  TenancyConfig?: unknown;
  PublishTo?: string;
}

/** Runtimes AWS offers SnapStart for; none of lambdock's is one of them. */
const SNAP_START_RUNTIMES = new Set(['java11', 'java17', 'java21', 'java25', 'python3.12', 'python3.13', 'dotnet8', 'dotnet10']);
const SUBNET_ID = /^subnet-[0-9a-z]*$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-zA-Z]*$/;
const KMS_KEY_ARN = /^(?:(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|())$/s;
const LOG_GROUP = /^[.\-_/#A-Za-z0-9]+$/;

export function getDefaultLogGroup(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

/** The stored extras, or AWS's defaults for a function that never set any. */
export function getExtraSettings(record: { name: string; extras?: ExtraSettings }): ExtraSettings {
  return (
    record.extras ?? {
      tracingMode: 'PassThrough',
      snapStartApplyOn: 'None',
      logging: { logFormat: 'Text', logGroup: getDefaultLogGroup(record.name) },
    }
  );
}

function constraint(field: string, value: string, rule: string): never {
  throw validationError(`1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${rule}`);
}

function checkEnum(field: string, value: string, allowed: readonly string[]): string {
  if (!allowed.includes(value)) constraint(field, value, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  return value;
}

function checkIdList(field: string, ids: string[], max: number, pattern: RegExp, shown: string): string[] {
  const listed = `[${ids.join(', ')}]`;
  if (ids.length > max) constraint(field, listed, `Member must have length less than or equal to ${max}`);
  if (ids.some((id) => id.length > 1024 || !pattern.test(id))) {
    constraint(
      field,
      listed,
      'Member must satisfy constraint: [Member must have length less than or equal to 1024, ' +
        `Member must have length greater than or equal to 0, Member must satisfy regular expression pattern: ${shown}]`,
    );
  }
  return [...ids];
}

/** Fields that would change what runs, which lambdock cannot honour yet: refused rather than dropped. */
function refuseUnsupported(input: ExtraSettingsInput): void {
  if ((input.FileSystemConfigs ?? []).length > 0) {
    throw invalidParameter('lambdock cannot mount file systems (EFS) yet: remove FileSystemConfigs (an empty list is accepted).');
  }
  if ((input.CodeSigningConfigArn ?? '') !== '') {
    throw invalidParameter('lambdock does not verify code signatures: remove CodeSigningConfigArn.');
  }
  for (const field of ['CapacityProviderConfig', 'DurableConfig', 'TenancyConfig'] as const) {
    if (input[field] !== undefined) throw invalidParameter(`lambdock does not support ${field} yet: remove it.`);
  }
  refusePublishTo(input.PublishTo);
}

/** `PublishTo` (CreateFunction, UpdateFunctionCode, PublishVersion): lambdock has no `$LATEST.PUBLISHED`. */
export function refusePublishTo(publishTo: string | undefined): void {
  if (publishTo !== undefined) throw invalidParameter('lambdock does not support PublishTo yet: remove it.');
}

function resolveVpc(input: ExtraSettingsInput['VpcConfig'], base: VpcSettings | undefined): VpcSettings | undefined {
  if (input === undefined) return base;
  return {
    subnetIds: checkIdList('vpcConfig.subnetIds', input.SubnetIds ?? [], 16, SUBNET_ID, 'subnet-[0-9a-z]*'),
    securityGroupIds: checkIdList('vpcConfig.securityGroupIds', input.SecurityGroupIds ?? [], 5, SECURITY_GROUP_ID, 'sg-[0-9a-zA-Z]*'),
    ipv6AllowedForDualStack: input.Ipv6AllowedForDualStack ?? false,
  };
}

function resolveKmsKeyArn(input: string | undefined, base: string | undefined): string | undefined {
  if (input === undefined) return base;
  if (input.length > 10000 || !KMS_KEY_ARN.test(input)) {
    constraint('kMSKeyArn', input, 'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()');
  }
  return input === '' ? undefined : input;
}

/** AWS's partial-update rules, as recorded from AWS: JSON defaults both levels to INFO; Text drops them. */
function resolveLogging(input: ExtraSettingsInput['LoggingConfig'], base: LoggingSettings): LoggingSettings {
  if (input === undefined) return base;
  const format = input.LogFormat === undefined ? undefined : checkEnum('loggingConfig.logFormat', input.LogFormat, LOG_FORMATS);
  const appLevel = input.ApplicationLogLevel === undefined
    ? undefined
    : checkEnum('loggingConfig.applicationLogLevel', input.ApplicationLogLevel, APPLICATION_LOG_LEVELS);
  const systemLevel = input.SystemLogLevel === undefined
    ? undefined
    : checkEnum('loggingConfig.systemLogLevel', input.SystemLogLevel, SYSTEM_LOG_LEVELS);
  if (input.LogGroup !== undefined) {
    if (input.LogGroup.length < 1 || input.LogGroup.length > 512) {
      constraint('loggingConfig.logGroup', input.LogGroup, `Member must have length ${input.LogGroup.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 512'}`);
    }
    if (!LOG_GROUP.test(input.LogGroup)) {
      constraint('loggingConfig.logGroup', input.LogGroup, 'Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+');
    }
  }
  const logFormat = (format ?? base.logFormat) as LogFormat;
  const logGroup = input.LogGroup ?? base.logGroup;
  if (logFormat === 'Text') {
    if (appLevel !== undefined || systemLevel !== undefined) {
      throw invalidParameter(
        'LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your request or change the LogFormat to "JSON" and try again.',
      );
    }
    return { logFormat, logGroup };
  }
  const switching = format === 'JSON';
  return {
    logFormat,
    logGroup,
    applicationLogLevel: appLevel ?? (switching ? 'INFO' : base.applicationLogLevel ?? 'INFO'),
    systemLogLevel: systemLevel ?? (switching ? 'INFO' : base.systemLogLevel ?? 'INFO'),
  };
}

/** Validates the extra fields against AWS's rules and merges them over `base` (the current extras, or defaults). */
export function resolveExtraSettings(input: ExtraSettingsInput, base: ExtraSettings, runtime: string | undefined): ExtraSettings {
  refuseUnsupported(input);
  const tracingMode = input.TracingConfig?.Mode === undefined
    ? base.tracingMode
    : (checkEnum('tracingConfig.mode', input.TracingConfig.Mode, TRACING_MODES) as TracingMode);
  const snapStartApplyOn = input.SnapStart === undefined
    ? base.snapStartApplyOn
    : (checkEnum('snapStart.applyOn', input.SnapStart.ApplyOn ?? 'None', SNAP_START_APPLY_ON) as SnapStartApplyOn);
  if (snapStartApplyOn === 'PublishedVersions' && (runtime === undefined || !SNAP_START_RUNTIMES.has(runtime))) {
    throw invalidParameter(
      runtime === undefined ? 'SnapStart is not supported for container image functions.' : `${runtime} is not supported for SnapStart enabled functions.`,
    );
  }
  const vpc = resolveVpc(input.VpcConfig, base.vpc);
  const kmsKeyArn = resolveKmsKeyArn(input.KMSKeyArn, base.kmsKeyArn);
  return {
    ...(vpc === undefined ? {} : { vpc }),
    ...(kmsKeyArn === undefined ? {} : { kmsKeyArn }),
    tracingMode,
    snapStartApplyOn,
    logging: resolveLogging(input.LoggingConfig, base.logging),
  };
}

/** `arn:aws:lambda:<region>::runtime:<64 hex>`: one stable id per lambdock runtime. */
export function getRuntimeVersionArn(region: string, runtime: string): string {
  return `arn:aws:lambda:${region}::runtime:${createHash('sha256').update(`lambdock:${runtime}`).digest('hex')}`;
}

/** These fields in the `FunctionConfiguration` shape, as AWS returns them for a .zip function. */
export function toExtraConfiguration(
  record: { name: string; runtime?: string; extras?: ExtraSettings },
  region: string,
): Record<string, unknown> {
  const extras = getExtraSettings(record);
  const { logging } = extras;
  const config: Record<string, unknown> = {
    TracingConfig: { Mode: extras.tracingMode },
    SnapStart: { ApplyOn: extras.snapStartApplyOn, OptimizationStatus: 'Off' },
    LoggingConfig: {
      LogFormat: logging.logFormat,
      ...(logging.applicationLogLevel === undefined ? {} : { ApplicationLogLevel: logging.applicationLogLevel }),
      ...(logging.systemLogLevel === undefined ? {} : { SystemLogLevel: logging.systemLogLevel }),
      LogGroup: logging.logGroup,
    },
  };
  // Runtime management is not there for an image function (it brings its own runtime): AWS shows none.
  if (record.runtime !== undefined) config.RuntimeVersionConfig = { RuntimeVersionArn: getRuntimeVersionArn(region, record.runtime) };
  if (extras.vpc !== undefined) {
    config.VpcConfig = {
      SubnetIds: extras.vpc.subnetIds,
      SecurityGroupIds: extras.vpc.securityGroupIds,
      // lambdock has no EC2 to ask which VPC the subnets belong to.
      VpcId: '',
      Ipv6AllowedForDualStack: extras.vpc.ipv6AllowedForDualStack,
    };
  }
  if (extras.kmsKeyArn !== undefined) config.KMSKeyArn = extras.kmsKeyArn;
  return config;
}

/** Fields AWS leaves out of list answers (ListFunctions, ListVersionsByFunction), as recorded from AWS. */
const LIST_OMITTED = [
  'State',
  'StateReason',
  'StateReasonCode',
  'LastUpdateStatus',
  'LastUpdateStatusReason',
  'LastUpdateStatusReasonCode',
  'RuntimeVersionConfig',
] as const;

export function toListedConfiguration(config: Record<string, unknown>): Record<string, unknown> {
  const listed = { ...config };
  for (const key of LIST_OMITTED) delete listed[key];
  return listed;
}

/** The environment variables AWS derives from LoggingConfig (the runtime formats and filters its logs by them). */
export function getLoggingEnvironment(record: { name: string; extras?: ExtraSettings }): Record<string, string> {
  const { logging } = getExtraSettings(record);
  const env: Record<string, string> = { AWS_LAMBDA_LOG_GROUP_NAME: logging.logGroup };
  if (logging.logFormat === 'JSON') {
    env.AWS_LAMBDA_LOG_FORMAT = 'JSON';
    if (logging.applicationLogLevel !== undefined) env.AWS_LAMBDA_LOG_LEVEL = logging.applicationLogLevel;
  }
  return env;
}
