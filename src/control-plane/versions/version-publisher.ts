import { randomUUID } from 'node:crypto';
import { LambdaError, conflict, functionNotFound, invalidParameter } from '../../shared/errors.js';
import { getPublishFingerprint, withoutReasons, type FunctionRecord, type VersionRecord } from '../function-model.js';
import type { FunctionStore } from '../function-store.js';
import type { VersionStore } from './version-store.js';

/** How often a publish is tried again when another one took the next number first. */
const PUBLISH_ATTEMPTS = 10;
const CREATING = 'The function is being created.';

export interface PublishInput {
  CodeSha256?: string;
  Description?: string;
  RevisionId?: string;
}

/** A publish's outcome: the version, and `$LATEST` as it is now (publishing gives it a new RevisionId). */
export interface Published {
  version: VersionRecord;
  latest: FunctionRecord;
}

export function revisionMismatch(): LambdaError {
  return new LambdaError(
    'PreconditionFailedException',
    'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
  );
}

const updateInProgress = (arn: string): LambdaError =>
  conflict(`The operation cannot be performed at this time. An update is in progress for resource: ${arn}`);

/**
 * A version's snapshot of `$LATEST`: its own number and RevisionId, `description` or else `$LATEST`'s. A
 * version published with a change still being applied (Publish on CreateFunction or UpdateFunctionCode)
 * is Pending until that change's activation settles it.
 */
export function getVersionSnapshot(
  latest: FunctionRecord,
  version: number,
  description: string | undefined,
  latestRevisionAfter: string,
): VersionRecord {
  const snapshot: VersionRecord = {
    ...withoutReasons(latest),
    version: String(version),
    fingerprint: getPublishFingerprint(latest),
    publishedWith: latestRevisionAfter,
    description: description ?? latest.description,
    revisionId: randomUUID(),
  };
  const changing = latest.state === 'Pending' || latest.lastUpdateStatus === 'InProgress';
  if (!changing) return snapshot;
  return { ...snapshot, state: 'Pending', stateReason: CREATING, stateReasonCode: 'Creating', lastUpdateStatus: 'InProgress' };
}

/** A version published with a change, once that change's activation ended as `outcome` (`$LATEST`'s). */
export function getSettledVersion(version: VersionRecord, outcome: FunctionRecord): VersionRecord {
  const fields = withoutReasons(version);
  if (outcome.state !== 'Failed' && outcome.lastUpdateStatus !== 'Failed') {
    return { ...fields, state: 'Active', lastUpdateStatus: 'Successful', revisionId: randomUUID() };
  }
  const reason = outcome.stateReason ?? outcome.lastUpdateStatusReason ?? '';
  const reasonCode = outcome.stateReasonCode ?? outcome.lastUpdateStatusReasonCode ?? '';
  return {
    ...fields,
    state: 'Failed',
    stateReason: reason,
    stateReasonCode: reasonCode,
    lastUpdateStatus: 'Failed',
    lastUpdateStatusReason: reason,
    lastUpdateStatusReasonCode: reasonCode,
    revisionId: randomUUID(),
  };
}

/**
 * PublishVersion: a new numbered snapshot of `$LATEST`, or the last version when nothing changed since it
 * was published. Numbers go up by one per function and are never reused; two publishes at once get
 * different numbers (the store refuses a number already taken, and the loser reads again).
 */
export class VersionPublisher {
  constructor(
    private readonly functions: FunctionStore,
    private readonly versions: VersionStore,
    private readonly arnOf: (name: string, qualifier?: string) => string,
  ) {}

  /** PublishVersion's preconditions (RevisionId, CodeSha256, no change under way), then the publish. */
  async publish(name: string, input: PublishInput): Promise<VersionRecord> {
    for (let attempt = 0; attempt < PUBLISH_ATTEMPTS; attempt += 1) {
      const latest = await this.functions.load(name);
      if (latest === undefined) throw functionNotFound(this.arnOf(name));
      if (input.RevisionId !== undefined && input.RevisionId !== latest.revisionId) throw revisionMismatch();
      if (input.CodeSha256 !== undefined && input.CodeSha256 !== latest.code.codeSha256) {
        throw invalidParameter(
          `CodeSHA256 (${input.CodeSha256}) is different from current CodeSHA256 in $LATEST (${latest.code.codeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
        );
      }
      this.checkPublishable(latest);
      const published = await this.tryPublish(latest, input.Description);
      if (published !== undefined) return published.version;
    }
    throw updateInProgress(this.arnOf(name));
  }

  /**
   * Publishes `latest` as just stored by a create or code update with `Publish` (Pending or InProgress): the
   * version then follows that change's activation (see settle). Answers `$LATEST` with its new RevisionId.
   */
  async publishChange(latest: FunctionRecord): Promise<Published> {
    for (let attempt = 0; attempt < PUBLISH_ATTEMPTS; attempt += 1) {
      const published = await this.tryPublish(latest, undefined);
      if (published !== undefined) return published;
      const current = await this.functions.load(latest.name);
      if (current?.revisionId !== latest.revisionId) throw updateInProgress(this.arnOf(latest.name));
    }
    throw updateInProgress(this.arnOf(latest.name));
  }

  /**
   * Settles the version published with `activated` (the `$LATEST` revision an activation started from), if
   * one was, by that activation's outcome. Called before the outcome of `$LATEST` is stored.
   */
  async settle(activated: FunctionRecord, outcome: FunctionRecord): Promise<void> {
    const last = await this.versions.loadLastVersionNumber(activated.name);
    const version = last === 0 ? undefined : await this.versions.loadVersion(activated.name, String(last));
    if (version === undefined || version.publishedWith !== activated.revisionId || version.state !== 'Pending') return;
    await this.versions.settleVersion(getSettledVersion(version, outcome), version.revisionId);
  }

  /** PublishVersion waits for a create or an update to finish (409). */
  private checkPublishable(latest: FunctionRecord): void {
    if (latest.state === 'Pending') {
      throw conflict('The operation cannot be performed at this time. The function is currently in the following state: Pending');
    }
    if (latest.lastUpdateStatus === 'InProgress') throw updateInProgress(this.arnOf(latest.name));
  }

  /** The version published (or the unchanged last one); undefined when the store moved under it. */
  private async tryPublish(latest: FunctionRecord, description: string | undefined): Promise<Published | undefined> {
    const last = await this.versions.loadLastVersionNumber(latest.name);
    const previous = last === 0 ? undefined : await this.versions.loadVersion(latest.name, String(last));
    if (previous !== undefined && previous.fingerprint === getPublishFingerprint(latest)) return { version: previous, latest };
    const after: FunctionRecord = { ...latest, revisionId: randomUUID() };
    const version = getVersionSnapshot(latest, last + 1, description, after.revisionId);
    const result = await this.versions.publish(version, after, latest.revisionId);
    if (result === 'missing') throw functionNotFound(this.arnOf(latest.name));
    return result === 'published' ? { version, latest: after } : undefined;
  }
}
