import { getRoutedVersions, type AliasRecord } from '../../src/control-plane/aliases/alias-model.js';
import type { AliasStore, PutAliasResult } from '../../src/control-plane/aliases/alias-store.js';
import type { CodeReferences } from '../../src/control-plane/code/code-store.js';
import { LATEST, type FunctionRecord, type VersionRecord } from '../../src/control-plane/function-model.js';
import type { FunctionPage, FunctionStore, RemovedFunction, ReplaceResult } from '../../src/control-plane/function-store.js';
import type { PublishResult, RemoveVersionResult, VersionStore } from '../../src/control-plane/versions/version-store.js';

/** The function, version and alias store contracts in memory, for tests: each record holds its code. */
export class MemoryFunctionStore implements FunctionStore, VersionStore, AliasStore, CodeReferences {
  readonly records = new Map<string, FunctionRecord>();
  readonly versions = new Map<string, Map<string, VersionRecord>>();
  readonly lastVersions = new Map<string, number>();
  readonly aliases = new Map<string, Map<string, AliasRecord>>();

  /** This one object as the stores a FunctionService takes. */
  get stores() {
    return { functions: this, versions: this, aliases: this };
  }

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

  async remove(name: string): Promise<RemovedFunction | undefined> {
    const removed = this.records.get(name);
    const versionCode = [...(this.versions.get(name)?.values() ?? [])].map((v) => v.code.sha256Hex);
    this.records.delete(name);
    this.versions.delete(name);
    this.lastVersions.delete(name);
    this.aliases.delete(name);
    if (removed === undefined) return undefined;
    return { record: removed, releasedCode: [...new Set([removed.code.sha256Hex, ...versionCode])] };
  }

  async list(marker: string | undefined, maxItems: number): Promise<FunctionPage> {
    const names = [...this.records.keys()].sort().filter((n) => marker === undefined || n > marker);
    const page = names.slice(0, maxItems);
    const records = page.map((n) => structuredClone(this.records.get(n) as FunctionRecord));
    const last = page[page.length - 1];
    return names.length > maxItems && last !== undefined ? { records, nextMarker: last } : { records };
  }

  async countCodeReferences(sha256Hex: string): Promise<number> {
    const versions = [...this.versions.values()].flatMap((m) => [...m.values()]);
    return [...this.records.values(), ...versions].filter((r) => r.code.sha256Hex === sha256Hex).length;
  }

  async loadLastVersionNumber(name: string): Promise<number> {
    return this.lastVersions.get(name) ?? 0;
  }

  async loadVersion(name: string, version: string): Promise<VersionRecord | undefined> {
    const record = this.versions.get(name)?.get(version);
    return record === undefined ? undefined : structuredClone(record);
  }

  async listVersions(name: string): Promise<VersionRecord[]> {
    return [...(this.versions.get(name)?.values() ?? [])].map((v) => structuredClone(v)).sort((a, b) => Number(a.version) - Number(b.version));
  }

  async publish(record: VersionRecord, latest: FunctionRecord, expectedLatestRevisionId: string): Promise<PublishResult> {
    const current = this.records.get(record.name);
    if (current === undefined) return 'missing';
    if (current.revisionId !== expectedLatestRevisionId) return 'revision-mismatch';
    if ((this.lastVersions.get(record.name) ?? 0) !== Number(record.version) - 1) return 'number-taken';
    const versions = this.versions.get(record.name) ?? new Map<string, VersionRecord>();
    versions.set(record.version, structuredClone(record));
    this.versions.set(record.name, versions);
    this.lastVersions.set(record.name, Number(record.version));
    this.records.set(record.name, structuredClone(latest));
    return 'published';
  }

  async settleVersion(record: VersionRecord, expectedRevisionId: string): Promise<ReplaceResult> {
    const current = this.versions.get(record.name)?.get(record.version);
    if (current === undefined) return 'missing';
    if (current.revisionId !== expectedRevisionId) return 'revision-mismatch';
    this.versions.get(record.name)?.set(record.version, structuredClone(record));
    return 'replaced';
  }

  async removeVersion(name: string, version: string): Promise<RemoveVersionResult> {
    if (!this.records.has(name)) return { kind: 'no-function' };
    const record = this.versions.get(name)?.get(version);
    if (record === undefined) return { kind: 'no-version' };
    const users = [...(this.aliases.get(name)?.values() ?? [])].filter((a) => getRoutedVersions(a).includes(version));
    if (users.length > 0) return { kind: 'in-use', aliases: users.map((a) => a.name).sort() };
    this.versions.get(name)?.delete(version);
    return { kind: 'removed', record };
  }

  async loadAlias(functionName: string, aliasName: string): Promise<AliasRecord | undefined> {
    const alias = this.aliases.get(functionName)?.get(aliasName);
    return alias === undefined ? undefined : structuredClone(alias);
  }

  async listAliases(functionName: string): Promise<AliasRecord[]> {
    return [...(this.aliases.get(functionName)?.values() ?? [])].map((a) => structuredClone(a)).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async putAlias(functionName: string, alias: AliasRecord, expectedRevisionId?: string): Promise<PutAliasResult> {
    if (!this.records.has(functionName)) return { kind: 'no-function' };
    const aliases = this.aliases.get(functionName) ?? new Map<string, AliasRecord>();
    const current = aliases.get(alias.name);
    if (expectedRevisionId === undefined && current !== undefined) return { kind: 'exists' };
    if (expectedRevisionId !== undefined && current === undefined) return { kind: 'no-alias' };
    if (expectedRevisionId !== undefined && current?.revisionId !== expectedRevisionId) return { kind: 'revision-mismatch' };
    for (const version of getRoutedVersions(alias)) {
      if (version !== LATEST && this.versions.get(functionName)?.get(version) === undefined) return { kind: 'no-version', version };
    }
    aliases.set(alias.name, structuredClone(alias));
    this.aliases.set(functionName, aliases);
    return { kind: 'stored' };
  }

  async removeAlias(functionName: string, aliasName: string): Promise<'removed' | 'no-function' | 'no-alias'> {
    if (!this.records.has(functionName)) return 'no-function';
    return this.aliases.get(functionName)?.delete(aliasName) === true ? 'removed' : 'no-alias';
  }
}
