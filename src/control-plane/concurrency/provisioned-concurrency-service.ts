import { LambdaError, conflict, functionNotFound, invalidParameter } from '../../shared/errors.js';
import { Violations } from '../../shared/violations.js';
import type { AliasStore } from '../aliases/alias-store.js';
import { LATEST, formatLastModified } from '../function-model.js';
import { buildFunctionArn, checkFunctionName, parseFunctionRef, resolveQualifier, type Scope } from '../function-ref.js';
import type { FunctionStore } from '../function-store.js';
import type { VersionStore } from '../versions/version-store.js';
import type { ProvisionedConcurrencyStore, ProvisionedConfig } from './provisioned-concurrency-store.js';

/** A worker's report older than this (it reports every second) no longer counts. */
const STATUS_FRESH_MS = 10_000;
const isVersion = (qualifier: string): boolean => /^[0-9]+$/.test(qualifier);

export interface ProvisionedStores {
  functions: FunctionStore;
  versions: VersionStore;
  aliases: AliasStore;
  provisioned: ProvisionedConcurrencyStore;
}

const notFoundConfig = (): LambdaError =>
  new LambdaError('ProvisionedConcurrencyConfigNotFoundException', 'No Provisioned Concurrency Config found for this function');

/**
 * Put / Get / Delete / ListProvisionedConcurrencyConfig(s): how many environments of an alias's or a
 * published version's code to keep initialised. The workers keep them (see ProvisionedReconciler) and
 * report how many are ready; a configuration is READY once all are.
 */
export class ProvisionedConcurrencyService {
  constructor(
    private readonly stores: ProvisionedStores,
    private readonly scope: Scope,
    private readonly now: () => number = Date.now,
  ) {}

  async put(functionName: string, qualifier: string | undefined, value: number | undefined): Promise<Record<string, unknown>> {
    const violations = new Violations(['functionName', 'qualifier', 'provisionedConcurrentExecutions']);
    checkFunctionName(functionName, 'FunctionName', violations);
    if (qualifier === undefined || qualifier === '') violations.addNull('qualifier');
    if (value === undefined) violations.addNull('provisionedConcurrentExecutions');
    else if (value < 1) violations.add('provisionedConcurrentExecutions', value, 'Member must have value greater than or equal to 1');
    violations.throwIfAny();
    const { name, target } = this.target(functionName, qualifier ?? '');
    if (target === LATEST) throw invalidParameter('Provisioned Concurrency Configs cannot be applied to unpublished function versions.');
    const version = await this.checkTarget(name, target);
    await this.checkConflicts(name, target, version);
    const config: ProvisionedConfig = { qualifier: target, requested: value ?? 1, lastModified: formatLastModified(new Date(this.now())) };
    await this.stores.provisioned.putConfig(name, config);
    return { ...this.view(config, 0) };
  }

  async get(functionName: string, qualifier: string | undefined): Promise<Record<string, unknown>> {
    const { name, target } = this.readTarget(functionName, qualifier);
    await this.checkTarget(name, target);
    const config = await this.stores.provisioned.loadConfig(name, target);
    if (config === undefined) throw notFoundConfig();
    return this.view(config, await this.allocated(name, target));
  }

  async remove(functionName: string, qualifier: string | undefined): Promise<void> {
    const { name, target } = this.readTarget(functionName, qualifier);
    await this.checkTarget(name, target);
    // Deleting a configuration that does not exist succeeds, as on AWS.
    await this.stores.provisioned.removeConfig(name, target);
  }

  async list(functionName: string): Promise<{ ProvisionedConcurrencyConfigs: Array<Record<string, unknown>> }> {
    const ref = parseFunctionRef(functionName, this.scope, 'FunctionName');
    if ((await this.stores.functions.load(ref.name)) === undefined) throw functionNotFound(buildFunctionArn(this.scope, ref.name));
    const configs = await this.stores.provisioned.listConfigs(ref.name);
    const shown: Array<Record<string, unknown>> = [];
    for (const config of configs) {
      // A configuration whose alias or version is gone went with it.
      if ((await this.versionOf(ref.name, config.qualifier)) === undefined) continue;
      shown.push({
        FunctionArn: buildFunctionArn(this.scope, ref.name, config.qualifier),
        ...this.view(config, await this.allocated(ref.name, config.qualifier)),
      });
    }
    return { ProvisionedConcurrencyConfigs: shown };
  }

  /** The published version a qualifier (an alias or a version) stands for, if it exists. */
  async versionOf(functionName: string, qualifier: string): Promise<string | undefined> {
    if (isVersion(qualifier)) return (await this.stores.versions.loadVersion(functionName, qualifier)) === undefined ? undefined : qualifier;
    return (await this.stores.aliases.loadAlias(functionName, qualifier))?.functionVersion;
  }

  private view(config: ProvisionedConfig, allocated: number): Record<string, unknown> {
    const ready = Math.min(allocated, config.requested);
    return {
      RequestedProvisionedConcurrentExecutions: config.requested,
      AvailableProvisionedConcurrentExecutions: ready,
      AllocatedProvisionedConcurrentExecutions: ready,
      Status: ready >= config.requested ? 'READY' : 'IN_PROGRESS',
      LastModified: config.lastModified,
    };
  }

  private async allocated(name: string, qualifier: string): Promise<number> {
    // The workers holding shares of it report each; a worker that stopped reporting holds nothing.
    const statuses = await this.stores.provisioned.loadStatuses(name, qualifier);
    return statuses.filter((status) => this.now() - status.at < STATUS_FRESH_MS).reduce((sum, status) => sum + status.allocated, 0);
  }

  private target(functionName: string, qualifier: string): { name: string; target: string } {
    const ref = parseFunctionRef(functionName, this.scope, 'FunctionName');
    return { name: ref.name, target: resolveQualifier(ref, qualifier) ?? qualifier };
  }

  /** Get and Delete: the qualifier is required, and must name an alias or a published version. */
  private readTarget(functionName: string, qualifier: string | undefined): { name: string; target: string } {
    const violations = new Violations(['functionName', 'qualifier']);
    checkFunctionName(functionName, 'FunctionName', violations);
    if (qualifier === undefined || qualifier === '') violations.addNull('qualifier');
    violations.throwIfAny();
    const resolved = this.target(functionName, qualifier ?? '');
    if (resolved.target === LATEST) throw invalidParameter('The function resource provided must be an alias or a published version.');
    return resolved;
  }

  /** The version the target stands for; 404 in AWS's words for a missing version or alias. */
  private async checkTarget(name: string, target: string): Promise<string> {
    const version = await this.versionOf(name, target);
    if (version !== undefined) return version;
    const arn = buildFunctionArn(this.scope, name, target);
    throw new LambdaError('ResourceNotFoundException', isVersion(target) ? `Function not found: ${arn}` : `Cannot find alias arn: ${arn}`);
  }

  /** A version and an alias pointing to it cannot both be provisioned (409s recorded from AWS). */
  private async checkConflicts(name: string, target: string, version: string): Promise<void> {
    const configs = await this.stores.provisioned.listConfigs(name);
    if (!isVersion(target)) {
      if (configs.some((c) => c.qualifier === version)) {
        throw conflict("Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version");
      }
      return;
    }
    for (const config of configs) {
      if (isVersion(config.qualifier) || config.qualifier === target) continue;
      if ((await this.versionOf(name, config.qualifier)) === version) throw conflict('Version is pointed by a Provisioned Concurrency alias');
    }
  }
}
