import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { toListedConfiguration } from '../../../control-plane/function-extras.js';
import { getVersionOf, toFunctionConfiguration, type FunctionVersionRecord } from '../../../control-plane/function-model.js';
import type { FunctionService } from '../../../control-plane/function-service.js';
import { Violations } from '../../../shared/violations.js';
import { parseMaxItems } from '../../list-params.js';
import {
  CreateFunctionBody,
  FunctionNameParams,
  ListFunctionsQuery,
  QualifierQuery,
  UpdateCodeBody,
  UpdateConfigurationBody,
} from './schemas.js';
import { getCreateView } from './views.js';
import { registerZipBodyParser } from './zip-body-parser.js';

/** AWS's request limit for CreateFunction and UpdateFunctionCode (a 50 MB zip, base64, in JSON). */
export const REQUEST_LIMIT = 70_167_211;

export interface FunctionRoutesOptions {
  functions: FunctionService;
  /** A function's tags, for GetFunction. */
  fetchTags: (functionName: string) => Promise<Record<string, string>>;
  /** A function's reserved concurrency, for an unqualified GetFunction. */
  fetchReservedConcurrency: (functionName: string) => Promise<number | undefined>;
  /** Where GetFunction's `Code.Location` points: a download URL for the function's zip, on the host the client used. */
  codeLocation: (sha256Hex: string, host: string | undefined) => string;
}

/** CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions, UpdateFunctionCode/Configuration, DeleteFunction. */
export const functionRoutes: FastifyPluginAsyncTypebox<FunctionRoutesOptions> = async (app, { functions, fetchTags, fetchReservedConcurrency, codeLocation }) => {
  const configuration = (record: FunctionVersionRecord, arnQualifier?: string) =>
    toFunctionConfiguration(record, functions.scope, arnQualifier);
  /** Listed versions always show their qualified ARN (`:$LATEST` too). */
  const listed = (record: FunctionVersionRecord) => toListedConfiguration(configuration(record, getVersionOf(record)));
  registerZipBodyParser(app, REQUEST_LIMIT);

  app.post(
    '/2015-03-31/functions',
    { config: { operation: 'CreateFunction', requestLimit: REQUEST_LIMIT }, schema: { body: CreateFunctionBody } },
    async (request, reply) => {
      const { body, uploadedZip } = request;
      const record = await functions.create(
        uploadedZip === undefined ? body : { ...body, Code: { ...body.Code, ZipFile: uploadedZip } },
      );
      // With Publish, AWS answers version 1's configuration under the unqualified ARN.
      const created = { ...configuration(record), FunctionArn: functions.arnOf(record.name) };
      return reply.code(201).send(getCreateView(created));
    },
  );

  app.get('/2015-03-31/functions', { schema: { querystring: ListFunctionsQuery } }, async (request) => {
    const { MaxItems, FunctionVersion, Marker } = request.query;
    const violations = new Violations();
    if (FunctionVersion !== undefined && FunctionVersion !== 'ALL') {
      violations.add('functionVersion', FunctionVersion, 'Member must satisfy enum value set: [ALL]');
    }
    const maxItems = parseMaxItems(MaxItems, violations);
    violations.throwIfAny();
    const page = FunctionVersion === 'ALL' ? await functions.listAllVersions(Marker, maxItems) : await functions.list(Marker, maxItems);
    const body: Record<string, unknown> = {
      Functions: page.records.map((r) => (FunctionVersion === 'ALL' ? listed(r) : toListedConfiguration(configuration(r)))),
    };
    if (page.nextMarker !== undefined) body.NextMarker = page.nextMarker;
    return body;
  });

  app.get(
    '/2015-03-31/functions/:FunctionName',
    { schema: { params: FunctionNameParams, querystring: QualifierQuery } },
    async (request) => {
      const { record, qualifier } = await functions.resolve(request.params.FunctionName, request.query.Qualifier);
      const [tags, reserved] = await Promise.all([
        fetchTags(record.name),
        qualifier === undefined ? fetchReservedConcurrency(record.name) : undefined,
      ]);
      return {
        Configuration: configuration(record, qualifier),
        Code:
          record.code.image === undefined
            ? { RepositoryType: 'S3', Location: codeLocation(record.code.sha256Hex, request.headers.host) }
            : { ImageUri: record.code.image.uri, RepositoryType: 'ECR', ResolvedImageUri: record.code.image.resolvedUri },
        // AWS leaves Tags out when the function has none, and Concurrency when nothing is reserved.
        ...(Object.keys(tags).length > 0 ? { Tags: tags } : {}),
        ...(reserved === undefined ? {} : { Concurrency: { ReservedConcurrentExecutions: reserved } }),
      };
    },
  );

  app.get(
    '/2015-03-31/functions/:FunctionName/configuration',
    { schema: { params: FunctionNameParams, querystring: QualifierQuery } },
    async (request) => {
      const { record, qualifier } = await functions.resolve(request.params.FunctionName, request.query.Qualifier);
      return configuration(record, qualifier);
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
