import { Type } from '@sinclair/typebox';

/**
 * The configuration fields of function-extras.ts, typed loosely: their values are checked in the control
 * plane, which words each failure as AWS does.
 */
export const ExtraSettingsSchema = {
  VpcConfig: Type.Optional(
    Type.Object({
      SubnetIds: Type.Optional(Type.Array(Type.String())),
      SecurityGroupIds: Type.Optional(Type.Array(Type.String())),
      Ipv6AllowedForDualStack: Type.Optional(Type.Boolean()),
    }),
  ),
  KMSKeyArn: Type.Optional(Type.String()),
  TracingConfig: Type.Optional(Type.Object({ Mode: Type.Optional(Type.String()) })),
  SnapStart: Type.Optional(Type.Object({ ApplyOn: Type.Optional(Type.String()) })),
  LoggingConfig: Type.Optional(
    Type.Object({
      LogFormat: Type.Optional(Type.String()),
      ApplicationLogLevel: Type.Optional(Type.String()),
      SystemLogLevel: Type.Optional(Type.String()),
      LogGroup: Type.Optional(Type.String()),
    }),
  ),
  Layers: Type.Optional(Type.Array(Type.String())),
  DeadLetterConfig: Type.Optional(Type.Object({ TargetArn: Type.Optional(Type.String()) })),
  FileSystemConfigs: Type.Optional(Type.Array(Type.Unknown())),
  ImageConfig: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  CapacityProviderConfig: Type.Optional(Type.Unknown()),
  DurableConfig: Type.Optional(Type.Unknown()),
};

/** CreateFunction only. */
export const CreateOnlySchema = {
  Tags: Type.Optional(Type.Record(Type.String(), Type.String())),
  CodeSigningConfigArn: Type.Optional(Type.String()),
  TenancyConfig: Type.Optional(Type.Unknown()),
  PublishTo: Type.Optional(Type.String()),
};
