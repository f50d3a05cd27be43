import { randomUUID } from 'node:crypto';
import { LambdaError, conflict, functionNotFound, invalidParameter } from '../shared/errors.js';
import { UNRECORDED_REASON, getActivatedRecord, getFailedRecord } from './activation-outcome.js';
import { ActivationRecorder, type ActivationRecorderOptions } from './activation-recorder.js';
import type { CodeStore } from './code/code-store.js';
import { checkArchitectures, checkRunnable } from './architecture-support.js';
import { getExtraSettings, resolveExtraSettings, type ExtraSettingsInput } from './function-extras.js';
import { formatLastModified, type Architecture, type CodeRef, type FunctionRecord } from './function-model.js';
import { checkTags, type Tags } from './function-tags.js';
import { buildFunctionArn, parseFunctionRef, resolveQualifier, type Scope } from './function-ref.js';
import { resolveSettings, type SettingsInput } from './function-settings.js';
import type { FunctionPage, FunctionStore } from './function-store.js';

export interface CodeInput {
  ZipFile?: string;
  S3Bucket?: string;
  S3Key?: string;
  S3ObjectVersion?: string;
  ImageUri?: string;
}

export interface CreateFunctionInput extends SettingsInput, ExtraSettingsInput {
  FunctionName: string;
  Tags?: Tags;
  Code: CodeInput;
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
    const ref = parseFunctionRef(input.FunctionName, this.scope);
    if (ref.qualifier !== undefined) {
      throw invalidParameter('Cannot create a function with a qualified name: remove the version or alias.');
    }
    if (input.PackageType !== undefined && input.PackageType !== 'Zip') {
      throw invalidParameter(`lambdock supports PackageType Zip only, got ${input.PackageType}.`);
    }
    if (input.Publish === true) throw invalidParameter('lambdock does not publish versions yet: omit Publish.');
    if (input.Architectures !== undefined) checkArchitectures(input.Architectures);
    const settings = resolveSettings(input, {});
    this.checkRunnable(settings.architectures);
    const extras = resolveExtraSettings(input, getExtraSettings({ name: ref.name }), settings.runtime);
    const tags = input.Tags === undefined ? {} : checkTags(input.Tags);
    const code = await this.storeCode(input.Code);
    const record: FunctionRecord = {
      name: ref.name,
      ...settings,
      extras,
      code,
      revisionId: randomUUID(),
      lastModified: formatLastModified(new Date()),
      state: 'Pending',
      stateReason: 'The function is being created.',
      stateReasonCode: 'Creating',
      lastUpdateStatus: 'InProgress',
      lastUpdateStatusReason: 'The function is being created.',
      lastUpdateStatusReasonCode: 'Creating',
    };
    if (!(await this.store.insert(record, tags))) throw conflict(`Function already exist: ${ref.name}`);
    this.activateLater(record);
    return record;
  }

  /** Resolves a path's `{FunctionName}` (+ `?Qualifier`) to `$LATEST`; versions and aliases come later. */
  async get(functionName: string, qualifier?: string): Promise<FunctionRecord> {
    return (await this.resolve(functionName, qualifier)).record;
  }

  /** The function named, and the qualifier it was named with (in the name or the query), if any. */
  async resolve(functionName: string, qualifier?: string): Promise<{ record: FunctionRecord; qualifier?: string }> {
    const ref = parseFunctionRef(functionName, this.scope);
    const resolved = resolveQualifier(ref, qualifier);
    const record = await this.store.load(ref.name);
    if (record === undefined || (resolved !== undefined && resolved !== '$LATEST')) {
      throw functionNotFound(this.arnOf(ref.name, resolved));
    }
    return resolved === undefined ? { record } : { record, qualifier: resolved };
  }

  async list(marker: string | undefined, maxItems: number | undefined): Promise<FunctionPage> {
    return this.store.list(marker, maxItems ?? PAGE_SIZE_DEFAULT);
  }

  async updateCode(functionName: string, input: UpdateCodeInput): Promise<FunctionRecord> {
    const current = await this.loadForUpdate(functionName, input.RevisionId);
    if (input.Publish === true) throw invalidParameter('lambdock does not publish versions yet: omit Publish.');
    if (input.Architectures !== undefined) checkArchitectures(input.Architectures);
    const settings = resolveSettings({ Architectures: input.Architectures }, current);
    this.checkRunnable(settings.architectures);
    const code = await this.storeCode(input);
    if (input.DryRun === true) return { ...current, ...settings, code };
    return this.commitUpdate(current, { ...settings, code });
  }

  async updateConfiguration(functionName: string, input: UpdateConfigurationInput): Promise<FunctionRecord> {
    const current = await this.loadForUpdate(functionName, input.RevisionId);
    const settings = resolveSettings(input, current);
    this.checkRunnable(settings.architectures);
    const extras = resolveExtraSettings(input, getExtraSettings(current), settings.runtime);
    return this.commitUpdate(current, { ...settings, extras });
  }

  async remove(functionName: string, qualifier?: string): Promise<void> {
    const ref = parseFunctionRef(functionName, this.scope);
    const resolved = resolveQualifier(ref, qualifier);
    if (resolved === '$LATEST') throw invalidParameter('$LATEST version cannot be deleted without deleting the function.');
    if (resolved !== undefined) throw functionNotFound(this.arnOf(ref.name, resolved));
    if (!(await this.store.remove(ref.name))) throw functionNotFound(this.arnOf(ref.name));
    for (const listener of this.listeners) listener.functionDeleted(ref.name);
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

  private async storeCode(input: CodeInput): Promise<CodeRef> {
    if (input.ImageUri !== undefined) throw invalidParameter('lambdock runs .zip functions only: ImageUri is not supported.');
    if (input.ZipFile === undefined) {
      if (input.S3Bucket !== undefined || input.S3Key !== undefined) {
        throw invalidParameter('lambdock does not read code from S3 yet: send the zip in Code.ZipFile.');
      }
      throw invalidParameter('Please provide a source for function code.');
    }
    const zip = Buffer.from(input.ZipFile, 'base64');
    if (zip.length === 0 || zip.toString('base64').replace(/=+$/, '') !== input.ZipFile.replace(/\s|=+$/g, '')) {
      throw invalidParameter('Could not unzip uploaded file. Please check your file, then try to upload again.');
    }
    return this.code.put(zip);
  }

  private async loadForUpdate(functionName: string, revisionId: string | undefined): Promise<FunctionRecord> {
    const ref = parseFunctionRef(functionName, this.scope);
    if (ref.qualifier !== undefined) {
      throw invalidParameter('Only $LATEST can be updated: remove the qualifier from the function name.');
    }
    const current = await this.store.load(ref.name);
    if (current === undefined) throw functionNotFound(this.arnOf(ref.name));
    if (revisionId !== undefined && revisionId !== current.revisionId) throw revisionMismatch();
    if (current.lastUpdateStatus === 'InProgress') {
      throw conflict(
        `The operation cannot be performed at this time. An update is in progress for resource: ${this.arnOf(ref.name)}`,
      );
    }
    return current;
  }

  private async commitUpdate(current: FunctionRecord, changes: Partial<FunctionRecord>): Promise<FunctionRecord> {
    const next: FunctionRecord = {
      ...current,
      ...changes,
      revisionId: randomUUID(),
      lastModified: formatLastModified(new Date()),
      lastUpdateStatus: 'InProgress',
      lastUpdateStatusReason: 'The function is being created.',
      lastUpdateStatusReasonCode: 'Creating',
    };
    const result = await this.store.replace(next, current.revisionId);
    if (result === 'missing') throw functionNotFound(this.arnOf(current.name));
    if (result === 'revision-mismatch') throw revisionMismatch();
    for (const listener of this.listeners) listener.functionChanged(current.name);
    this.activateLater(next);
    return next;
  }

  private activateLater(record: FunctionRecord): void {
    if (!this.activations.claim(record)) return;
    setImmediate(() => {
      this.activate(record)
        .catch((error: unknown) => this.onBackgroundError(error, record.name))
        .finally(() => this.activations.release(record));
    });
  }

  /**
   * Pending → Active (or Failed); InProgress → Successful (or Failed). A new RevisionId either way. The
   * outcome's write is retried; if the store keeps failing, the function turns Failed once it answers.
   */
  private async activate(record: FunctionRecord): Promise<void> {
    let outcome: FunctionRecord;
    try {
      await this.prepare(record);
      outcome = getActivatedRecord(record, randomUUID());
    } catch (error) {
      outcome = getFailedRecord(record, error instanceof Error ? error.message : String(error), randomUUID());
      this.onBackgroundError(error, record.name);
    }
    const unrecorded = getFailedRecord(record, UNRECORDED_REASON, randomUUID());
    await this.activations.record(outcome, record.revisionId, unrecorded);
  }
}

function revisionMismatch(): LambdaError {
  return new LambdaError(
    'PreconditionFailedException',
    'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
  );
}
