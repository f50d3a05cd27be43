import type { FunctionRecord } from './function-model.js';

export type ReplaceResult = 'replaced' | 'missing' | 'revision-mismatch';

export interface RemovedFunction {
  /** `$LATEST` as it was. */
  record: FunctionRecord;
  /** The code `$LATEST` and its published versions held (SHA-256 hex, each once). */
  releasedCode: string[];
}

export interface FunctionPage {
  records: FunctionRecord[];
  nextMarker?: string;
}

/** Where function metadata lives. One implementation per backend; services never touch the backend directly. */
export interface FunctionStore {
  /** Stores a new function with its tags, atomically; false when one of that name exists. */
  insert(record: FunctionRecord, tags?: Record<string, string>): Promise<boolean>;
  load(name: string): Promise<FunctionRecord | undefined>;
  /** Replaces the record only while its stored RevisionId is still `expectedRevisionId`. */
  replace(record: FunctionRecord, expectedRevisionId: string): Promise<ReplaceResult>;
  /**
   * Removes the function with its tags, published versions and aliases; answers what was removed, or
   * undefined when there was no function.
   */
  remove(name: string): Promise<RemovedFunction | undefined>;
  /** Functions in name order, starting after `marker`. */
  list(marker: string | undefined, maxItems: number): Promise<FunctionPage>;
}
