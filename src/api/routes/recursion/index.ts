import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { RecursionConfigService } from '../../../control-plane/recursion/recursion-config.js';
import { FunctionNameParams } from '../functions/schemas.js';

/** Any JSON value: the service answers a wrong one with AWS's ValidationException. */
const PutRecursionBody = Type.Object({ RecursiveLoop: Type.Optional(Type.Unknown()) });
const PATH = '/2024-08-31/functions/:FunctionName/recursion-config';

/** PutFunctionRecursionConfig and GetFunctionRecursionConfig (2024-08-31). */
export const recursionRoutes: FastifyPluginAsyncTypebox<{ recursion: RecursionConfigService }> = async (app, { recursion }) => {
  app.put(PATH, { schema: { params: FunctionNameParams, body: PutRecursionBody } }, async (request) =>
    recursion.put(request.params.FunctionName, request.body.RecursiveLoop),
  );
  app.get(PATH, { schema: { params: FunctionNameParams } }, async (request) => recursion.get(request.params.FunctionName));
};
