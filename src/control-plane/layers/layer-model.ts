import type { CodeRef } from '../function-model.js';
import type { Scope } from '../function-ref.js';

export type { FunctionLayer } from '../function-model.js';

/** One published version of a layer, as lambdock stores it. Versions never change once published. */
export interface LayerVersionRecord {
  layerName: string;
  /** 1, 2, … per layer, never reused (not even after every version was deleted). */
  version: number;
  description: string;
  licenseInfo?: string;
  compatibleRuntimes: string[];
  compatibleArchitectures: string[];
  code: CodeRef;
  /** AWS's timestamp format: `2024-01-31T12:34:56.789+0000`. */
  createdDate: string;
}

export function buildLayerArn(scope: Scope, layerName: string): string {
  return `arn:aws:lambda:${scope.region}:${scope.accountId}:layer:${layerName}`;
}

export function buildLayerVersionArn(scope: Scope, layerName: string, version: number): string {
  return `${buildLayerArn(scope, layerName)}:${version}`;
}

/** `LayerVersionsListItem` (ListLayerVersions, ListLayers' `LatestMatchingVersion`). */
export function toLayerVersionListItem(record: LayerVersionRecord, scope: Scope): Record<string, unknown> {
  return {
    LayerVersionArn: buildLayerVersionArn(scope, record.layerName, record.version),
    Version: record.version,
    Description: record.description,
    CreatedDate: record.createdDate,
    CompatibleRuntimes: record.compatibleRuntimes,
    ...(record.licenseInfo === undefined ? {} : { LicenseInfo: record.licenseInfo }),
    CompatibleArchitectures: record.compatibleArchitectures,
  };
}

/** PublishLayerVersion's and GetLayerVersion's answer; `location` is where the zip can be downloaded. */
export function toLayerVersionView(record: LayerVersionRecord, scope: Scope, location: string): Record<string, unknown> {
  return {
    Content: { Location: location, CodeSha256: record.code.codeSha256, CodeSize: record.code.size },
    LayerArn: buildLayerArn(scope, record.layerName),
    ...toLayerVersionListItem(record, scope),
  };
}
