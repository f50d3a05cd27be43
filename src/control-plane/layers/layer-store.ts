import type { LayerVersionRecord } from './layer-model.js';

/** A layer version before its number is given (the store gives it, atomically). */
export type NewLayerVersion = Omit<LayerVersionRecord, 'version'>;

/** Where layers live. The store also holds each version's code (the code store counts those holders). */
export interface LayerStore {
  /** Stores a new version under the layer's next number (never one used before) and answers it. */
  publish(record: NewLayerVersion): Promise<LayerVersionRecord>;
  load(layerName: string, version: number): Promise<LayerVersionRecord | undefined>;
  /** Every version of one layer, newest first. */
  listVersions(layerName: string): Promise<LayerVersionRecord[]>;
  /** Names of layers with at least one version, in name order, after `marker`. */
  listNames(marker: string | undefined, count: number): Promise<string[]>;
  /** Removes a version and its hold on its code; answers it, or undefined when there was none. */
  remove(layerName: string, version: number): Promise<LayerVersionRecord | undefined>;
}
