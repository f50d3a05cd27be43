import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { UnconfiguredResources } from '../../../control-plane/unconfigured-resources.js';
import {
  FunctionNameParams,
  ListEventSourceMappingsQuery,
  ListQuery,
  QualifierQuery,
} from './schemas.js';

const byName = { params: FunctionNameParams };
const byQualifiedName = { params: FunctionNameParams, querystring: QualifierQuery };
const listing = { params: FunctionNameParams, querystring: ListQuery };

/**
 * The reads deploy tools make right after a create, at AWS's paths (botocore's model). Each group moves to
 * its own resource folder when the issue that builds it lands.
 */
export const functionSubresourceRoutes: FastifyPluginAsyncTypebox<{ resources: UnconfiguredResources }> = async (
  app,
  { resources },
) => {
  // Code signing
  app.get('/2020-06-30/functions/:FunctionName/code-signing-config', { schema: byName }, async (request) =>
    resources.getCodeSigningConfig(request.params.FunctionName),
  );

  // Function URLs
  app.get('/2021-10-31/functions/:FunctionName/url', { schema: byQualifiedName }, async (request) =>
    resources.getFunctionUrlConfig(request.params.FunctionName, request.query.Qualifier),
  );
  app.get('/2021-10-31/functions/:FunctionName/urls', { schema: listing }, async (request) =>
    resources.listFunctionUrlConfigs(request.params.FunctionName),
  );

  // Runtime management
  app.get('/2021-07-20/functions/:FunctionName/runtime-management-config', { schema: byQualifiedName }, async (request) =>
    resources.getRuntimeManagementConfig(request.params.FunctionName, request.query.Qualifier),
  );

  // Event source mappings
  app.get('/2015-03-31/event-source-mappings', { schema: { querystring: ListEventSourceMappingsQuery } }, async (request) =>
    resources.listEventSourceMappings(request.query.FunctionName),
  );
};
