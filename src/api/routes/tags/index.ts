import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TagService } from '../../../control-plane/tag-service.js';
import { ResourceParams, TagResourceBody, UntagResourceQuery } from './schemas.js';

/** ListTags, TagResource, UntagResource: `/2017-03-31/tags/{Resource}`. */
export const tagRoutes: FastifyPluginAsyncTypebox<{ tags: TagService }> = async (app, { tags }) => {
  app.get('/2017-03-31/tags/:Resource', { schema: { params: ResourceParams } }, async (request) => ({
    Tags: await tags.list(request.params.Resource),
  }));

  app.post(
    '/2017-03-31/tags/:Resource',
    { schema: { params: ResourceParams, body: TagResourceBody } },
    async (request, reply) => {
      await tags.tag(request.params.Resource, request.body.Tags);
      return reply.code(204).send();
    },
  );

  app.delete(
    '/2017-03-31/tags/:Resource',
    { schema: { params: ResourceParams, querystring: UntagResourceQuery } },
    async (request, reply) => {
      const keys = request.query.tagKeys;
      await tags.untag(request.params.Resource, keys === undefined ? [] : Array.isArray(keys) ? keys : [keys]);
      return reply.code(204).send();
    },
  );
};
