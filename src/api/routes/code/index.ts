import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { CodeStore } from '../../../control-plane/code/code-store.js';
import { LambdaError } from '../../../shared/errors.js';
import { UNAUTHENTICATED } from '../../authentication.js';

export const CODE_PATH = '/_lambdock/code';

/**
 * Where GetFunction's `Code.Location` points: the function's zip, by its SHA-256. Open with authentication
 * on, as AWS's presigned S3 URL is (clients download it unsigned) and as the workers fetch code from it.
 */
export const codeRoutes: FastifyPluginAsyncTypebox<{ code: CodeStore }> = async (app, { code }) => {
  app.get(
    `${CODE_PATH}/:sha.zip`,
    { config: UNAUTHENTICATED, schema: { params: Type.Object({ sha: Type.String({ pattern: '^[0-9a-f]{64}$' }) }) } },
    async (request, reply) => {
      const file = code.getZipPath(request.params.sha);
      const info = await stat(file).catch(() => undefined);
      if (info === undefined) throw new LambdaError('ResourceNotFoundException', 'Code not found.');
      return reply.type('application/zip').header('content-length', info.size).send(createReadStream(file));
    },
  );
};
