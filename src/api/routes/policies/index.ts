import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FunctionPolicyService } from '../../../control-plane/policies/function-policy-service.js';
import { AddPermissionBody, PolicyParams, PolicyQuery, RemovePermissionQuery, StatementParams } from './schemas.js';

const PATH = '/2015-03-31/functions/:FunctionName/policy';

/** AddPermission / RemovePermission / GetPolicy (2015-03-31): the resource-based policy of a function's qualifier. */
export const policyRoutes: FastifyPluginAsyncTypebox<{ policies: FunctionPolicyService }> = async (app, { policies }) => {
  app.post(PATH, { schema: { params: PolicyParams, querystring: PolicyQuery, body: Type.Optional(AddPermissionBody) } }, async (request, reply) => {
    const added = await policies.addPermission(request.params.FunctionName, request.query.Qualifier, request.body ?? {});
    return reply.code(201).send(added);
  });
  app.get(PATH, { schema: { params: PolicyParams, querystring: PolicyQuery } }, async (request) =>
    policies.getPolicy(request.params.FunctionName, request.query.Qualifier),
  );
  app.delete(`${PATH}/:StatementId`, { schema: { params: StatementParams, querystring: RemovePermissionQuery } }, async (request, reply) => {
    const { Qualifier, RevisionId } = request.query;
    await policies.removePermission(request.params.FunctionName, request.params.StatementId, Qualifier, RevisionId);
    return reply.code(204).send();
  });
};
