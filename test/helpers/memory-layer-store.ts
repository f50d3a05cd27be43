import type { LayerVersionRecord } from '../../src/control-plane/layers/layer-model.js';
import type { LayerStore, NewLayerVersion } from '../../src/control-plane/layers/layer-store.js';

/** The layer store contract in memory, for tests. */
export class MemoryLayerStore implements LayerStore {
  readonly versions = new Map<string, Map<number, LayerVersionRecord>>();
  readonly lastVersions = new Map<string, number>();

  async publish(record: NewLayerVersion): Promise<LayerVersionRecord> {
    const version = (this.lastVersions.get(record.layerName) ?? 0) + 1;
    this.lastVersions.set(record.layerName, version);
    const stored = { ...structuredClone(record), version };
    const versions = this.versions.get(record.layerName) ?? new Map<number, LayerVersionRecord>();
    versions.set(version, stored);
    this.versions.set(record.layerName, versions);
    return structuredClone(stored);
  }

  async load(layerName: string, version: number): Promise<LayerVersionRecord | undefined> {
    const record = this.versions.get(layerName)?.get(version);
    return record === undefined ? undefined : structuredClone(record);
  }

  async listVersions(layerName: string): Promise<LayerVersionRecord[]> {
    return [...(this.versions.get(layerName)?.values() ?? [])].map((v) => structuredClone(v)).sort((a, b) => b.version - a.version);
  }

  async listNames(marker: string | undefined, count: number): Promise<string[]> {
    return [...this.versions.entries()]
      .filter(([name, versions]) => versions.size > 0 && (marker === undefined || name > marker))
      .map(([name]) => name)
      .sort()
      .slice(0, count);
  }

  async remove(layerName: string, version: number): Promise<LayerVersionRecord | undefined> {
    const record = this.versions.get(layerName)?.get(version);
    this.versions.get(layerName)?.delete(version);
    return record;
  }

  countCodeReferences(sha256Hex: string): number {
    return [...this.versions.values()].flatMap((m) => [...m.values()]).filter((r) => r.code.sha256Hex === sha256Hex).length;
  }
}
