import { Type } from '@sinclair/typebox';
import { CreateOnlySchema, ExtraSettingsSchema } from './extra-schemas.js';

const Environment = Type.Object({
  Variables: Type.Optional(Type.Record(Type.String(), Type.String())),
});

const Settings = {
  Runtime: Type.Optional(Type.String()),
  Handler: Type.Optional(Type.String({ maxLength: 128 })),
  Role: Type.Optional(Type.String()),
  Description: Type.Optional(Type.String({ maxLength: 256 })),
  MemorySize: Type.Optional(Type.Integer({ minimum: 128, maximum: 10240 })),
  Timeout: Type.Optional(Type.Integer({ minimum: 1, maximum: 900 })),
  Environment: Type.Optional(Environment),
  EphemeralStorage: Type.Optional(Type.Object({ Size: Type.Integer({ minimum: 512, maximum: 10240 }) })),
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

export const CreateFunctionBody = Type.Object({
  FunctionName: Type.String({ minLength: 1, maxLength: 140 }),
  Code,
  Publish: Type.Optional(Type.Boolean()),
  PackageType: Type.Optional(Type.String()),
  ...Settings,
  ...CreateOnlySchema,
  Role: Type.String(),
});

export const UpdateCodeBody = Type.Object({
  ZipFile: Type.Optional(Type.String()),
  S3Bucket: Type.Optional(Type.String()),
  S3Key: Type.Optional(Type.String()),
  S3ObjectVersion: Type.Optional(Type.String()),
  ImageUri: Type.Optional(Type.String()),
  Publish: Type.Optional(Type.Boolean()),
  DryRun: Type.Optional(Type.Boolean()),
  RevisionId: Type.Optional(Type.String()),
  Architectures: Type.Optional(Type.Array(Type.String())),
});

export const UpdateConfigurationBody = Type.Object({ ...Settings, RevisionId: Type.Optional(Type.String()) });

export const FunctionNameParams = Type.Object({ FunctionName: Type.String({ minLength: 1 }) });

export const QualifierQuery = Type.Object({ Qualifier: Type.Optional(Type.String()) });

export const ListFunctionsQuery = Type.Object({
  Marker: Type.Optional(Type.String()),
  MaxItems: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
  FunctionVersion: Type.Optional(Type.Literal('ALL')),
  MasterRegion: Type.Optional(Type.String()),
});
