import { randomUUID } from 'node:crypto';
import { LambdaError, conflict, functionNotFound, invalidParameter } from '../shared/errors.js';
import type { CodeStore, StagedCode } from './code/code-store.js';
import { CORRUPT_ZIP_MESSAGE } from './code/unzip-errors.js';
import { formatLastModified, type CodeRef, type FunctionRecord } from './function-model.js';
import { buildFunctionArn, parseFunctionRef, resolveQualifier, type Scope } from './function-ref.js';
import { resolveSettings, type SettingsInput } from './function-settings.js';
import type { FunctionPage, FunctionStore } from './function-store.js';

export interface CodeInput {
  /** Base64 text as in the JSON body, or the bytes already decoded by the API. */
  ZipFile?: string | Buffer;
  S3Bucket?: string;
  S3Key?: string;
  S3ObjectVersion?: string;
  ImageUri?: string;
}

export interface CreateFunctionInput extends SettingsInput {
  FunctionName: string;
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

export interface UpdateConfigurationInput extends SettingsInput {
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

/** The functions resource of the Lambda API: validation, state (Pending → Active), revisions. */
export class FunctionService {
  private readonly listeners: FunctionListener[] = [];

  constructor(
    private readonly store: FunctionStore,
    private readonly code: CodeStore,
    readonly scope: Scope,
    private readonly prepare: Preparer,
    private readonly onBackgroundError: (error: unknown, name: string) => void,
  ) {}

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
    const settings = resolveSettings(input, {});
    const zip = decodeZip(input.Code);
    // Checked before anything is stored; the insert below stays the authority when two creates race.
    if ((await this.store.load(ref.name)) !== undefined) throw conflict(`Function already exist: ${ref.name}`);
    const staged = await this.code.stage(zip);
    try {
      return await this.insertStaged(ref.name, settings, staged);
    } finally {
      await staged.release();
    }
  }

  private async insertStaged(name: string, settings: ReturnType<typeof resolveSettings>, staged: StagedCode): Promise<FunctionRecord> {
    const record: FunctionRecord = {
      name,
      ...settings,
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
    if (!(await this.store.insert(record))) throw conflict(`Function already exist: ${name}`);
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
    const settings = resolveSettings({ Architectures: input.Architectures }, current);
    const zip = decodeZip(input);
    if (input.DryRun === true) return { ...current, ...settings, code: await this.code.check(zip) };
    const staged = await this.code.stage(zip);
    let next: FunctionRecord;
    try {
      next = await this.commitUpdate(current, { ...settings, code: staged.ref }, current.code);
    } finally {
      await staged.release();
    }
    return next; // the previous code goes once the update is through (activate), or stays if it fails
  }

  async updateConfiguration(functionName: string, input: UpdateConfigurationInput): Promise<FunctionRecord> {
    const current = await this.loadForUpdate(functionName, input.RevisionId);
    return this.commitUpdate(current, resolveSettings(input, current));
  }

  async remove(functionName: string, qualifier?: string): Promise<void> {
    const ref = parseFunctionRef(functionName, this.scope);
    const resolved = resolveQualifier(ref, qualifier);
    if (resolved === '$LATEST') throw invalidParameter('$LATEST version cannot be deleted without deleting the function.');
    if (resolved !== undefined) throw functionNotFound(this.arnOf(ref.name, resolved));
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

  /** Removes code nothing references any more, in the background (a large tree takes a while). */
  private collectLater(sha256Hex: string, name: string): void {
    this.code.collect(sha256Hex).catch((error: unknown) => this.onBackgroundError(error, name));
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

  private async commitUpdate(
    current: FunctionRecord,
    changes: Partial<FunctionRecord>,
    previousCode?: CodeRef,
  ): Promise<FunctionRecord> {
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
    this.activateLater(next, previousCode);
    return next;
  }

  private activateLater(record: FunctionRecord, previousCode?: CodeRef): void {
    setImmediate(() => {
      this.activate(record, previousCode).catch((error: unknown) => this.onBackgroundError(error, record.name));
    });
  }

  /**
   * Pending → Active (or Failed); InProgress → Successful (or Failed). A new RevisionId either way. The
   * code is unpacked here, not in the request: a zip whose data turns out damaged fails the function
   * (StateReasonCode InvalidZipFileException), or fails the update and keeps the previous code.
   */
  private async activate(record: FunctionRecord, previousCode?: CodeRef): Promise<void> {
    let outcome: Partial<FunctionRecord>;
    try {
      await this.code.unpack(record.code);
      await this.prepare(record);
      outcome = { state: record.state === 'Pending' ? 'Active' : record.state, lastUpdateStatus: 'Successful' };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const badZip = error instanceof LambdaError && error.code === 'InvalidZipFileException';
      const reasonCode = badZip ? 'InvalidZipFileException' : 'InternalError';
      outcome =
        record.state === 'Pending'
          ? { state: 'Failed', stateReason: reason, stateReasonCode: reasonCode, lastUpdateStatus: 'Failed' }
          : { lastUpdateStatus: 'Failed', lastUpdateStatusReason: reason, lastUpdateStatusReasonCode: reasonCode };
      if (badZip && record.state !== 'Pending' && previousCode !== undefined) outcome.code = previousCode;
      if (!badZip) this.onBackgroundError(error, record.name);
    }
    const next: FunctionRecord = {
      ...record,
      stateReason: undefined,
      stateReasonCode: undefined,
      lastUpdateStatusReason: undefined,
      lastUpdateStatusReasonCode: undefined,
      ...outcome,
      revisionId: randomUUID(),
    };
    await this.store.replace(JSON.parse(JSON.stringify(next)) as FunctionRecord, record.revisionId);
    const dropped = next.code.sha256Hex !== record.code.sha256Hex ? record.code : previousCode;
    if (dropped !== undefined && dropped.sha256Hex !== next.code.sha256Hex) this.collectLater(dropped.sha256Hex, record.name);
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
