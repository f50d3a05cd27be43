import { LambdaError, invalidParameter, validationError } from '../../shared/errors.js';
import { MAX_UNZIPPED_BYTES, type CodeStore } from '../code/code-store.js';
import { decodeZip, type CodeInput } from '../code/zip-input.js';
import { formatLastModified, type CodeRef } from '../function-model.js';
import type { Scope } from '../function-ref.js';
import {
  checkFunctionLayers,
  checkPublishInput,
  layerVersionMissing,
  matchesFilter,
  parseLayerName,
  parseLayerVersionArn,
  parseVersionNumber,
  type LayerFilter,
  type PublishLayerInput,
} from './layer-input.js';
import type { FunctionLayer, LayerVersionRecord } from './layer-model.js';
import type { LayerStore } from './layer-store.js';

export interface PublishLayerVersionInput extends PublishLayerInput {
  Content?: CodeInput;
}

export interface LayerVersionPage {
  versions: LayerVersionRecord[];
  nextMarker?: string;
}

export interface LayerPage {
  /** Each layer with its newest version that matches the filter. */
  layers: Array<{ layerName: string; latest: LayerVersionRecord }>;
  nextMarker?: string;
}

/** AWS's default (and largest) page of layers and layer versions. */
const PAGE_SIZE_DEFAULT = 50;
/** Names read from the index at a time while filling a page of ListLayers. */
const NAMES_PER_READ = 100;

const notFound = (): LambdaError => new LambdaError('ResourceNotFoundException', 'The resource you requested does not exist.');

/** The layers resource of the Lambda API, and the layers a function names. */
export class LayerService {
  constructor(
    private readonly store: LayerStore,
    private readonly code: CodeStore,
    readonly scope: Scope,
    private readonly onBackgroundError: (error: unknown, layerName: string) => void,
  ) {}

  /** PublishLayerVersion: the next version of the layer (a layer exists once it has a version). */
  async publish(layerNameInput: string, input: PublishLayerVersionInput): Promise<LayerVersionRecord> {
    const layerName = parseLayerName(layerNameInput);
    if (input.Content === undefined) {
      throw validationError("1 validation error detected: Value null at 'content' failed to satisfy constraint: Member must not be null");
    }
    const settings = checkPublishInput(input);
    if (input.Content.ZipFile === undefined && (input.Content.S3Bucket !== undefined || input.Content.S3Key !== undefined)) {
      throw invalidParameter('lambdock does not read layer content from S3 yet: send the zip in Content.ZipFile.');
    }
    const staged = await this.code.stage(decodeZip({ ...(input.Content.ZipFile === undefined ? {} : { ZipFile: input.Content.ZipFile }) }));
    try {
      // Unpacked when a function first runs with it (a layer no function uses takes no room unpacked).
      return await this.store.publish({ layerName, ...settings, code: staged.ref, createdDate: formatLastModified(new Date()) });
    } finally {
      await staged.release();
    }
  }

  async get(layerNameInput: string, versionInput: string): Promise<LayerVersionRecord> {
    const layerName = parseLayerName(layerNameInput);
    const version = parseVersionNumber(versionInput);
    const record = await this.store.load(layerName, version);
    if (record === undefined) throw notFound();
    return record;
  }

  /** GetLayerVersionByArn. */
  async getByArn(arn: string | undefined): Promise<LayerVersionRecord> {
    const ref = parseLayerVersionArn(arn);
    if (ref.region !== this.scope.region || ref.accountId !== this.scope.accountId) throw notFound();
    const record = await this.store.load(ref.layerName, ref.version);
    if (record === undefined) throw notFound();
    return record;
  }

  /** ListLayerVersions: newest first; a layer without versions lists none (not an error, as on AWS). */
  async listVersions(layerNameInput: string, filter: LayerFilter): Promise<LayerVersionPage> {
    const layerName = parseLayerName(layerNameInput);
    return pageLayerVersions(await this.store.listVersions(layerName), filter);
  }

  /** ListLayers: each layer with a version matching the filter, in name order; the marker is the last name given. */
  async list(filter: LayerFilter): Promise<LayerPage> {
    const maxItems = filter.maxItems ?? PAGE_SIZE_DEFAULT;
    const layers: LayerPage['layers'] = [];
    let after = filter.marker;
    for (;;) {
      const names = await this.store.listNames(after, NAMES_PER_READ);
      for (const layerName of names) {
        const latest = (await this.store.listVersions(layerName)).find((v) => matchesFilter(v, filter));
        if (latest === undefined) continue;
        if (layers.length === maxItems) return { layers, nextMarker: layers[layers.length - 1]?.layerName ?? layerName };
        layers.push({ layerName, latest });
      }
      if (names.length < NAMES_PER_READ) return { layers };
      after = names[names.length - 1];
    }
  }

  /** The zipped size of every layer version (GetAccountSettings counts it with the functions' code). */
  async fetchTotalCodeSize(): Promise<number> {
    let total = 0;
    let after: string | undefined;
    for (;;) {
      const names = await this.store.listNames(after, NAMES_PER_READ);
      for (const name of names) for (const record of await this.store.listVersions(name)) total += record.code.size;
      if (names.length < NAMES_PER_READ) return total;
      after = names[names.length - 1];
    }
  }

  /** DeleteLayerVersion: idempotent (a missing layer or version is no error, as on AWS). */
  async remove(layerNameInput: string, versionInput: string): Promise<void> {
    const layerName = parseLayerName(layerNameInput);
    const version = parseVersionNumber(versionInput);
    const removed = await this.store.remove(layerName, version);
    if (removed === undefined) return;
    this.code.collect(removed.code.sha256Hex).catch((error: unknown) => this.onBackgroundError(error, layerName));
  }

  /**
   * The layers a function's `Layers` names, in its order, with AWS's refusals: a malformed ARN, more than
   * 5, two versions of one layer, another region, a version that does not exist; and function code and
   * layers unzipped past 250 MB together.
   */
  async resolveFunctionLayers(arns: readonly string[], functionCode: CodeRef): Promise<FunctionLayer[]> {
    const refs = checkFunctionLayers(arns, this.scope);
    const layers: FunctionLayer[] = [];
    for (const ref of refs) {
      const record = ref.accountId === this.scope.accountId ? await this.store.load(ref.layerName, ref.version) : undefined;
      if (record === undefined) throw layerVersionMissing(ref.arn);
      layers.push({ arn: ref.arn, code: record.code });
    }
    await this.checkCombinedSize(functionCode, layers);
    return layers;
  }

  /** AWS's limit on a function's code and its layers unzipped together. */
  async checkCombinedSize(functionCode: CodeRef, layers: readonly FunctionLayer[]): Promise<void> {
    if (layers.length === 0) return;
    const sizes = await Promise.all([functionCode, ...layers.map((l) => l.code)].map((ref) => this.code.fetchUnzippedSize(ref)));
    const total = sizes.reduce((sum, size) => sum + size, 0);
    if (total > MAX_UNZIPPED_BYTES) {
      throw invalidParameter(
        `Function code combined with layers exceeds the maximum allowed size of ${MAX_UNZIPPED_BYTES} bytes. The actual size is ${total} bytes.`,
      );
    }
  }
}

/** One page of a layer's versions (newest first) that match the filter; the marker is the last version given. */
export function pageLayerVersions(all: readonly LayerVersionRecord[], filter: LayerFilter): LayerVersionPage {
  const maxItems = filter.maxItems ?? PAGE_SIZE_DEFAULT;
  const after = filter.marker === undefined ? undefined : Number(filter.marker);
  const matching = all.filter((v) => matchesFilter(v, filter) && (after === undefined || Number.isNaN(after) || v.version < after));
  const versions = matching.slice(0, maxItems);
  const last = versions[versions.length - 1];
  return matching.length > maxItems && last !== undefined ? { versions, nextMarker: String(last.version) } : { versions };
}
