import type { CodeReferences } from '../../src/control-plane/code/code-store.js';
import type { FunctionRecord } from '../../src/control-plane/function-model.js';
import type { FunctionPage, FunctionStore, ReplaceResult } from '../../src/control-plane/function-store.js';

/** The FunctionStore contract in memory, for tests: each record holds its code. */
export class MemoryFunctionStore implements FunctionStore, CodeReferences {
  readonly records = new Map<string, FunctionRecord>();

  async insert(record: FunctionRecord): Promise<boolean> {
    if (this.records.has(record.name)) return false;
    this.records.set(record.name, structuredClone(record));
    return true;
  }

  async load(name: string): Promise<FunctionRecord | undefined> {
    const record = this.records.get(name);
    return record === undefined ? undefined : structuredClone(record);
  }

  async replace(record: FunctionRecord, expected: string): Promise<ReplaceResult> {
    const current = this.records.get(record.name);
    if (current === undefined) return 'missing';
    if (current.revisionId !== expected) return 'revision-mismatch';
    this.records.set(record.name, structuredClone(record));
    return 'replaced';
  }

  async remove(name: string): Promise<FunctionRecord | undefined> {
    const removed = this.records.get(name);
    this.records.delete(name);
    return removed;
  }

  async list(marker: string | undefined, maxItems: number): Promise<FunctionPage> {
    const names = [...this.records.keys()].sort().filter((n) => marker === undefined || n > marker);
    const page = names.slice(0, maxItems);
    const records = page.map((n) => structuredClone(this.records.get(n) as FunctionRecord));
    const last = page[page.length - 1];
    return names.length > maxItems && last !== undefined ? { records, nextMarker: last } : { records };
  }

  async countCodeReferences(sha256Hex: string): Promise<number> {
    return [...this.records.values()].filter((r) => r.code.sha256Hex === sha256Hex).length;
  }
}
