import { Type } from '@sinclair/typebox';

export const FunctionNameParams = Type.Object({ FunctionName: Type.String({ minLength: 1 }) });

export const QualifierQuery = Type.Object({ Qualifier: Type.Optional(Type.String()) });

export const ListQuery = Type.Object({
  Marker: Type.Optional(Type.String()),
  MaxItems: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
});

/** Get and List ProvisionedConcurrencyConfig share a path; `?List=ALL` (part of AWS's requestUri) picks List. */
export const ProvisionedConcurrencyQuery = Type.Object({
  Qualifier: Type.Optional(Type.String()),
  List: Type.Optional(Type.String()),
  Marker: Type.Optional(Type.String()),
  MaxItems: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
});

export const ListEventSourceMappingsQuery = Type.Object({
  FunctionName: Type.Optional(Type.String()),
  EventSourceArn: Type.Optional(Type.String()),
  Marker: Type.Optional(Type.String()),
  MaxItems: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
});
