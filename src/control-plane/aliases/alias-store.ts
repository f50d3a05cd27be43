import type { AliasRecord } from './alias-model.js';

export type PutAliasResult =
  | { kind: 'stored' }
  | { kind: 'no-function' }
  /** Create: an alias of that name exists. */
  | { kind: 'exists' }
  /** Update: no alias of that name. */
  | { kind: 'no-alias' }
  | { kind: 'revision-mismatch' }
  | { kind: 'no-version'; version: string };

/** Where aliases live; one implementation per backend. */
export interface AliasStore {
  loadAlias(functionName: string, aliasName: string): Promise<AliasRecord | undefined>;
  /** Every alias of a function, in name order. */
  listAliases(functionName: string): Promise<AliasRecord[]>;
  /**
   * Creates the alias (`expectedRevisionId` undefined) or replaces it while its RevisionId is still the one
   * given; every published version it routes to must exist, checked in the same step.
   */
  putAlias(functionName: string, alias: AliasRecord, expectedRevisionId?: string): Promise<PutAliasResult>;
  /** False when the function or the alias did not exist. */
  removeAlias(functionName: string, aliasName: string): Promise<'removed' | 'no-function' | 'no-alias'>;
}
