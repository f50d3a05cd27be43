import { Type } from '@sinclair/typebox';
import { CreateOnlySchema, ExtraSettingsSchema } from './extra-schemas.js';

// Types and structure only: value constraints (lengths, ranges, patterns, enums) are checked by the
// control plane, which lists every violation in one ValidationException as AWS does.

const Environment = Type.Object({
  Variables: Type.Optional(Type.Record(Type.String(), Type.String())),
});

const Settings = {
  Runtime: Type.Optional(Type.String()),
  Handler: Type.Optional(Type.String()),
  Role: Type.Optional(Type.String()),
  Description: Type.Optional(Type.String()),
  MemorySize: Type.Optional(Type.Number()),
  Timeout: Type.Optional(Type.Number()),
  Environment: Type.Optional(Environment),
  EphemeralStorage: Type.Optional(Type.Object({ Size: Type.Number() })),
  Architectures: Type.Optional(Type.Array(Type.String())),
  ...ExtraSettingsSchema,
};

const Code = Type.Object({
  ZipFile: Type.Optional(Type.String()),
  S3Bucket: Type.Optional(Type.String()),
  S3Key: Type.Optional(Type.String()),
  S3ObjectVersion: Type.Optional(Type.String()),
  ImageUri: Type.Optional(Type.String()),
});

/** FunctionName, Role and Code are required: their absence is reported with the other violations. */
export const CreateFunctionBody = Type.Object({
  FunctionName: Type.Optional(Type.String()),
  Code: Type.Optional(Code),
  Publish: Type.Optional(Type.Boolean()),
  PackageType: Type.Optional(Type.String()),
  ...Settings,
  ...CreateOnlySchema,
});

export const UpdateCodeBody = Type.Object({
  ZipFile: Type.Optional(Type.String()),
  S3Bucket: Type.Optional(Type.String()),
  S3Key: Type.Optional(Type.String()),
  S3ObjectVersion: Type.Optional(Type.String()),
  ImageUri: Type.Optional(Type.String()),
  Publish: Type.Optional(Type.Boolean()),
  DryRun: Type.Optional(Type.Boolean()),
  PublishTo: Type.Optional(Type.String()),
  RevisionId: Type.Optional(Type.String()),
  Architectures: Type.Optional(Type.Array(Type.String())),
});

export const UpdateConfigurationBody = Type.Object({ ...Settings, RevisionId: Type.Optional(Type.String()) });

export const FunctionNameParams = Type.Object({ FunctionName: Type.String() });

export const QualifierQuery = Type.Object({ Qualifier: Type.Optional(Type.String()) });

export const ListFunctionsQuery = Type.Object({
  Marker: Type.Optional(Type.String()),
  MaxItems: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
  FunctionVersion: Type.Optional(Type.String()),
  MasterRegion: Type.Optional(Type.String()),
});
