import { invalidParameter } from '../../shared/errors.js';
import type { Violations } from '../../shared/violations.js';
import type { EventInvokeConfigRecord } from './event-invoke-config-store.js';

/**
 * The body of PutFunctionEventInvokeConfig and UpdateFunctionEventInvokeConfig, its checks in AWS's words
 * and order (recorded from AWS, see the research notes on async invocation §2), and the answer's shape.
 */

export interface DestinationInput {
  Destination?: string;
}

export interface EventInvokeConfigInput {
  MaximumRetryAttempts?: number;
  MaximumEventAgeInSeconds?: number;
  DestinationConfig?: { OnSuccess?: DestinationInput; OnFailure?: DestinationInput };
}

/** The request's members in the model's order (AWS lists violations in it). */
export const EVENT_INVOKE_CONFIG_MEMBERS = ['functionName', 'qualifier', 'maximumRetryAttempts', 'maximumEventAgeInSeconds', 'destinationConfig'];

/** DestinationArn, as AWS prints it in its constraint message. */
export const DESTINATION_ARN_PATTERN =
  '$|kafka://([^.]([a-zA-Z0-9\\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)';
const DESTINATION_ARN = new RegExp(`^(?:${DESTINATION_ARN_PATTERN})$`, 's');
const DESTINATION_MAX_LENGTH = 350;

export const AT_LEAST_ONE_SETTING = 'You must specify at least one of error handling or destination setting.';

function checkRange(member: string, value: number | undefined, min: number, max: number, violations: Violations): void {
  if (value === undefined) return;
  if (value < min) violations.add(member, value, `Member must have value greater than or equal to ${min}`);
  if (value > max) violations.add(member, value, `Member must have value less than or equal to ${max}`);
}

function checkDestination(member: string, arn: string | undefined, violations: Violations): void {
  if (arn === undefined) return;
  if (arn.length > DESTINATION_MAX_LENGTH) violations.add(member, arn, `Member must have length less than or equal to ${DESTINATION_MAX_LENGTH}`);
  if (!DESTINATION_ARN.test(arn)) violations.add(member, arn, `Member must satisfy regular expression pattern: ${DESTINATION_ARN_PATTERN}`);
}

/** Adds the body's constraint violations (ranges, destination ARN length and pattern). */
export function checkEventInvokeConfigInput(input: EventInvokeConfigInput, violations: Violations): void {
  checkRange('maximumRetryAttempts', input.MaximumRetryAttempts, 0, 2, violations);
  checkRange('maximumEventAgeInSeconds', input.MaximumEventAgeInSeconds, 60, 21600, violations);
  checkDestination('destinationConfig.onSuccess.destination', input.DestinationConfig?.OnSuccess?.Destination, violations);
  checkDestination('destinationConfig.onFailure.destination', input.DestinationConfig?.OnFailure?.Destination, violations);
}

/** Checked before the function is looked up: a body with none of the settings is refused (an empty DestinationConfig counts). */
export function checkHasSetting(input: EventInvokeConfigInput): void {
  if (input.MaximumRetryAttempts === undefined && input.MaximumEventAgeInSeconds === undefined && input.DestinationConfig === undefined) {
    throw invalidParameter(AT_LEAST_ONE_SETTING);
  }
}

/** A destination that names something (an empty one, or none, is "no destination"). */
const named = (destination: DestinationInput | undefined): string | undefined =>
  destination?.Destination === undefined || destination.Destination === '' ? undefined : destination.Destination;

export function getDestinations(input: EventInvokeConfigInput): { onSuccess?: string; onFailure?: string } {
  const onSuccess = named(input.DestinationConfig?.OnSuccess);
  const onFailure = named(input.DestinationConfig?.OnFailure);
  return { ...(onSuccess === undefined ? {} : { onSuccess }), ...(onFailure === undefined ? {} : { onFailure }) };
}

/** PutFunctionEventInvokeConfig: the config is replaced whole; what the body leaves out is unset. */
export function getReplacedConfig(qualifier: string, input: EventInvokeConfigInput, now: number): EventInvokeConfigRecord {
  return {
    qualifier,
    ...(input.MaximumRetryAttempts === undefined ? {} : { maximumRetryAttempts: input.MaximumRetryAttempts }),
    ...(input.MaximumEventAgeInSeconds === undefined ? {} : { maximumEventAgeInSeconds: input.MaximumEventAgeInSeconds }),
    ...getDestinations(input),
    lastModified: now,
  };
}

/**
 * UpdateFunctionEventInvokeConfig: each setting the body names replaces the current one; the others stay.
 * A DestinationConfig replaces both destinations (one it leaves out is removed).
 */
export function getMergedConfig(current: EventInvokeConfigRecord, input: EventInvokeConfigInput, now: number): EventInvokeConfigRecord {
  const { onSuccess: _s, onFailure: _f, ...kept } = current;
  return {
    ...(input.DestinationConfig === undefined ? current : kept),
    ...(input.MaximumRetryAttempts === undefined ? {} : { maximumRetryAttempts: input.MaximumRetryAttempts }),
    ...(input.MaximumEventAgeInSeconds === undefined ? {} : { maximumEventAgeInSeconds: input.MaximumEventAgeInSeconds }),
    ...(input.DestinationConfig === undefined ? {} : getDestinations(input)),
    lastModified: now,
  };
}

/**
 * The `FunctionEventInvokeConfig` shape: LastModified in epoch seconds with milliseconds (a JSON number),
 * unset retry and age settings omitted, DestinationConfig always with both keys.
 */
export function toEventInvokeConfigView(config: EventInvokeConfigRecord, functionArn: string): Record<string, unknown> {
  return {
    LastModified: config.lastModified / 1000,
    FunctionArn: functionArn,
    ...(config.maximumRetryAttempts === undefined ? {} : { MaximumRetryAttempts: config.maximumRetryAttempts }),
    ...(config.maximumEventAgeInSeconds === undefined ? {} : { MaximumEventAgeInSeconds: config.maximumEventAgeInSeconds }),
    DestinationConfig: {
      OnSuccess: config.onSuccess === undefined ? {} : { Destination: config.onSuccess },
      OnFailure: config.onFailure === undefined ? {} : { Destination: config.onFailure },
    },
  };
}

/** What a destination ARN names: a kind lambdock delivers to, one valid on AWS it cannot deliver to, or none AWS takes. */
export type DestinationKind =
  | { kind: 'lambda' }
  | { kind: 'sqs' }
  | { kind: 'undeliverable'; what: string }
  | { kind: 'invalid' };

const UNDELIVERABLE: Record<string, string> = { sns: 'SNS topics', events: 'EventBridge event buses', s3: 'S3 buckets' };

export function getDestinationKind(arn: string): DestinationKind {
  if (arn.startsWith('kafka://')) return { kind: 'undeliverable', what: 'Kafka topics' };
  const service = arn.split(':')[2] ?? '';
  if (service === 'lambda') return { kind: 'lambda' };
  if (service === 'sqs') return { kind: 'sqs' };
  const what = UNDELIVERABLE[service];
  return what === undefined ? { kind: 'invalid' } : { kind: 'undeliverable', what };
}

/** AWS's message for a destination of a service it does not deliver to (recorded with onFailure unset). */
export function invalidDestinationConfig(destinations: { onSuccess?: string; onFailure?: string }): string {
  const onSuccess = destinations.onSuccess === undefined ? 'null' : `OnSuccess(destination=${destinations.onSuccess})`;
  const onFailure = destinations.onFailure === undefined ? 'null' : `OnFailure(destination=${destinations.onFailure})`;
  return `The provided destination config DestinationConfig(onSuccess=${onSuccess}, onFailure=${onFailure}) is invalid.`;
}
