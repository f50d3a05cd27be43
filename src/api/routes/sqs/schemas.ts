import { Type } from '@sinclair/typebox';

/** The headers that choose the protocol and the action (the body is parsed by the protocol, not by Fastify). */
export const SqsHeaders = Type.Object({
  'x-amz-target': Type.Optional(Type.String()),
  'content-type': Type.Optional(Type.String()),
  authorization: Type.Optional(Type.String()),
});

/** A queue URL's path: `/<12-digit account>/<queue name>`. */
export const QueueUrlParams = Type.Object({ account: Type.String(), queueName: Type.String() });
