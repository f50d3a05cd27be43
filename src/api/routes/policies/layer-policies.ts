import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { LayerPolicyService } from '../../../control-plane/layers/layer-policy-service.js';
import { LayerVersionParams } from '../layers/schemas.js';
import { AddLayerPermissionBody, LayerStatementParams, RevisionQuery } from './schemas.js';

const PATH = '/2018-10-31/layers/:LayerName/versions/:VersionNumber/policy';

/** AddLayerVersionPermission / GetLayerVersionPolicy / RemoveLayerVersionPermission (2018-10-31). */
export const layerPolicyRoutes: FastifyPluginAsyncTypebox<{ layerPolicies: LayerPolicyService }> = async (app, { layerPolicies }) => {
  app.post(PATH, { schema: { params: LayerVersionParams, querystring: RevisionQuery, body: Type.Optional(AddLayerPermissionBody) } }, async (request, reply) => {
    const { LayerName, VersionNumber } = request.params;
    const added = await layerPolicies.addPermission(LayerName, VersionNumber, {
      ...(request.body ?? {}),
      ...(request.query.RevisionId === undefined ? {} : { RevisionId: request.query.RevisionId }),
    });
    return reply.code(201).send(added);
  });
  app.get(PATH, { schema: { params: LayerVersionParams } }, async (request) =>
    layerPolicies.getPolicy(request.params.LayerName, request.params.VersionNumber),
  );
  app.delete(`${PATH}/:StatementId`, { schema: { params: LayerStatementParams, querystring: RevisionQuery } }, async (request, reply) => {
    const { LayerName, VersionNumber, StatementId } = request.params;
    await layerPolicies.removePermission(LayerName, VersionNumber, StatementId, request.query.RevisionId);
    return reply.code(204).send();
  });
};
