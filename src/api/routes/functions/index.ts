import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { toFunctionConfiguration } from '../../../control-plane/function-model.js';
import type { FunctionService } from '../../../control-plane/function-service.js';
import { validationError } from '../../../shared/errors.js';
import {
  CreateFunctionBody,
  FunctionNameParams,
  ListFunctionsQuery,
  QualifierQuery,
  UpdateCodeBody,
  UpdateConfigurationBody,
} from './schemas.js';
import { registerZipBodyParser } from './zip-body-parser.js';

/** AWS's request limit for CreateFunction and UpdateFunctionCode (a 50 MB zip, base64, in JSON). */
export const REQUEST_LIMIT = 70_167_211;

export interface FunctionRoutesOptions {
  functions: FunctionService;
  /** Where GetFunction's `Code.Location` points: a download URL for the function's zip, on the host the client used. */
  codeLocation: (sha256Hex: string, host: string | undefined) => string;
}

/** CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions, UpdateFunctionCode/Configuration, DeleteFunction. */
export const functionRoutes: FastifyPluginAsyncTypebox<FunctionRoutesOptions> = async (app, { functions, codeLocation }) => {
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
      return reply.code(201).send(configuration(record));
    },
  );

  app.get('/2015-03-31/functions', { schema: { querystring: ListFunctionsQuery } }, async (request) => {
    const maxItems = request.query.MaxItems === undefined ? undefined : Number(request.query.MaxItems);
    if (maxItems !== undefined && (maxItems < 1 || maxItems > 10000)) {
      throw validationError(
        `1 validation error detected: Value '${maxItems}' at 'maxItems' failed to satisfy constraint: ` +
          `Member must have value ${maxItems < 1 ? 'greater than or equal to 1' : 'less than or equal to 10000'}`,
      );
    }
    const page = await functions.list(request.query.Marker, maxItems);
    const body: Record<string, unknown> = { Functions: page.records.map(configuration) };
    if (page.nextMarker !== undefined) body.NextMarker = page.nextMarker;
    return body;
  });

  app.get(
    '/2015-03-31/functions/:FunctionName',
    { schema: { params: FunctionNameParams, querystring: QualifierQuery } },
    async (request) => {
      const record = await functions.get(request.params.FunctionName, request.query.Qualifier);
      return {
        Configuration: configuration(record),
        Code: { RepositoryType: 'S3', Location: codeLocation(record.code.sha256Hex, request.headers.host) },
      };
    },
  );

  app.get(
    '/2015-03-31/functions/:FunctionName/configuration',
    { schema: { params: FunctionNameParams, querystring: QualifierQuery } },
    async (request) => configuration(await functions.get(request.params.FunctionName, request.query.Qualifier)),
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
