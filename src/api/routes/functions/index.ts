import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { toListedConfiguration } from '../../../control-plane/function-extras.js';
import { toFunctionConfiguration } from '../../../control-plane/function-model.js';
import type { FunctionService } from '../../../control-plane/function-service.js';
import { Violations } from '../../../shared/violations.js';
import {
  CreateFunctionBody,
  FunctionNameParams,
  ListFunctionsQuery,
  QualifierQuery,
  UpdateCodeBody,
  UpdateConfigurationBody,
} from './schemas.js';
import { getCreateView, getQualifiedView } from './views.js';
import { registerZipBodyParser } from './zip-body-parser.js';

/** AWS's request limit for CreateFunction and UpdateFunctionCode (a 50 MB zip, base64, in JSON). */
export const REQUEST_LIMIT = 70_167_211;

export interface FunctionRoutesOptions {
  functions: FunctionService;
  /** A function's tags, for GetFunction. */
  fetchTags: (functionName: string) => Promise<Record<string, string>>;
  /** Where GetFunction's `Code.Location` points: a download URL for the function's zip, on the host the client used. */
  codeLocation: (sha256Hex: string, host: string | undefined) => string;
}

/** CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions, UpdateFunctionCode/Configuration, DeleteFunction. */
export const functionRoutes: FastifyPluginAsyncTypebox<FunctionRoutesOptions> = async (app, { functions, fetchTags, codeLocation }) => {
  const configuration = (record: Parameters<typeof toFunctionConfiguration>[0]) =>
    toFunctionConfiguration(record, functions.scope);
  registerZipBodyParser(app, REQUEST_LIMIT);

  app.post(
    '/2015-03-31/functions',
    { config: { operation: 'CreateFunction', requestLimit: REQUEST_LIMIT }, schema: { body: CreateFunctionBody } },
    async (request, reply) => {
      const { body, uploadedZip } = request;
      const record = await functions.create(
        uploadedZip === undefined ? body : { ...body, Code: { ...body.Code, ZipFile: uploadedZip } },
      );
      return reply.code(201).send(getCreateView(configuration(record)));
    },
  );

  app.get('/2015-03-31/functions', { schema: { querystring: ListFunctionsQuery } }, async (request) => {
    const { MaxItems, FunctionVersion, Marker } = request.query;
    const maxItems = MaxItems === undefined ? undefined : Number(MaxItems);
    const violations = new Violations();
    if (FunctionVersion !== undefined && FunctionVersion !== 'ALL') {
      violations.add('functionVersion', FunctionVersion, 'Member must satisfy enum value set: [ALL]');
    }
    if (maxItems !== undefined && maxItems < 1) violations.add('maxItems', maxItems, 'Member must have value greater than or equal to 1');
    if (maxItems !== undefined && maxItems > 10000) violations.add('maxItems', maxItems, 'Member must have value less than or equal to 10000');
    violations.throwIfAny();
    const page = await functions.list(Marker, maxItems);
    const qualifier = FunctionVersion === 'ALL' ? '$LATEST' : undefined;
    const body: Record<string, unknown> = {
      Functions: page.records.map((r) => getQualifiedView(toListedConfiguration(configuration(r)), qualifier)),
    };
    if (page.nextMarker !== undefined) body.NextMarker = page.nextMarker;
    return body;
  });

  app.get(
    '/2015-03-31/functions/:FunctionName',
    { schema: { params: FunctionNameParams, querystring: QualifierQuery } },
    async (request) => {
      const { record, qualifier } = await functions.resolve(request.params.FunctionName, request.query.Qualifier);
      const tags = await fetchTags(record.name);
      return {
        Configuration: getQualifiedView(configuration(record), qualifier),
        Code: { RepositoryType: 'S3', Location: codeLocation(record.code.sha256Hex, request.headers.host) },
        // AWS leaves Tags out when the function has none.
        ...(Object.keys(tags).length > 0 ? { Tags: tags } : {}),
      };
    },
  );

  app.get(
    '/2015-03-31/functions/:FunctionName/configuration',
    { schema: { params: FunctionNameParams, querystring: QualifierQuery } },
    async (request) => {
      const { record, qualifier } = await functions.resolve(request.params.FunctionName, request.query.Qualifier);
      return getQualifiedView(configuration(record), qualifier);
    },
  );

  app.put(
    '/2015-03-31/functions/:FunctionName/code',
    { config: { operation: 'UpdateFunctionCode', requestLimit: REQUEST_LIMIT }, schema: { params: FunctionNameParams, body: UpdateCodeBody } },
    async (request) => {
      const { body, uploadedZip } = request;
      const input = uploadedZip === undefined ? body : { ...body, ZipFile: uploadedZip };
      return configuration(await functions.updateCode(request.params.FunctionName, input));
    },
  );

  app.put(
    '/2015-03-31/functions/:FunctionName/configuration',
    { schema: { params: FunctionNameParams, body: UpdateConfigurationBody } },
    async (request) => configuration(await functions.updateConfiguration(request.params.FunctionName, request.body)),
  );

  app.delete(
    '/2015-03-31/functions/:FunctionName',
    { schema: { params: FunctionNameParams, querystring: QualifierQuery } },
    async (request, reply) => {
      await functions.remove(request.params.FunctionName, request.query.Qualifier);
      return reply.code(204).send();
    },
  );
};
