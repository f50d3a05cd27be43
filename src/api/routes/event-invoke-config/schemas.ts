import { Type } from '@sinclair/typebox';

// Types and structure only: ranges and patterns are checked by the control plane, in AWS's words.

const Destination = Type.Object({ Destination: Type.Optional(Type.String()) });

export const EventInvokeConfigBody = Type.Object({
  MaximumRetryAttempts: Type.Optional(Type.Integer()),
  MaximumEventAgeInSeconds: Type.Optional(Type.Integer()),
  DestinationConfig: Type.Optional(Type.Object({ OnSuccess: Type.Optional(Destination), OnFailure: Type.Optional(Destination) })),
});

export const EventInvokeConfigListQuery = Type.Object({
  Marker: Type.Optional(Type.String()),
  MaxItems: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
});
