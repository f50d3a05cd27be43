import { randomUUID } from 'node:crypto';
import { LambdaError, conflict, functionNotFound, invalidParameter } from '../shared/errors.js';
import { Violations, describeViolation, formatViolations } from '../shared/violations.js';
import { ActivationRefusal, INTERNAL_ERROR, UNRECORDED_REASON, getActivatedRecord, getFailedRecord } from './activation-outcome.js';
import { ActivationRecorder, type ActivationRecorderOptions } from './activation-recorder.js';
import { checkRunnable } from './architecture-support.js';
import type { CodeStore, StagedCode } from './code/code-store.js';
import { decodeZip, type CodeInput } from './code/zip-input.js';
import { getImageCommand, resolveImageCode, resolveImageConfig, type ImageConfig, type ImageInspector } from './code/image-code.js';
import { isHotReload, resolveHostFolder, type HotReloadSettings } from './code/host-folder-code.js';
import { resolveDeadLetterTarget } from './function-dead-letter.js';
import { getExtraSettings, refusePublishTo, resolveExtraSettings, type ExtraSettingsInput } from './function-extras.js';
import type { AliasRecord } from './aliases/alias-model.js';
import { resolveFunctionLayers, type FunctionLayerResolver } from './layers/function-layers.js';
import type { FunctionLayer } from './layers/layer-model.js';
import { routeAlias } from './aliases/alias-routing.js';
import type { AliasStore } from './aliases/alias-store.js';
import {
  LATEST,
  formatLastModified,
  getHeldCode,
  type Architecture,
  type CodeRef,
  type HostFolderCodeRef,
  type ImageCodeRef,
  type FunctionRecord,
  type FunctionVersionRecord,
  type VersionRecord,
} from './function-model.js';
import { checkTags, type Tags } from './function-tags.js';
import {
  MAX_NAME_LENGTH,
  buildFunctionArn,
  checkFunctionName,
  parseFunctionRef,
  parseFunctionTarget,
  parseLatestName,
  splitFunctionName,
  type Scope,
} from './function-ref.js';
import { checkSettingsInput, resolveSettings, type PackageType, type SettingsInput } from './function-settings.js';
import type { FunctionPage, FunctionStore } from './function-store.js';
import { isPublishedVersion, pageAllVersions, pageVersions, type FunctionVersionPage } from './versions/version-listing.js';
import { VersionPublisher, revisionMismatch, type PublishInput } from './versions/version-publisher.js';
import type { VersionStore } from './versions/version-store.js';

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
  PublishTo?: string;
  DryRun?: boolean;
  Architectures?: string[];
}

export interface UpdateConfigurationInput extends SettingsInput, ExtraSettingsInput {
  RevisionId?: string;
}

/** Work done between accepting a change and reporting the function ready (e.g. making sure its image exists). */
export type Preparer = (record: FunctionRecord) => Promise<void>;

/** Told when a function's `$LATEST` changes, a version or the whole function goes, so their environments retire. */
export interface FunctionListener {
  functionChanged(name: string): void;
  functionDeleted(name: string): void;
  versionDeleted(name: string, version: string): void;
}

/** The stores a FunctionService works on. */
export interface FunctionStores {
  functions: FunctionStore;
  versions: VersionStore;
  aliases: AliasStore;
}

/** What a function name and qualifier resolve to. */
export interface ResolvedFunction {
  /** `$LATEST` or the published version to describe or run. */
  record: FunctionVersionRecord;
  /** The qualifier as the caller named it (a version, an alias, `$LATEST`), if any. */
  qualifier?: string;
  /** The alias named, when the qualifier is one. */
  alias?: AliasRecord;
}

export interface ResolveOptions {
  /** The qualifier a not-found names when none was given (Invoke names `$LATEST`, as AWS does). */
  unqualifiedAs?: string;
  /** A uniform draw in [0, 1) that picks an alias's weighted version (per invocation); the alias's own version without. */
  draw?: number;
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
  /**
   * The architectures this host's engine can run (only src/main/ finds out), or a getter of what the live
   * workers can run now (undefined: not known yet); both when not given.
   */
  runnableArchitectures?: readonly Architecture[] | (() => readonly Architecture[] | undefined);
  /** Where they run, for the refusal's message (default "on this host"). */
  runnablePlace?: string;
  /** How the outcome of an activation is written when the store fails (retries, recovery rounds). */
  activation?: ActivationRecorderOptions;
  /** Hot reload: code folders named by `Code.S3Bucket` / `S3Key` (off unless folders are allowed). */
  hotReload?: HotReloadSettings;
  /** Finds the layer versions a function's `Layers` names (LayerService); without it, `Layers` is refused. */
  layers?: FunctionLayerResolver;
  /** Finds the images of container-image functions on the engine(s); without it, PackageType Image is refused. */
  images?: ImageInspector;
  /** IAM enforced: a function's Role must exist (AWS's refusal otherwise); without, any well-formed ARN is taken. */
  roles?: { roleExists(roleArn: string): Promise<boolean> };
}

/** AWS's refusal of a Role it cannot use (LocalStack's recording of AWS). */
const ROLE_NOT_ASSUMABLE = 'The role defined for the function cannot be assumed by Lambda.';

/**
 * A function's new code: a zip to stage in the code store, a hot-reload folder or an image on the engine
 * (nothing to store for either).
 */
type CodeSource = { kind: 'zip'; zip: Buffer } | { kind: 'folder'; ref: HostFolderCodeRef } | { kind: 'image'; ref: ImageCodeRef };

const packageTypeOf = (record: { code: CodeRef }): PackageType => (record.code.image === undefined ? 'Zip' : 'Image');

/** An image whose ENTRYPOINT and CMD, with the ImageConfig over them, leave nothing to run is refused when it is set. */
function checkImageCommand(code: CodeRef, config: ImageConfig | undefined): void {
  if (code.image === undefined) return;
  if (getImageCommand(code as ImageCodeRef, config).command.length === 0) {
    throw invalidParameter(
      `The image ${code.image.uri} has no ENTRYPOINT or CMD, and ImageConfig sets neither EntryPoint nor Command: there is nothing to run.`,
    );
  }
}

/** ImageConfig is an image function's; Layers are a .zip function's (AWS: an image carries its own dependencies). */
function checkPackageFields(packageType: PackageType, input: ExtraSettingsInput): void {
  if (packageType === 'Zip' && input.ImageConfig !== undefined && Object.keys(input.ImageConfig).length > 0) {
    throw invalidParameter('ImageConfig is only for functions with packageType Image.');
  }
  if (packageType === 'Image' && (input.Layers ?? []).length > 0) {
    throw invalidParameter('Layers are not supported for functions with packageType Image: add what they hold to the image.');
  }
}

/** The functions resource of the Lambda API: validation, state (Pending → Active), revisions. */
export class FunctionService {
  private readonly listeners: FunctionListener[] = [];
  private readonly activations: ActivationRecorder;
  /** The store, read through the activation recorder (it settles functions stuck Pending / InProgress). */
  private readonly store: FunctionStore;
  private readonly versions: VersionStore;
  private readonly aliases: AliasStore;
  private readonly publisher: VersionPublisher;

  constructor(
    stores: FunctionStores,
    private readonly code: CodeStore,
    readonly scope: Scope,
    private readonly prepare: Preparer,
    private readonly onBackgroundError: (error: unknown, name: string) => void,
    private readonly options: FunctionServiceOptions = {},
  ) {
    this.activations = new ActivationRecorder(stores.functions, (record) => this.activateLater(record), onBackgroundError, options.activation);
    this.store = this.activations.settlingStore();
    this.versions = stores.versions;
    this.aliases = stores.aliases;
    this.publisher = new VersionPublisher(this.store, this.versions, (name, qualifier) => this.arnOf(name, qualifier));
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

  /** CreateFunction; with `Publish`, version 1 too (answered as the create's result, as AWS does). */
  async create(input: CreateFunctionInput): Promise<FunctionVersionRecord> {
    const violations = new Violations(CREATE_FUNCTION_MEMBERS);
    checkFunctionName(input.FunctionName, 'FunctionName', violations);
    if (input.Code === undefined) violations.addNull('code');
    if (input.PackageType !== undefined && input.PackageType !== 'Zip' && input.PackageType !== 'Image') {
      violations.add('packageType', input.PackageType, 'Member must satisfy enum value set: [Zip, Image]');
    }
    const packageType: PackageType = input.PackageType === 'Image' ? 'Image' : 'Zip';
    const settings = resolveSettings(input, {}, violations, packageType);
    const ref = splitFunctionName(input.FunctionName ?? '', this.scope, 'FunctionName');
    if (ref.name.length > MAX_NAME_LENGTH) {
      throw invalidParameter(
        formatViolations([describeViolation('functionName', ref.name, `Member must have length less than or equal to ${MAX_NAME_LENGTH}`)]),
      );
    }
    if (ref.qualifier !== undefined) {
      throw invalidParameter('Cannot create a function with a qualified name: remove the version or alias.');
    }
    this.checkRunnable(settings.architectures);
    await this.checkRole(settings.role);
    checkPackageFields(packageType, input);
    const extras = resolveExtraSettings(input, getExtraSettings({ name: ref.name }), settings.runtime);
    const imageConfig = input.ImageConfig === undefined ? undefined : resolveImageConfig(input.ImageConfig);
    const deadLetterTargetArn = resolveDeadLetterTarget(input.DeadLetterConfig, undefined, this.scope);
    const tags = input.Tags === undefined ? {} : checkTags(input.Tags);
    const source = await this.readCodeSource(input.Code ?? {}, packageType, 'creating', settings.architectures);
    if (source.kind === 'image') checkImageCommand(source.ref, imageConfig);
    // Checked before anything is stored; the insert below stays the authority when two creates race.
    if ((await this.store.load(ref.name)) !== undefined) throw conflict(`Function already exist: ${ref.name}`);
    const staged = await this.stage(source);
    let layers: FunctionLayer[];
    try {
      layers = await resolveFunctionLayers(this.options.layers, input.Layers, staged.ref);
    } catch (error) {
      await staged.release();
      throw error;
    }
    const record: FunctionRecord = {
      name: ref.name,
      ...settings,
      extras,
      ...(layers.length === 0 ? {} : { layers }),
      ...(imageConfig === undefined ? {} : { imageConfig }),
      ...(deadLetterTargetArn === undefined ? {} : { deadLetterTargetArn }),
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
    if (input.Publish !== true) {
      this.activateLater(record);
      return record;
    }
    const published = await this.publishWith(record);
    return published.version;
  }

  /**
   * The code a CreateFunction `Code` or an UpdateFunctionCode names, for a function of `packageType`: an
   * image function takes an ImageUri only, a .zip function anything but one (AWS's messages).
   */
  private async readCodeSource(
    input: CodeInput,
    packageType: PackageType,
    doing: 'creating' | 'updating',
    architectures: readonly Architecture[],
  ): Promise<CodeSource> {
    const zipGiven = input.ZipFile !== undefined || input.S3Bucket !== undefined || input.S3Key !== undefined;
    if (packageType === 'Image') {
      if (zipGiven || input.ImageUri === undefined) {
        throw invalidParameter(`Please provide ImageUri when ${doing} a function with packageType Image.`);
      }
      const inspector = this.options.images;
      if (inspector === undefined) throw invalidParameter('lambdock cannot run container-image functions here: use PackageType Zip.');
      return { kind: 'image', ref: await resolveImageCode(input.ImageUri, inspector, architectures) };
    }
    if (input.ImageUri !== undefined) throw invalidParameter(`Please don't provide ImageUri when ${doing} a function with packageType Zip.`);
    const hotReload = this.options.hotReload;
    if (hotReload !== undefined && isHotReload(input, hotReload)) return { kind: 'folder', ref: resolveHostFolder(input, hotReload) };
    return { kind: 'zip', zip: decodeZip(input) };
  }

  private async stage(source: CodeSource): Promise<StagedCode> {
    return source.kind === 'zip' ? this.code.stage(source.zip) : { ref: source.ref, release: async () => undefined };
  }

  /** `$LATEST` or the version a path's `{FunctionName}` (+ `?Qualifier`) names. */
  async get(functionName: string, qualifier?: string): Promise<FunctionVersionRecord> {
    return (await this.resolve(functionName, qualifier)).record;
  }

  /** The `$LATEST` record of the function a path's `{FunctionName}` names, whatever qualifier it carries. */
  async getLatest(functionName: string): Promise<FunctionRecord> {
    const ref = parseFunctionRef(functionName, this.scope);
    return this.loadExisting(ref.name);
  }

  /**
   * What a path's `{FunctionName}` (+ `?Qualifier`) names: `$LATEST` (no qualifier or `$LATEST`), a
   * published version, or an alias and the version it routes to (its own, or its weighted one when a
   * `draw` is given). Not found is 404 naming the qualifier asked for.
   */
  async resolve(functionName: string, qualifier?: string, options: ResolveOptions = {}): Promise<ResolvedFunction> {
    const ref = parseFunctionTarget(functionName, qualifier, this.scope);
    const missing = () => functionNotFound(this.arnOf(ref.name, ref.qualifier ?? options.unqualifiedAs));
    if (ref.qualifier === undefined || ref.qualifier === LATEST) {
      const record = await this.store.load(ref.name);
      if (record === undefined) throw missing();
      return ref.qualifier === undefined ? { record } : { record, qualifier: ref.qualifier };
    }
    if (isPublishedVersion(ref.qualifier)) {
      const record = await this.versions.loadVersion(ref.name, ref.qualifier);
      if (record === undefined) throw missing();
      return { record, qualifier: ref.qualifier };
    }
    const alias = ALIAS_NAME.test(ref.qualifier) ? await this.aliases.loadAlias(ref.name, ref.qualifier) : undefined;
    if (alias === undefined) throw missing();
    const version = options.draw === undefined ? alias.functionVersion : routeAlias(alias, options.draw);
    const record = version === LATEST ? await this.store.load(ref.name) : await this.versions.loadVersion(ref.name, version);
    if (record === undefined) throw missing();
    return { record, qualifier: ref.qualifier, alias };
  }

  async list(marker: string | undefined, maxItems: number | undefined): Promise<FunctionPage> {
    return this.store.list(marker, maxItems ?? PAGE_SIZE_DEFAULT);
  }

  /**
   * ListFunctions with `FunctionVersion=ALL`: each function's `$LATEST`, then its published versions, in
   * name order. The marker names the last item given (`name:version`).
   */
  async listAllVersions(marker: string | undefined, maxItems: number | undefined): Promise<FunctionVersionPage> {
    return pageAllVersions(this.store, this.versions, marker, maxItems ?? PAGE_SIZE_DEFAULT);
  }

  /** ListVersionsByFunction: `$LATEST`, then the published versions by number; the marker is the last version given. */
  async listVersions(functionName: string, marker: string | undefined, maxItems: number | undefined): Promise<FunctionVersionPage> {
    const latest = await this.getLatest(functionName);
    return pageVersions(latest, await this.versions.listVersions(latest.name), marker, maxItems);
  }

  /** PublishVersion. */
  async publishVersion(functionName: string, input: PublishInput): Promise<VersionRecord> {
    return this.publisher.publish(this.updatableName(functionName), input);
  }

  /** UpdateFunctionCode; with `Publish`, answers the version published with it. */
  async updateCode(functionName: string, input: UpdateCodeInput): Promise<FunctionVersionRecord> {
    const name = this.updatableName(functionName);
    checkSettingsInput({ Architectures: input.Architectures });
    refusePublishTo(input.PublishTo);
    const current = await this.loadExisting(name);
    this.checkUpdatable(current, input.RevisionId);
    const packageType = packageTypeOf(current);
    const settings = resolveSettings({ Architectures: input.Architectures }, current, undefined, packageType);
    this.checkRunnable(settings.architectures);
    const source = await this.readCodeSource(input, packageType, 'updating', settings.architectures);
    if (source.kind === 'image') checkImageCommand(source.ref, current.imageConfig);
    if (input.DryRun === true) return { ...current, ...settings, code: source.kind === 'zip' ? await this.code.check(source.zip) : source.ref };
    const staged = await this.stage(source);
    try {
      await this.options.layers?.checkCombinedSize(staged.ref, current.layers ?? []);
      // The previous code goes once the update is through (activate), or stays if it fails.
      const change = (latest: FunctionRecord) => ({
        ...resolveSettings({ Architectures: input.Architectures }, latest, undefined, packageType),
        code: staged.ref,
      });
      return await this.commitUpdate(name, input.RevisionId, change, input.Publish === true);
    } finally {
      await staged.release();
    }
  }

  async updateConfiguration(functionName: string, input: UpdateConfigurationInput): Promise<FunctionRecord> {
    const name = this.updatableName(functionName);
    checkSettingsInput(input);
    if (input.Role !== undefined) await this.checkRole(input.Role);
    // Checked against the code as it is now; an empty list removes the function's layers.
    const before = await this.loadExisting(name);
    checkPackageFields(packageTypeOf(before), input);
    const layers = input.Layers === undefined ? undefined : await resolveFunctionLayers(this.options.layers, input.Layers, before.code);
    // Replaces the stored ImageConfig whole; `{}` removes it (as on AWS).
    const imageConfig = input.ImageConfig === undefined ? undefined : resolveImageConfig(input.ImageConfig);
    if (input.ImageConfig !== undefined) checkImageCommand(before.code, imageConfig);
    const updated = await this.commitUpdate(name, input.RevisionId, (current) => {
      const settings = resolveSettings(input, current, undefined, packageTypeOf(current));
      this.checkRunnable(settings.architectures);
      return {
        ...settings,
        ...(layers === undefined ? {} : { layers: layers.length === 0 ? undefined : layers }),
        ...(input.ImageConfig === undefined ? {} : { imageConfig }),
        extras: resolveExtraSettings(input, getExtraSettings(current), settings.runtime),
        // Undefined (removed) when TargetArn is "": JSON leaves the key out.
        deadLetterTargetArn: resolveDeadLetterTarget(input.DeadLetterConfig, current.deadLetterTargetArn, this.scope),
        ...(input.Environment === undefined ? {} : { environmentGiven: true }),
      };
    });
    // Code of layers it no longer uses goes if nothing else holds it (its layer version deleted meanwhile).
    const kept = new Set(getHeldCode(updated));
    for (const { code } of before.layers ?? []) if (!kept.has(code.sha256Hex)) this.collectLater(code.sha256Hex, name);
    return updated;
  }

  /**
   * DeleteFunction. `$LATEST` alone cannot be deleted and aliases are not deleted this way (both 400, even
   * for a missing function). Any other qualifier names a version: deleting a version that does not exist
   * succeeds (AWS is idempotent there), but only on a function that does; one an alias routes to stays (409).
   */
  async remove(functionName: string, qualifier?: string): Promise<void> {
    const ref = parseFunctionTarget(functionName, qualifier, this.scope);
    if (ref.qualifier === LATEST) throw invalidParameter('$LATEST version cannot be deleted without deleting the function.');
    if (ref.qualifier !== undefined && ALIAS_NAME.test(ref.qualifier)) {
      throw invalidParameter('Deletion of aliases is not currently supported.');
    }
    if (ref.qualifier !== undefined) {
      await this.removeVersion(ref.name, ref.qualifier);
      return;
    }
    const removed = await this.store.remove(ref.name);
    if (removed === undefined) throw functionNotFound(this.arnOf(ref.name));
    for (const listener of this.listeners) listener.functionDeleted(ref.name);
    for (const sha256Hex of removed.releasedCode) this.collectLater(sha256Hex, ref.name);
  }

  private async removeVersion(name: string, version: string): Promise<void> {
    // A qualifier that is neither `$LATEST`, a number nor an alias name (`$latest`) names no version.
    const result = isPublishedVersion(version) ? await this.versions.removeVersion(name, version) : undefined;
    if (result === undefined || result.kind === 'no-version') {
      if ((await this.store.load(name)) === undefined) throw functionNotFound(this.arnOf(name));
      return;
    }
    if (result.kind === 'no-function') throw functionNotFound(this.arnOf(name));
    if (result.kind === 'in-use') {
      throw conflict(`Unable to delete version because the following aliases reference it: [${result.aliases.join(', ')}]`);
    }
    for (const listener of this.listeners) listener.versionDeleted(name, version);
    for (const sha256Hex of getHeldCode(result.record)) this.collectLater(sha256Hex, name);
  }

  async usage(): Promise<AccountUsage> {
    let functionCount = 0;
    let totalCodeSize = 0;
    let marker: string | undefined;
    do {
      const page = await this.store.list(marker, 1000);
      functionCount += page.records.length;
      for (const record of page.records) {
        totalCodeSize += record.code.size;
        for (const version of await this.versions.listVersions(record.name)) totalCodeSize += version.code.size;
      }
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

  private async checkRole(roleArn: string): Promise<void> {
    const roles = this.options.roles;
    if (roles !== undefined && !(await roles.roleExists(roleArn))) throw invalidParameter(ROLE_NOT_ASSUMABLE);
  }

  private checkRunnable(architectures: readonly Architecture[]): void {
    const option = this.options.runnableArchitectures;
    const runnable = typeof option === 'function' ? option() : option;
    if (runnable !== undefined) checkRunnable(architectures, runnable, this.options.runnablePlace);
  }

  /** Removes code nothing references any more, in the background (a large tree takes a while). */
  private collectLater(sha256Hex: string, name: string): void {
    this.code.collect(sha256Hex).catch((error: unknown) => this.onBackgroundError(error, name));
  }

  /** The name an update or a publish addresses: only `$LATEST` changes (published versions never do). */
  private updatableName(functionName: string): string {
    return parseLatestName(functionName, this.scope);
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
    publish = false,
  ): Promise<FunctionVersionRecord> {
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
        if (!publish) {
          this.activateLater(next, current.code);
          return next;
        }
        return (await this.publishWith(next, current.code)).version;
      }
    }
    throw conflict(`The operation cannot be performed at this time. An update is in progress for resource: ${this.arnOf(name)}`);
  }

  /**
   * Publishes a change just stored, then activates it (its activation settles the version). If the
   * publish fails, the change is activated all the same and the caller told.
   */
  private async publishWith(record: FunctionRecord, previousCode?: CodeRef) {
    try {
      const published = await this.publisher.publishChange(record);
      this.activateLater(published.latest, previousCode);
      return published;
    } catch (error) {
      const current = await this.store.load(record.name).catch(() => undefined);
      if (current !== undefined) this.activateLater(current, previousCode);
      throw error;
    }
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
      for (const layer of record.layers ?? []) await this.code.unpack(layer.code);
      await this.prepare(record);
      outcome = getActivatedRecord(record, randomUUID());
    } catch (error) {
      const badZip = error instanceof LambdaError && error.code === 'InvalidZipFileException';
      const refused = error instanceof ActivationRefusal;
      const reason = error instanceof Error ? error.message : String(error);
      const reasonCode = badZip ? 'InvalidZipFileException' : refused ? error.reasonCode : INTERNAL_ERROR;
      outcome = getFailedRecord(record, reason, randomUUID(), reasonCode);
      if ((badZip || refused) && record.state !== 'Pending' && previousCode !== undefined) outcome.code = previousCode;
      if (!badZip && !refused) this.onBackgroundError(error, record.name);
    }
    // The version published with this change (if any) first: once `$LATEST` has moved on, nothing else will.
    await this.publisher.settle(record, outcome).catch((error: unknown) => this.onBackgroundError(error, record.name));
    const unrecorded = getFailedRecord(record, UNRECORDED_REASON, randomUUID());
    await this.activations.record(outcome, record.revisionId, unrecorded);
    const dropped = outcome.code.sha256Hex !== record.code.sha256Hex ? record.code : previousCode;
    if (dropped !== undefined && dropped.sha256Hex !== outcome.code.sha256Hex) this.collectLater(dropped.sha256Hex, record.name);
  }
}
