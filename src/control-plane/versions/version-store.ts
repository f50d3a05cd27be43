import type { FunctionRecord, VersionRecord } from '../function-model.js';
import type { ReplaceResult } from '../function-store.js';

export type PublishResult = 'published' | 'missing' | 'revision-mismatch' | 'number-taken';

export type RemoveVersionResult =
  | { kind: 'removed'; record: VersionRecord }
  | { kind: 'no-function' }
  | { kind: 'no-version' }
  /** Aliases route to the version: it stays. */
  | { kind: 'in-use'; aliases: string[] };

/** Where published versions live; one implementation per backend. */
export interface VersionStore {
  /** The number of the last version published (0 before the first); numbers are never reused. */
  loadLastVersionNumber(name: string): Promise<number>;
  loadVersion(name: string, version: string): Promise<VersionRecord | undefined>;
  /** Every published version of a function, in number order. */
  listVersions(name: string): Promise<VersionRecord[]>;
  /**
   * Stores `record` as version `record.version` and `latest` (with its new RevisionId) as `$LATEST`, while
   * `$LATEST` still has RevisionId `expectedLatestRevisionId` and the last version published is still
   * `record.version - 1` ('number-taken' otherwise).
   */
  publish(record: VersionRecord, latest: FunctionRecord, expectedLatestRevisionId: string): Promise<PublishResult>;
  /** Replaces a version's record (its activation's outcome) while its RevisionId is still `expectedRevisionId`. */
  settleVersion(record: VersionRecord, expectedRevisionId: string): Promise<ReplaceResult>;
  /** Removes a version, unless an alias routes to it. */
  removeVersion(name: string, version: string): Promise<RemoveVersionResult>;
}
