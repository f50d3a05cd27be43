import { toExtraConfiguration, type ExtraSettings } from './function-extras.js';
import { buildFunctionArn, type Scope } from './function-ref.js';

export const SUPPORTED_RUNTIMES = ['nodejs20.x', 'provided.al2023', 'provided.al2'] as const;
export type Runtime = (typeof SUPPORTED_RUNTIMES)[number];
export type Architecture = 'x86_64' | 'arm64';

export type FunctionState = 'Pending' | 'Active' | 'Failed';
export type UpdateStatus = 'Successful' | 'InProgress' | 'Failed';

export interface CodeRef {
  /** Hex SHA-256 of the zip: the key of the code store. */
  sha256Hex: string;
  /** Base64 SHA-256 of the zip, as AWS reports `CodeSha256`. */
  codeSha256: string;
  size: number;
}

/** The configurable part of a function, validated (see function-settings.ts). */
export interface Settings {
  runtime: Runtime;
  handler: string;
  role: string;
  description: string;
  memorySize: number;
  timeout: number;
  environment: Record<string, string>;
  ephemeralStorageSize: number;
  architectures: Architecture[];
}

/** What lambdock stores for `$LATEST` of one function. */
export interface FunctionRecord extends Settings {
  name: string;
  /** The caller sent `Environment.Variables`, even empty: AWS then shows `Environment` in its answers. */
  environmentGiven?: boolean;
  code: CodeRef;
  revisionId: string;
  lastModified: string;
  state: FunctionState;
  stateReason?: string;
  stateReasonCode?: string;
  lastUpdateStatus: UpdateStatus;
  lastUpdateStatusReason?: string;
  lastUpdateStatusReasonCode?: string;
  /** VPC, KMS, tracing, SnapStart, logging (function-extras.ts); absent in records from before they existed. */
  extras?: ExtraSettings;
}

/** The settings that shape an execution environment: environments built for other settings are stale. */
export function getEnvironmentKey(record: FunctionRecord): string {
  return JSON.stringify([
    record.code.sha256Hex,
    record.runtime,
    record.handler,
    record.memorySize,
    record.timeout,
    record.ephemeralStorageSize,
    record.environment,
    record.architectures,
    record.extras?.logging ?? null,
  ]);
}

/** AWS's timestamp format: `2024-01-31T12:34:56.789+0000`. */
export function formatLastModified(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

/** The `FunctionConfiguration` shape of the Lambda API. */
export function toFunctionConfiguration(record: FunctionRecord, scope: Scope): Record<string, unknown> {
  const config: Record<string, unknown> = {
    FunctionName: record.name,
    FunctionArn: buildFunctionArn(scope, record.name),
    Runtime: record.runtime,
    Role: record.role,
    Handler: record.handler,
    CodeSize: record.code.size,
    Description: record.description,
    Timeout: record.timeout,
    MemorySize: record.memorySize,
    LastModified: record.lastModified,
    CodeSha256: record.code.codeSha256,
    Version: '$LATEST',
    RevisionId: record.revisionId,
    State: record.state,
    LastUpdateStatus: record.lastUpdateStatus,
    PackageType: 'Zip',
    Architectures: record.architectures,
    EphemeralStorage: { Size: record.ephemeralStorageSize },
  };
  if (record.environmentGiven === true || Object.keys(record.environment).length > 0) {
    config.Environment = { Variables: record.environment };
  }
  if (record.stateReason !== undefined) config.StateReason = record.stateReason;
  if (record.stateReasonCode !== undefined) config.StateReasonCode = record.stateReasonCode;
  if (record.lastUpdateStatusReason !== undefined) config.LastUpdateStatusReason = record.lastUpdateStatusReason;
  if (record.lastUpdateStatusReasonCode !== undefined) {
    config.LastUpdateStatusReasonCode = record.lastUpdateStatusReasonCode;
  }
  Object.assign(config, toExtraConfiguration(record, scope.region));
  return config;
}
