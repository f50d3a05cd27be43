import { Type } from '@sinclair/typebox';

export const ResourceParams = Type.Object({ Resource: Type.String({ minLength: 1 }) });

export const TagResourceBody = Type.Object({ Tags: Type.Optional(Type.Record(Type.String(), Type.String())) });

export const UntagResourceQuery = Type.Object({
  tagKeys: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
});
