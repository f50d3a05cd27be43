import { Type } from '@sinclair/typebox';

/** `{LayerName}` may be a name or a layer ARN; its pattern is checked in the control plane (AWS's message). */
export const LayerNameParams = Type.Object({ LayerName: Type.String({ minLength: 1 }) });

export const LayerVersionParams = Type.Object({
  LayerName: Type.String({ minLength: 1 }),
  VersionNumber: Type.String({ minLength: 1 }),
});

export const PublishLayerVersionBody = Type.Object({
  Description: Type.Optional(Type.String()),
  Content: Type.Optional(
    Type.Object({
      ZipFile: Type.Optional(Type.String()),
      S3Bucket: Type.Optional(Type.String()),
      S3Key: Type.Optional(Type.String()),
      S3ObjectVersion: Type.Optional(Type.String()),
      S3ObjectStorageMode: Type.Optional(Type.String()),
    }),
  ),
  CompatibleRuntimes: Type.Optional(Type.Array(Type.String())),
  CompatibleArchitectures: Type.Optional(Type.Array(Type.String())),
  LicenseInfo: Type.Optional(Type.String()),
});

export const LayerListQuery = Type.Object({
  CompatibleRuntime: Type.Optional(Type.String()),
  CompatibleArchitecture: Type.Optional(Type.String()),
  Marker: Type.Optional(Type.String()),
  MaxItems: Type.Optional(Type.String()),
});

/** ListLayers and GetLayerVersionByArn share a path; `?find=LayerVersion` (part of AWS's requestUri) picks the latter. */
export const LayersQuery = Type.Object({
  ...LayerListQuery.properties,
  find: Type.Optional(Type.String()),
  Arn: Type.Optional(Type.String()),
});
