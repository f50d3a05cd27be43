import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { checkLayerFilter } from '../../../control-plane/layers/layer-input.js';
import { buildLayerArn, toLayerVersionListItem, toLayerVersionView, type LayerVersionRecord } from '../../../control-plane/layers/layer-model.js';
import type { LayerService } from '../../../control-plane/layers/layer-service.js';
import { REQUEST_LIMIT } from '../functions/index.js';
import { registerZipBodyParser } from '../functions/zip-body-parser.js';
import { LayerListQuery, LayerNameParams, LayerVersionParams, LayersQuery, PublishLayerVersionBody } from './schemas.js';

export interface LayerRoutesOptions {
  layers: LayerService;
  /** Where `Content.Location` points: a download URL for the layer's zip, on the host the client used. */
  codeLocation: (sha256Hex: string, host: string | undefined) => string;
}

/** PublishLayerVersion, GetLayerVersion(ByArn), ListLayers, ListLayerVersions, DeleteLayerVersion. */
export const layerRoutes: FastifyPluginAsyncTypebox<LayerRoutesOptions> = async (app, { layers, codeLocation }) => {
  const view = (record: LayerVersionRecord, host: string | undefined) =>
    toLayerVersionView(record, layers.scope, codeLocation(record.code.sha256Hex, host));
  registerZipBodyParser(app, REQUEST_LIMIT);

  app.post(
    '/2018-10-31/layers/:LayerName/versions',
    { config: { operation: 'PublishLayerVersion', requestLimit: REQUEST_LIMIT }, schema: { params: LayerNameParams, body: PublishLayerVersionBody } },
    async (request, reply) => {
      const { body, uploadedZip } = request;
      const input = uploadedZip === undefined ? body : { ...body, Content: { ...body.Content, ZipFile: uploadedZip } };
      const record = await layers.publish(request.params.LayerName, input);
      return reply.code(201).send(view(record, request.headers.host));
    },
  );

  app.get('/2018-10-31/layers', { schema: { querystring: LayersQuery } }, async (request) => {
    const { find, Arn, ...query } = request.query;
    if (find === 'LayerVersion') return view(await layers.getByArn(Arn), request.headers.host);
    const page = await layers.list(checkLayerFilter(query));
    return {
      Layers: page.layers.map(({ layerName, latest }) => ({
        LayerName: layerName,
        LayerArn: buildLayerArn(layers.scope, layerName),
        LatestMatchingVersion: toLayerVersionListItem(latest, layers.scope),
      })),
      ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }),
    };
  });

  app.get(
    '/2018-10-31/layers/:LayerName/versions',
    { schema: { params: LayerNameParams, querystring: LayerListQuery } },
    async (request) => {
      const page = await layers.listVersions(request.params.LayerName, checkLayerFilter(request.query));
      return {
        LayerVersions: page.versions.map((record) => toLayerVersionListItem(record, layers.scope)),
        ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }),
      };
    },
  );

  app.get('/2018-10-31/layers/:LayerName/versions/:VersionNumber', { schema: { params: LayerVersionParams } }, async (request) =>
    view(await layers.get(request.params.LayerName, request.params.VersionNumber), request.headers.host),
  );

  app.delete('/2018-10-31/layers/:LayerName/versions/:VersionNumber', { schema: { params: LayerVersionParams } }, async (request, reply) => {
    await layers.remove(request.params.LayerName, request.params.VersionNumber);
    return reply.code(204).send();
  });
};
