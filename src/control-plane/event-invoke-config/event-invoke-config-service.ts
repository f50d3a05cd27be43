import { LambdaError, invalidParameter } from '../../shared/errors.js';
import { Violations } from '../../shared/violations.js';
import type { AliasStore } from '../aliases/alias-store.js';
import { LATEST } from '../function-model.js';
import { buildFunctionArn, checkFunctionName, checkQualifier, parseFunctionRef, parseFunctionTarget, type Scope } from '../function-ref.js';
import type { FunctionStore } from '../function-store.js';
import { checkOwnQueue } from '../queue-arn.js';
import { isPublishedVersion } from '../versions/version-listing.js';
import type { VersionStore } from '../versions/version-store.js';
import {
  DEFAULT_MAXIMUM_EVENT_AGE_SECONDS,
  DEFAULT_MAXIMUM_RETRY_ATTEMPTS,
  type AsyncSettings,
  type AsyncSettingsSource,
} from './async-settings.js';
import {
  EVENT_INVOKE_CONFIG_MEMBERS,
  checkEventInvokeConfigInput,
  checkHasSetting,
  getDestinationKind,
  getDestinations,
  getMergedConfig,
  getReplacedConfig,
  invalidDestinationConfig,
  toEventInvokeConfigView,
  type EventInvokeConfigInput,
} from './event-invoke-config-input.js';
import type { EventInvokeConfigRecord, EventInvokeConfigStore } from './event-invoke-config-store.js';

export interface EventInvokeConfigStores {
  functions: Pick<FunctionStore, 'load'>;
  versions: Pick<VersionStore, 'loadVersion'>;
  aliases: Pick<AliasStore, 'loadAlias'>;
  configs: EventInvokeConfigStore;
}

const PAGE_SIZE_DEFAULT = 50;
const PAGE_SIZE_MAX = 50;
/** A Lambda destination: `arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]`. */
const LAMBDA_ARN = /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([a-zA-Z0-9-_]+)(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;

const notFound = (message: string): LambdaError => new LambdaError('ResourceNotFoundException', message);
const functionMissing = (): LambdaError => notFound("The function doesn't exist.");

/** `$LATEST` first, then versions by number, then aliases by name: the order of List and of its marker. */
function rank(qualifier: string): [number, number, string] {
  if (qualifier === LATEST) return [0, 0, ''];
  return isPublishedVersion(qualifier) ? [1, Number(qualifier), ''] : [2, 0, qualifier];
}

export function compareQualifiers(a: string, b: string): number {
  const [ra, rb] = [rank(a), rank(b)];
  return ra[0] - rb[0] || ra[1] - rb[1] || (ra[2] < rb[2] ? -1 : ra[2] > rb[2] ? 1 : 0);
}

/**
 * Put / Update / Get / Delete / ListFunctionEventInvokeConfig(s): per qualifier (`$LATEST`, a version, an
 * alias: separate entries), how often a failed asynchronous invocation is retried, how old an event may
 * grow, and where its record goes. Also the settings the async dispatcher applies (AsyncSettingsSource).
 */
export class EventInvokeConfigService implements AsyncSettingsSource {
  constructor(
    private readonly stores: EventInvokeConfigStores,
    private readonly scope: Scope,
    private readonly now: () => number = Date.now,
  ) {}

  async put(functionName: string, qualifier: string | undefined, input: EventInvokeConfigInput): Promise<Record<string, unknown>> {
    const { name, target } = await this.writableTarget(functionName, qualifier, input);
    await this.checkDestinations(name, input);
    const config = getReplacedConfig(target, input, this.now());
    await this.stores.configs.putConfig(name, config);
    return toEventInvokeConfigView(config, buildFunctionArn(this.scope, name, target));
  }

  async update(functionName: string, qualifier: string | undefined, input: EventInvokeConfigInput): Promise<Record<string, unknown>> {
    const { name, target } = await this.writableTarget(functionName, qualifier, input);
    const current = await this.loadExisting(name, target);
    await this.checkDestinations(name, input);
    const config = getMergedConfig(current, input, this.now());
    await this.stores.configs.putConfig(name, config);
    return toEventInvokeConfigView(config, buildFunctionArn(this.scope, name, target));
  }

  async get(functionName: string, qualifier: string | undefined): Promise<Record<string, unknown>> {
    const { name, target } = this.readTarget(functionName, qualifier);
    const config = await this.loadExisting(name, target);
    return toEventInvokeConfigView(config, buildFunctionArn(this.scope, name, target));
  }

  /** A missing function and a missing config get the same 404 (recorded from AWS). */
  async remove(functionName: string, qualifier: string | undefined): Promise<void> {
    const { name, target } = this.readTarget(functionName, qualifier);
    if (!(await this.stores.configs.removeConfig(name, target))) throw this.noConfig(name, target);
  }

  async list(
    functionName: string,
    marker: string | undefined,
    maxItems: number | undefined,
  ): Promise<{ FunctionEventInvokeConfigs: Array<Record<string, unknown>>; NextMarker?: string }> {
    const violations = new Violations(['functionName', 'marker', 'maxItems']);
    checkFunctionName(functionName, 'NamespacedFunctionName', violations);
    if (maxItems !== undefined && maxItems < 1) violations.add('maxItems', maxItems, 'Member must have value greater than or equal to 1');
    if (maxItems !== undefined && maxItems > PAGE_SIZE_MAX) {
      violations.add('maxItems', maxItems, `Member must have value less than or equal to ${PAGE_SIZE_MAX}`);
    }
    violations.throwIfAny();
    const { name } = parseFunctionRef(functionName, this.scope);
    if ((await this.stores.functions.load(name)) === undefined) throw functionMissing();
    const configs = (await this.stores.configs.listConfigs(name))
      .filter((config) => marker === undefined || marker === '' || compareQualifiers(config.qualifier, marker) > 0)
      .sort((a, b) => compareQualifiers(a.qualifier, b.qualifier));
    const page = configs.slice(0, maxItems ?? PAGE_SIZE_DEFAULT);
    const last = page.at(-1);
    return {
      FunctionEventInvokeConfigs: page.map((config) => toEventInvokeConfigView(config, buildFunctionArn(this.scope, name, config.qualifier))),
      ...(page.length < configs.length && last !== undefined ? { NextMarker: last.qualifier } : {}),
    };
  }

  async fetchAsyncSettings(functionName: string, qualifier: string): Promise<AsyncSettings> {
    const config = await this.stores.configs.loadConfig(functionName, qualifier);
    return {
      maximumRetryAttempts: config?.maximumRetryAttempts ?? DEFAULT_MAXIMUM_RETRY_ATTEMPTS,
      maximumEventAgeSeconds: config?.maximumEventAgeInSeconds ?? DEFAULT_MAXIMUM_EVENT_AGE_SECONDS,
      ...(config?.onSuccess === undefined ? {} : { onSuccess: config.onSuccess }),
      ...(config?.onFailure === undefined ? {} : { onFailure: config.onFailure }),
    };
  }

  /** The configs of a deleted function, version or alias go with it. */
  async removeAll(functionName: string): Promise<void> {
    await this.stores.configs.removeAll(functionName);
  }

  async removeQualifier(functionName: string, qualifier: string): Promise<void> {
    await this.stores.configs.removeConfig(functionName, qualifier);
  }

  /** Put and Update, in AWS's order: constraints, "at least one setting", the qualifiers' agreement, then the function. */
  private async writableTarget(functionName: string, qualifier: string | undefined, input: EventInvokeConfigInput) {
    const violations = new Violations(EVENT_INVOKE_CONFIG_MEMBERS);
    checkFunctionName(functionName, 'NamespacedFunctionName', violations);
    checkQualifier(qualifier, violations);
    checkEventInvokeConfigInput(input, violations);
    violations.throwIfAny();
    checkHasSetting(input);
    const ref = parseFunctionTarget(functionName, qualifier, this.scope);
    const target = ref.qualifier ?? LATEST;
    if (!(await this.exists(ref.name, target))) throw functionMissing();
    return { name: ref.name, target };
  }

  private readTarget(functionName: string, qualifier: string | undefined): { name: string; target: string } {
    const ref = parseFunctionTarget(functionName, qualifier, this.scope);
    return { name: ref.name, target: ref.qualifier ?? LATEST };
  }

  private async loadExisting(name: string, target: string): Promise<EventInvokeConfigRecord> {
    const config = await this.stores.configs.loadConfig(name, target);
    if (config === undefined) throw this.noConfig(name, target);
    return config;
  }

  private noConfig(name: string, target: string): LambdaError {
    return notFound(`The function ${buildFunctionArn(this.scope, name, target)} doesn't have an EventInvokeConfig`);
  }

  /** Whether the function, and the version or alias the qualifier names, exist. */
  private async exists(name: string, qualifier: string): Promise<boolean> {
    if ((await this.stores.functions.load(name)) === undefined) return false;
    if (qualifier === LATEST) return true;
    if (isPublishedVersion(qualifier)) return (await this.stores.versions.loadVersion(name, qualifier)) !== undefined;
    return (await this.stores.aliases.loadAlias(name, qualifier)) !== undefined;
  }

  /**
   * AWS's checks first (a missing or the function's own Lambda destination, a service it does not deliver
   * to), then lambdock's: only Lambda functions and its own SQS queues receive records; the other kinds AWS
   * takes are refused rather than accepted and never delivered.
   */
  private async checkDestinations(name: string, input: EventInvokeConfigInput): Promise<void> {
    const destinations = getDestinations(input);
    const arns = [destinations.onFailure, destinations.onSuccess].filter((arn): arn is string => arn !== undefined);
    let invalid = false;
    for (const arn of arns) {
      const kind = getDestinationKind(arn);
      if (kind.kind === 'lambda') await this.checkLambdaDestination(name, arn);
      if (kind.kind === 'invalid') invalid = true;
    }
    if (invalid) throw invalidParameter(invalidDestinationConfig(destinations));
    for (const arn of arns) {
      const kind = getDestinationKind(arn);
      if (kind.kind === 'undeliverable') {
        throw invalidParameter(
          `lambdock cannot deliver asynchronous invocation records to ${kind.what} yet: use a Lambda function or an SQS queue as the destination instead of ${arn}.`,
        );
      }
      if (kind.kind === 'sqs') checkOwnQueue(arn, this.scope, 'asynchronous invocation records');
    }
  }

  private async checkLambdaDestination(name: string, arn: string): Promise<void> {
    const match = LAMBDA_ARN.exec(arn);
    const [region, account, destination, qualifier] = [match?.[1], match?.[2], match?.[3], match?.[4]];
    const local = region === this.scope.region && account === this.scope.accountId && destination !== undefined;
    if (!local || !(await this.exists(destination, qualifier ?? LATEST))) {
      throw invalidParameter(`The destination ARN ${arn} is invalid.`);
    }
    if (destination === name) throw invalidParameter("You can't specify the function as a destination for itself.");
  }
}
