import { randomUUID } from 'node:crypto';
import { LambdaError, conflict, functionNotFound, invalidParameter } from '../shared/errors.js';
import { Violations, describeViolation, formatViolations } from '../shared/violations.js';
import { INTERNAL_ERROR, UNRECORDED_REASON, getActivatedRecord, getFailedRecord } from './activation-outcome.js';
import { ActivationRecorder, type ActivationRecorderOptions } from './activation-recorder.js';
import { checkRunnable } from './architecture-support.js';
import type { CodeStore } from './code/code-store.js';
import { CORRUPT_ZIP_MESSAGE } from './code/unzip-errors.js';
import { getExtraSettings, resolveExtraSettings, type ExtraSettingsInput } from './function-extras.js';
import { formatLastModified, type Architecture, type CodeRef, type FunctionRecord } from './function-model.js';
import { checkTags, type Tags } from './function-tags.js';
import {
  MAX_NAME_LENGTH,
  buildFunctionArn,
  checkFunctionName,
  parseFunctionRef,
  parseFunctionTarget,
  splitFunctionName,
  type Scope,
} from './function-ref.js';
import { checkSettingsInput, resolveSettings, type SettingsInput } from './function-settings.js';
import type { FunctionPage, FunctionStore } from './function-store.js';

export interface CodeInput {
  /** Base64 text as in the JSON body, or the bytes already decoded by the API. */
  ZipFile?: string | Buffer;
  S3Bucket?: string;
  S3Key?: string;
  S3ObjectVersion?: string;
  ImageUri?: string;
}

export interface CreateFunctionInput extends SettingsInput, ExtraSettingsInput {
  /** Required; checked here with the other members so that every violation is listed. */
  FunctionName?: string;
  Tags?: Tags;
  Code?: CodeInput;
  Publish?: boolean;
  PackageType?: string;
}

export interface UpdateCodeInput extends CodeInput {
  RevisionId?: string;
  Publish?: boolean;
  DryRun?: boolean;
  Architectures?: string[];
}

export interface UpdateConfigurationInput extends SettingsInput, ExtraSettingsInput {
  RevisionId?: string;
}

/** Work done between accepting a change and reporting the function ready (e.g. making sure its image exists). */
export type Preparer = (record: FunctionRecord) => Promise<void>;

/** Told when a function's `$LATEST` changes or goes away, so environments built for the old one retire. */
export interface FunctionListener {
  functionChanged(name: string): void;
  functionDeleted(name: string): void;
}

export interface AccountUsage {
  functionCount: number;
  totalCodeSize: number;
}

const PAGE_SIZE_DEFAULT = 50;
/** CreateFunction's members in botocore's order (AWS lists violations in it). */
const CREATE_FUNCTION_MEMBERS = [
  'functionName', 'runtime', 'role', 'handler', 'code', 'description', 'timeout', 'memorySize', 'packageType',
  'environment', 'architectures', 'ephemeralStorage',
];
/** How often an update is re-applied when the record moved under it without an update in progress. */
const UPDATE_ATTEMPTS = 5;
/** AWS's alias names: not all digits (that is a version). */
const ALIAS_NAME = /^(?!^[0-9]+$)([a-zA-Z0-9-_]+)$/;

export interface FunctionServiceOptions {
  /** The architectures this host's engine can run (only src/main/ finds out); both when not given. */
  runnableArchitectures?: readonly Architecture[];
  /** How the outcome of an activation is written when the store fails (retries, recovery rounds). */
  activation?: ActivationRecorderOptions;
}

/** The functions resource of the Lambda API: validation, state (Pending → Active), revisions. */
export class FunctionService {
  private readonly listeners: FunctionListener[] = [];
  private readonly activations: ActivationRecorder;
  /** The store, read through the activation recorder (it settles functions stuck Pending / InProgress). */
  private readonly store: FunctionStore;

  constructor(
    store: FunctionStore,
    private readonly code: CodeStore,
    readonly scope: Scope,
    private readonly prepare: Preparer,
    private readonly onBackgroundError: (error: unknown, name: string) => void,
    private readonly options: FunctionServiceOptions = {},
  ) {
    this.activations = new ActivationRecorder(store, (record) => this.activateLater(record), onBackgroundError, options.activation);
    this.store = this.activations.settlingStore();
  }

  /** Stops retrying outcomes that could not be stored (they are resumed at the next start). */
  close(): void {
    this.activations.close();
  }

  addListener(listener: FunctionListener): void {
    this.listeners.push(listener);
  }

  arnOf(name: string, qualifier?: string): string {
    return buildFunctionArn(this.scope, name, qualifier);
  }

  async create(input: CreateFunctionInput): Promise<FunctionRecord> {
    const violations = new Violations(CREATE_FUNCTION_MEMBERS);
    checkFunctionName(input.FunctionName, 'FunctionName', violations);
    if (input.Code === undefined) violations.addNull('code');
    if (input.PackageType !== undefined && input.PackageType !== 'Zip' && input.PackageType !== 'Image') {
      violations.add('packageType', input.PackageType, 'Member must satisfy enum value set: [Zip, Image]');
    }
    const settings = resolveSettings(input, {}, violations);
    const ref = splitFunctionName(input.FunctionName ?? '', this.scope, 'FunctionName');
    if (ref.name.length > MAX_NAME_LENGTH) {
      throw invalidParameter(
        formatViolations([describeViolation('functionName', ref.name, `Member must have length less than or equal to ${MAX_NAME_LENGTH}`)]),
      );
    }
    if (ref.qualifier !== undefined) {
      throw invalidParameter('Cannot create a function with a qualified name: remove the version or alias.');
    }
    if (input.PackageType === 'Image') throw invalidParameter('lambdock supports PackageType Zip only, got Image.');
    if (input.Publish === true) throw invalidParameter('lambdock does not publish versions yet: omit Publish.');
    this.checkRunnable(settings.architectures);
    const extras = resolveExtraSettings(input, getExtraSettings({ name: ref.name }), settings.runtime);
    const tags = input.Tags === undefined ? {} : checkTags(input.Tags);
    const zip = decodeZip(input.Code ?? {});
    // Checked before anything is stored; the insert below stays the authority when two creates race.
    if ((await this.store.load(ref.name)) !== undefined) throw conflict(`Function already exist: ${ref.name}`);
    const staged = await this.code.stage(zip);
    const record: FunctionRecord = {
      name: ref.name,
      ...settings,
      extras,
      ...(input.Environment?.Variables === undefined ? {} : { environmentGiven: true }),
      code: staged.ref,
      revisionId: randomUUID(),
      lastModified: formatLastModified(new Date()),
      state: 'Pending',
      stateReason: 'The function is being created.',
      stateReasonCode: 'Creating',
      lastUpdateStatus: 'InProgress',
      lastUpdateStatusReason: 'The function is being created.',
      lastUpdateStatusReasonCode: 'Creating',
    };
    try {
      if (!(await this.store.insert(record, tags))) throw conflict(`Function already exist: ${ref.name}`);
    } finally {
      await staged.release();
    }
    this.activateLater(record);
    return record;
  }

  /** Resolves a path's `{FunctionName}` (+ `?Qualifier`) to `$LATEST`; versions and aliases come later. */
  async get(functionName: string, qualifier?: string): Promise<FunctionRecord> {
    return (await this.resolve(functionName, qualifier)).record;
  }

  /**
   * The function named, and the qualifier it was named with (in the name or the query), if any. Not found
   * is 404 naming the qualifier asked for; `unqualifiedAs` is the one to name when none was (Invoke names
   * `$LATEST`, as AWS does).
   */
  async resolve(
    functionName: string,
    qualifier?: string,
    unqualifiedAs?: string,
  ): Promise<{ record: FunctionRecord; qualifier?: string }> {
    const ref = parseFunctionTarget(functionName, qualifier, this.scope);
    const record = await this.store.load(ref.name);
    if (record === undefined || (ref.qualifier !== undefined && ref.qualifier !== '$LATEST')) {
      throw functionNotFound(this.arnOf(ref.name, ref.qualifier ?? unqualifiedAs));
    }
    return ref.qualifier === undefined ? { record } : { record, qualifier: ref.qualifier };
  }

  async list(marker: string | undefined, maxItems: number | undefined): Promise<FunctionPage> {
    return this.store.list(marker, maxItems ?? PAGE_SIZE_DEFAULT);
  }

  async updateCode(functionName: string, input: UpdateCodeInput): Promise<FunctionRecord> {
    const name = this.updatableName(functionName);
    checkSettingsInput({ Architectures: input.Architectures });
    const current = await this.loadExisting(name);
    this.checkUpdatable(current, input.RevisionId);
    const settings = resolveSettings({ Architectures: input.Architectures }, current);
    if (input.Publish === true) throw invalidParameter('lambdock does not publish versions yet: omit Publish.');
    this.checkRunnable(settings.architectures);
    const zip = decodeZip(input);
    if (input.DryRun === true) return { ...current, ...settings, code: await this.code.check(zip) };
    const staged = await this.code.stage(zip);
    try {
      // The previous code goes once the update is through (activate), or stays if it fails.
      return await this.commitUpdate(name, input.RevisionId, (latest) => ({
        ...resolveSettings({ Architectures: input.Architectures }, latest),
        code: staged.ref,
      }));
    } finally {
      await staged.release();
    }
  }

  async updateConfiguration(functionName: string, input: UpdateConfigurationInput): Promise<FunctionRecord> {
    const name = this.updatableName(functionName);
    checkSettingsInput(input);
    return this.commitUpdate(name, input.RevisionId, (current) => {
      const settings = resolveSettings(input, current);
      this.checkRunnable(settings.architectures);
      return {
        ...settings,
        extras: resolveExtraSettings(input, getExtraSettings(current), settings.runtime),
        ...(input.Environment === undefined ? {} : { environmentGiven: true }),
      };
    });
  }

  /**
   * DeleteFunction. `$LATEST` alone cannot be deleted and aliases are not deleted this way (both 400, even
   * for a missing function). Any other qualifier names a version: deleting a version that does not exist
   * succeeds (AWS is idempotent there), but only on a function that does.
   */
  async remove(functionName: string, qualifier?: string): Promise<void> {
    const ref = parseFunctionTarget(functionName, qualifier, this.scope);
    if (ref.qualifier === '$LATEST') throw invalidParameter('$LATEST version cannot be deleted without deleting the function.');
    if (ref.qualifier !== undefined && ALIAS_NAME.test(ref.qualifier)) {
      throw invalidParameter('Deletion of aliases is not currently supported.');
    }
    if (ref.qualifier !== undefined) {
      if ((await this.store.load(ref.name)) === undefined) throw functionNotFound(this.arnOf(ref.name));
      return;
    }
    const removed = await this.store.remove(ref.name);
    if (removed === undefined) throw functionNotFound(this.arnOf(ref.name));
    for (const listener of this.listeners) listener.functionDeleted(ref.name);
    this.collectLater(removed.code.sha256Hex, ref.name);
  }

  async usage(): Promise<AccountUsage> {
    let functionCount = 0;
    let totalCodeSize = 0;
    let marker: string | undefined;
    do {
      const page = await this.store.list(marker, 1000);
      functionCount += page.records.length;
      for (const record of page.records) totalCodeSize += record.code.size;
      marker = page.nextMarker;
    } while (marker !== undefined);
    return { functionCount, totalCodeSize };
  }

  /** Finishes what a stopped process accepted but did not complete: Pending or InProgress functions. */
  async resumeUnfinished(): Promise<number> {
    let resumed = 0;
    let marker: string | undefined;
    do {
      const page = await this.store.list(marker, 1000);
      for (const record of page.records) {
        if (record.state === 'Pending' || record.lastUpdateStatus === 'InProgress') {
          this.activateLater(record);
          resumed += 1;
        }
      }
      marker = page.nextMarker;
    } while (marker !== undefined);
    return resumed;
  }

  private checkRunnable(architectures: readonly Architecture[]): void {
    if (this.options.runnableArchitectures !== undefined) checkRunnable(architectures, this.options.runnableArchitectures);
  }

  /** Removes code nothing references any more, in the background (a large tree takes a while). */
  private collectLater(sha256Hex: string, name: string): void {
    this.code.collect(sha256Hex).catch((error: unknown) => this.onBackgroundError(error, name));
  }

  /** The name an update addresses: only `$LATEST` can be updated. */
  private updatableName(functionName: string): string {
    const ref = parseFunctionRef(functionName, this.scope, 'FunctionName');
    if (ref.qualifier !== undefined) {
      throw invalidParameter('Only $LATEST can be updated: remove the qualifier from the function name.');
    }
    return ref.name;
  }

  private async loadExisting(name: string): Promise<FunctionRecord> {
    const current = await this.store.load(name);
    if (current === undefined) throw functionNotFound(this.arnOf(name));
    return current;
  }

  /** 412 when the caller's RevisionId is stale, 409 while an update is in progress. */
  private checkUpdatable(current: FunctionRecord, revisionId: string | undefined): void {
    if (revisionId !== undefined && revisionId !== current.revisionId) throw revisionMismatch();
    if (current.lastUpdateStatus === 'InProgress') {
      throw conflict(
        `The operation cannot be performed at this time. An update is in progress for resource: ${this.arnOf(current.name)}`,
      );
    }
  }

  /**
   * Applies `change` to the stored record with a compare-and-set on its RevisionId. When another writer got
   * there first, the record is read again and judged afresh: 409 if that writer's update is in progress, 412
   * if the caller named a RevisionId (it is stale now), otherwise (the record only moved, e.g. an update
   * finished) the change is applied again over the new record. Concurrent updates without a RevisionId thus
   * get 409, never 412.
   */
  private async commitUpdate(
    name: string,
    revisionId: string | undefined,
    change: (current: FunctionRecord) => Partial<FunctionRecord>,
  ): Promise<FunctionRecord> {
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt += 1) {
      const current = await this.loadExisting(name);
      this.checkUpdatable(current, attempt === 0 ? revisionId : undefined);
      if (attempt > 0 && revisionId !== undefined) throw revisionMismatch();
      const next: FunctionRecord = {
        ...current,
        ...change(current),
        revisionId: randomUUID(),
        lastModified: formatLastModified(new Date()),
        lastUpdateStatus: 'InProgress',
        lastUpdateStatusReason: 'The function is being created.',
        lastUpdateStatusReasonCode: 'Creating',
      };
      const result = await this.store.replace(next, current.revisionId);
      if (result === 'missing') throw functionNotFound(this.arnOf(name));
      if (result === 'replaced') {
        for (const listener of this.listeners) listener.functionChanged(name);
        this.activateLater(next, current.code);
        return next;
      }
    }
    throw conflict(`The operation cannot be performed at this time. An update is in progress for resource: ${this.arnOf(name)}`);
  }

  private activateLater(record: FunctionRecord, previousCode?: CodeRef): void {
    if (!this.activations.claim(record)) return;
    setImmediate(() => {
      this.activate(record, previousCode)
        .catch((error: unknown) => this.onBackgroundError(error, record.name))
        .finally(() => this.activations.release(record));
    });
  }

  /**
   * Pending → Active (or Failed); InProgress → Successful (or Failed). A new RevisionId either way. The
   * code is unpacked here, not in the request: a zip whose data turns out damaged fails the function
   * (StateReasonCode InvalidZipFileException), or fails the update and keeps the previous code. The
   * outcome's write is retried; if the store keeps failing, the function turns Failed once it answers.
   */
  private async activate(record: FunctionRecord, previousCode?: CodeRef): Promise<void> {
    let outcome: FunctionRecord;
    try {
      await this.code.unpack(record.code);
      await this.prepare(record);
      outcome = getActivatedRecord(record, randomUUID());
    } catch (error) {
      const badZip = error instanceof LambdaError && error.code === 'InvalidZipFileException';
      const reason = error instanceof Error ? error.message : String(error);
      outcome = getFailedRecord(record, reason, randomUUID(), badZip ? 'InvalidZipFileException' : INTERNAL_ERROR);
      if (badZip && record.state !== 'Pending' && previousCode !== undefined) outcome.code = previousCode;
      if (!badZip) this.onBackgroundError(error, record.name);
    }
    const unrecorded = getFailedRecord(record, UNRECORDED_REASON, randomUUID());
    await this.activations.record(outcome, record.revisionId, unrecorded);
    const dropped = outcome.code.sha256Hex !== record.code.sha256Hex ? record.code : previousCode;
    if (dropped !== undefined && dropped.sha256Hex !== outcome.code.sha256Hex) this.collectLater(dropped.sha256Hex, record.name);
  }
}

/** The zip of a CreateFunction `Code` or an UpdateFunctionCode body, decoded and checked as base64. */
function decodeZip(input: CodeInput): Buffer {
  if (input.ImageUri !== undefined) throw invalidParameter('lambdock runs .zip functions only: ImageUri is not supported.');
  if (input.ZipFile === undefined) {
    if (input.S3Bucket !== undefined || input.S3Key !== undefined) {
      throw invalidParameter('lambdock does not read code from S3 yet: send the zip in Code.ZipFile.');
    }
    throw invalidParameter('Please provide a source for function code.');
  }
  if (Buffer.isBuffer(input.ZipFile)) {
    if (input.ZipFile.length === 0) throw invalidParameter(CORRUPT_ZIP_MESSAGE);
    return input.ZipFile;
  }
  const zip = Buffer.from(input.ZipFile, 'base64');
  if (zip.length === 0 || zip.toString('base64').replace(/=+$/, '') !== input.ZipFile.replace(/\s|=+$/g, '')) {
    throw invalidParameter(CORRUPT_ZIP_MESSAGE);
  }
  return zip;
}

function revisionMismatch(): LambdaError {
  return new LambdaError(
    'PreconditionFailedException',
    'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
  );
}
