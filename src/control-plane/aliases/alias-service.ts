import { randomUUID } from 'node:crypto';
import { LambdaError, conflict, functionNotFound } from '../../shared/errors.js';
import { buildFunctionArn, checkFunctionName, parseLatestName, type Scope } from '../function-ref.js';
import type { FunctionStore } from '../function-store.js';
import { revisionMismatch } from '../versions/version-publisher.js';
import type { AliasRecord } from './alias-model.js';
import { checkAliasInput, checkAliasName, checkAliasVersion, newViolations, resolveWeights, type AliasInput } from './alias-input.js';
import type { AliasStore, PutAliasResult } from './alias-store.js';

const PAGE_SIZE_DEFAULT = 50;
/** How often an update is re-applied when the alias moved under it (the caller named no RevisionId). */
const UPDATE_ATTEMPTS = 5;

/** An alias and the name of its function (a path may name it by ARN). */
export interface FunctionAlias {
  functionName: string;
  alias: AliasRecord;
}

export interface AliasPage {
  functionName: string;
  aliases: AliasRecord[];
  nextMarker?: string;
}

const notFound = (message: string): LambdaError => new LambdaError('ResourceNotFoundException', message);

/** The aliases of the Lambda API: names for a version (or `$LATEST`), optionally sharing traffic with one more. */
export class AliasService {
  constructor(
    private readonly functions: FunctionStore,
    private readonly aliases: AliasStore,
    private readonly scope: Scope,
    /** Told of each alias deleted, so that what was configured for it goes too. */
    private readonly onAliasDeleted: (functionName: string, aliasName: string) => void = () => undefined,
  ) {}

  arnOf(functionName: string, qualifier?: string): string {
    return buildFunctionArn(this.scope, functionName, qualifier);
  }

  async create(functionName: string, input: AliasInput): Promise<FunctionAlias> {
    const name = this.checkedName(functionName, input, true);
    const functionVersion = input.FunctionVersion ?? '';
    const weights = resolveWeights(functionVersion, input.RoutingConfig?.AdditionalVersionWeights);
    const alias: AliasRecord = {
      name: input.Name ?? '',
      functionVersion,
      description: input.Description ?? '',
      ...(weights === undefined ? {} : { additionalVersionWeights: weights }),
      revisionId: randomUUID(),
    };
    const result = await this.aliases.putAlias(name, alias);
    if (result.kind === 'exists') throw conflict(`Alias already exists: ${this.arnOf(name, alias.name)}`);
    this.checkStored(result, name, functionVersion);
    return { functionName: name, alias };
  }

  async get(functionName: string, aliasName: string): Promise<FunctionAlias> {
    const name = this.functionNameOf(functionName, { Name: aliasName });
    const alias = await this.aliases.loadAlias(name, aliasName);
    if (alias === undefined) throw notFound(`Cannot find alias arn: ${this.arnOf(name, aliasName)}`);
    return { functionName: name, alias };
  }

  /** ListAliases in name order; `functionVersion` keeps those pointing to that version. */
  async list(functionName: string, functionVersion: string | undefined, marker: string | undefined, maxItems: number | undefined): Promise<AliasPage> {
    const violations = newViolations();
    checkFunctionName(functionName, 'FunctionName', violations);
    if (functionVersion !== undefined) checkAliasVersion(functionVersion, violations);
    violations.throwIfAny();
    const name = parseLatestName(functionName, this.scope);
    if ((await this.functions.load(name)) === undefined) throw functionNotFound(this.arnOf(name));
    const all = (await this.aliases.listAliases(name))
      .filter((a) => functionVersion === undefined || a.functionVersion === functionVersion)
      .filter((a) => marker === undefined || marker === '' || a.name > marker);
    const limit = maxItems ?? PAGE_SIZE_DEFAULT;
    const aliases = all.slice(0, limit);
    const last = aliases[aliases.length - 1];
    return all.length > limit && last !== undefined ? { functionName: name, aliases, nextMarker: last.name } : { functionName: name, aliases };
  }

  /** UpdateAlias: what is given replaces what the alias had (an empty weight map clears its routing). */
  async update(functionName: string, aliasName: string, input: AliasInput): Promise<FunctionAlias> {
    const name = this.checkedName(functionName, { ...input, Name: aliasName }, false);
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt += 1) {
      const current = await this.aliases.loadAlias(name, aliasName);
      if (current === undefined) {
        if ((await this.functions.load(name)) === undefined) throw functionNotFound(this.arnOf(name));
        throw notFound(`Alias not found: ${this.arnOf(name, aliasName)}`);
      }
      if (input.RevisionId !== undefined && input.RevisionId !== current.revisionId) throw revisionMismatch();
      const functionVersion = input.FunctionVersion ?? current.functionVersion;
      const requested = input.RoutingConfig === undefined ? current.additionalVersionWeights : (input.RoutingConfig.AdditionalVersionWeights ?? {});
      const weights = resolveWeights(functionVersion, requested);
      const { additionalVersionWeights: _previous, ...kept } = current;
      const next: AliasRecord = {
        ...kept,
        functionVersion,
        description: input.Description ?? current.description,
        ...(weights === undefined ? {} : { additionalVersionWeights: weights }),
        revisionId: randomUUID(),
      };
      const result = await this.aliases.putAlias(name, next, current.revisionId);
      if (result.kind === 'stored') return { functionName: name, alias: next };
      if (result.kind !== 'revision-mismatch' && result.kind !== 'no-alias') this.checkStored(result, name, functionVersion);
      if (input.RevisionId !== undefined) throw revisionMismatch();
    }
    throw revisionMismatch();
  }

  /** DeleteAlias: deleting an alias that does not exist succeeds, as on AWS; on a missing function, 404. */
  async remove(functionName: string, aliasName: string): Promise<void> {
    const name = this.functionNameOf(functionName, { Name: aliasName });
    const result = await this.aliases.removeAlias(name, aliasName);
    if (result === 'no-function') throw functionNotFound(this.arnOf(name));
    if (result === 'removed') this.onAliasDeleted(name, aliasName);
  }

  /** The path's `{FunctionName}` (and the alias name) checked together, every violation listed. */
  private functionNameOf(functionName: string, input: Pick<AliasInput, 'Name'>): string {
    const violations = newViolations();
    checkFunctionName(functionName, 'FunctionName', violations);
    checkAliasName(input.Name, violations);
    violations.throwIfAny();
    return parseLatestName(functionName, this.scope);
  }

  /** The path's `{FunctionName}` and a CreateAlias / UpdateAlias body checked together, every violation listed. */
  private checkedName(functionName: string, input: AliasInput, creating: boolean): string {
    const violations = newViolations();
    checkFunctionName(functionName, 'FunctionName', violations);
    checkAliasInput(input, creating, violations);
    return parseLatestName(functionName, this.scope);
  }

  private checkStored(result: PutAliasResult, name: string, functionVersion: string): void {
    if (result.kind === 'no-function') throw functionNotFound(this.arnOf(name, functionVersion));
    if (result.kind === 'no-version') throw functionNotFound(this.arnOf(name, result.version));
  }
}
