import type { FunctionRecord } from '../../src/control-plane/function-model.js';
import type { FunctionPage, FunctionStore, ReplaceResult } from '../../src/control-plane/function-store.js';

/** The FunctionStore contract, in memory. */
export class MemoryFunctionStore implements FunctionStore {
  readonly records = new Map<string, FunctionRecord>();
  async insert(record: FunctionRecord): Promise<boolean> {
    if (this.records.has(record.name)) return false;
    this.records.set(record.name, structuredClone(record));
    return true;
  }
  async load(name: string): Promise<FunctionRecord | undefined> {
    const r = this.records.get(name);
    return r === undefined ? undefined : structuredClone(r);
  }
  async replace(record: FunctionRecord, expected: string): Promise<ReplaceResult> {
    const current = this.records.get(record.name);
    if (current === undefined) return 'missing';
    if (current.revisionId !== expected) return 'revision-mismatch';
    this.records.set(record.name, structuredClone(record));
    return 'replaced';
  }
  async remove(name: string): Promise<boolean> {
    return this.records.delete(name);
  }
  async list(marker: string | undefined, maxItems: number): Promise<FunctionPage> {
    const names = [...this.records.keys()].sort().filter((n) => marker === undefined || n > marker);
    const page = names.slice(0, maxItems);
    const records = page.map((n) => structuredClone(this.records.get(n) as FunctionRecord));
    return names.length > maxItems ? { records, nextMarker: page[page.length - 1] } : { records };
  }
}

