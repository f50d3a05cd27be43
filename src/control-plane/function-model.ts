import { toImageConfigResponse, type ImageCodeRef, type ImageConfig } from './code/image-code.js';
import { toExtraConfiguration, type ExtraSettings } from './function-extras.js';
import { buildFunctionArn, type Scope } from './function-ref.js';

export const SUPPORTED_RUNTIMES = ['nodejs20.x', 'nodejs22.x', 'nodejs24.x', 'provided.al2023', 'provided.al2', 'python3.11'] as const;
export type Runtime = (typeof SUPPORTED_RUNTIMES)[number];
export type { Architecture } from './architecture.js';
import type { Architecture } from './architecture.js';

export type FunctionState = 'Pending' | 'Active' | 'Failed';
export type UpdateStatus = 'Successful' | 'InProgress' | 'Failed';

/** Code from a zip, stored content-addressed in the code store. */
export interface ZipCodeRef {
  /** Hex SHA-256 of the zip: the key of the code store. */
  sha256Hex: string;
  /** Base64 SHA-256 of the zip, as AWS reports `CodeSha256`. */
  codeSha256: string;
  size: number;
  hostFolder?: undefined;
  image?: undefined;
  /** The bytes its files declare unzipped (absent in records from before it was kept). */
  unzippedSize?: number;
}

/**
 * What a function keeps of each layer it uses (in its order): the version's ARN and its code. The
 * function holds the code itself, so a function keeps working after its layer version is deleted (as on
 * AWS).
 */
export interface FunctionLayer {
  arn: string;
  code: CodeRef;
}

/** A function configuration's `Layers`: `[{Arn, CodeSize}]`. */
export function toFunctionLayers(layers: readonly FunctionLayer[]): Array<{ Arn: string; CodeSize: number }> {
  return layers.map((layer) => ({ Arn: layer.arn, CodeSize: layer.code.size }));
}

/**
 * Hot reload (development): the function's code is a folder on the Docker host, mounted read-only as it
 * is; its SHA-256 fields are of the path (`hot-reload:<path>`), so nothing is stored for it.
 */
export interface HostFolderCodeRef {
  sha256Hex: string;
  codeSha256: string;
  size: 0;
  hostFolder: string;
  image?: undefined;
  unzippedSize?: undefined;
}

export type { FunctionImage, ImageCodeRef } from './code/image-code.js';

export type CodeRef = ZipCodeRef | HostFolderCodeRef | ImageCodeRef;

/** Whether a function runs a container image (PackageType Image) rather than a .zip's code in a runtime. */
export const isImageFunction = (record: { code: CodeRef }): record is { code: ImageCodeRef } => record.code.image !== undefined;

/** The configurable part of a function, validated (see function-settings.ts). */
export interface Settings {
  /** Absent for an image function (the image brings its runtime), required otherwise. */
  runtime?: Runtime;
  handler?: string;
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
  /** `DeadLetterConfig.TargetArn` (an SQS queue ARN, see function-dead-letter.ts); absent when none is set. */
  deadLetterTargetArn?: string;
  /** The layer versions it uses, in order (extracted under /opt, later ones over earlier ones); absent when none. */
  layers?: FunctionLayer[];
  /** An image function's ImageConfig (EntryPoint, Command, WorkingDirectory); absent when none is set. */
  imageConfig?: ImageConfig;
}

/**
 * A published version: `$LATEST`'s code and configuration as they were when it was published, under its
 * own number, Description and RevisionId. Never changed by a user; only a version published together with
 * a create or a code update has its state settled by that change's activation.
 */
export interface VersionRecord extends FunctionRecord {
  /** "1", "2", … */
  version: string;
  /** What `$LATEST` was when this was published (see getPublishFingerprint): publishing that again returns this version. */
  fingerprint: string;
  /** The `$LATEST` RevisionId its publish gave `$LATEST`: the activation of that revision settles this version's state. */
  publishedWith: string;
}

/** The SHA-256 (hex) of all the code a record holds: its own and its layers', each once. */
export function getHeldCode(record: Pick<FunctionRecord, 'code' | 'layers'>): string[] {
  return [...new Set([record.code.sha256Hex, ...(record.layers ?? []).map((layer) => layer.code.sha256Hex)])];
}

/** A record without its state and update reasons (a settled record shows none). */
export function withoutReasons<T extends FunctionRecord>(record: T): T {
  const { stateReason: _s, stateReasonCode: _sc, lastUpdateStatusReason: _u, lastUpdateStatusReasonCode: _uc, ...fields } = record;
  return fields as T;
}

/** `$LATEST` or a published version: what an invocation runs and GetFunctionConfiguration describes. */
export type FunctionVersionRecord = FunctionRecord | VersionRecord;

export const LATEST = '$LATEST';

export function getVersionOf(record: FunctionVersionRecord): string {
  return 'version' in record ? record.version : LATEST;
}

/**
 * Everything of `$LATEST` a version snapshots: when nothing of it changed since the last publish,
 * publishing again returns that version instead of a new one.
 */
export function getPublishFingerprint(record: FunctionRecord): string {
  return JSON.stringify([
    record.code.sha256Hex,
    record.runtime,
    record.handler,
    record.role,
    record.description,
    record.memorySize,
    record.timeout,
    record.environment,
    record.environmentGiven ?? false,
    record.ephemeralStorageSize,
    record.architectures,
    record.extras ?? null,
    // Only when set, so that versions published before they existed keep their fingerprint.
    ...(record.deadLetterTargetArn === undefined ? [] : [record.deadLetterTargetArn]),
    ...((record.layers ?? []).length === 0 ? [] : [{ layers: record.layers?.map((layer) => layer.arn) }]),
    ...(record.imageConfig === undefined ? [] : [{ imageConfig: record.imageConfig }]),
  ]);
}

/**
 * The environments an invocation may use: those of the same function and version, built with the same
 * settings (environments of `$LATEST` built for settings it no longer has are stale). A version's
 * environments never serve another version, even one with identical code and settings.
 */
export function getEnvironmentKey(record: FunctionVersionRecord): string {
  return JSON.stringify([
    record.name,
    getVersionOf(record),
    record.code.sha256Hex,
    record.runtime,
    record.handler,
    record.memorySize,
    record.timeout,
    record.ephemeralStorageSize,
    record.environment,
    record.architectures,
    record.extras?.logging ?? null,
    // Only when set, so that environments of functions without layers keep their key.
    ...((record.layers ?? []).length === 0 ? [] : [record.layers?.map((layer) => [layer.arn, layer.code.sha256Hex])]),
    ...(record.imageConfig === undefined ? [] : [{ imageConfig: record.imageConfig }]),
  ]);
}

/** AWS's timestamp format: `2024-01-31T12:34:56.789+0000`. */
export function formatLastModified(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

/**
 * The `FunctionConfiguration` shape of the Lambda API. `FunctionArn` is qualified by `arnQualifier` when
 * given (`$LATEST` named explicitly, an alias), else by the version's number for a published version.
 */
export function toFunctionConfiguration(
  record: FunctionVersionRecord,
  scope: Scope,
  arnQualifier?: string,
): Record<string, unknown> {
  const version = getVersionOf(record);
  const config: Record<string, unknown> = {
    FunctionName: record.name,
    FunctionArn: buildFunctionArn(scope, record.name, arnQualifier ?? (version === LATEST ? undefined : version)),
    ...(record.runtime === undefined ? {} : { Runtime: record.runtime }),
    Role: record.role,
    ...(record.handler === undefined ? {} : { Handler: record.handler }),
    CodeSize: record.code.size,
    Description: record.description,
    Timeout: record.timeout,
    MemorySize: record.memorySize,
    LastModified: record.lastModified,
    CodeSha256: record.code.codeSha256,
    Version: version,
    RevisionId: record.revisionId,
    State: record.state,
    LastUpdateStatus: record.lastUpdateStatus,
    PackageType: isImageFunction(record) ? 'Image' : 'Zip',
    Architectures: record.architectures,
    EphemeralStorage: { Size: record.ephemeralStorageSize },
  };
  if (record.environmentGiven === true || Object.keys(record.environment).length > 0) {
    config.Environment = { Variables: record.environment };
  }
  // A version published with a change still being applied shows no update status until it is settled (as AWS).
  if (version !== LATEST && record.state === 'Pending') delete config.LastUpdateStatus;
  if (record.stateReason !== undefined) config.StateReason = record.stateReason;
  if (record.stateReasonCode !== undefined) config.StateReasonCode = record.stateReasonCode;
  const showsUpdate = config.LastUpdateStatus !== undefined;
  if (showsUpdate && record.lastUpdateStatusReason !== undefined) config.LastUpdateStatusReason = record.lastUpdateStatusReason;
  if (showsUpdate && record.lastUpdateStatusReasonCode !== undefined) {
    config.LastUpdateStatusReasonCode = record.lastUpdateStatusReasonCode;
  }
  if (record.layers !== undefined && record.layers.length > 0) config.Layers = toFunctionLayers(record.layers);
  if (record.imageConfig !== undefined) config.ImageConfigResponse = toImageConfigResponse(record.imageConfig);
  Object.assign(config, toExtraConfiguration(record, scope.region));
  // AWS leaves DeadLetterConfig out when no target is set (recorded from AWS).
  if (record.deadLetterTargetArn !== undefined) config.DeadLetterConfig = { TargetArn: record.deadLetterTargetArn };
  return config;
}
