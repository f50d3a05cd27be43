import { LambdaError, functionNotFound, invalidParameter, validationError } from '../shared/errors.js';
import type { Scope } from './function-ref.js';

export type Tags = Record<string, string>;

export const TAG_LIMIT = 50;

/** AWS's `TaggableResource` pattern, as its ValidationException quotes it (recorded from AWS). */
const TAGGABLE_PATTERN =
  'arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)';
const TAGGABLE = new RegExp(`^${TAGGABLE_PATTERN}$`);
const RESOURCE = /^arn:aws[a-zA-Z-]*:lambda:([^:]+):(\d{12}):([a-z-]+):([^:]+)(?::(.+))?$/;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

const NOT_FOUND_LABEL: Record<string, string> = {
  'event-source-mapping': 'Event source mapping',
  'capacity-provider': 'Capacity provider',
};

/** The function a `{Resource}` ARN of the tagging API names; other taggable kinds do not exist in lambdock yet. */
export function getTaggedFunctionName(resource: string, scope: Scope): string {
  if (resource.length > 10000 || !TAGGABLE.test(resource)) {
    throw validationError(
      `1 validation error detected: Value '${resource}' at 'resource' failed to satisfy constraint: ` +
        `Member must satisfy regular expression pattern: ${TAGGABLE_PATTERN}`,
    );
  }
  const [, region = '', account = '', kind = '', id = '', qualifier] = RESOURCE.exec(resource) ?? [];
  if (kind !== 'function') {
    const label = NOT_FOUND_LABEL[kind];
    if (label !== undefined) throw new LambdaError('ResourceNotFoundException', `${label} not found: ${resource}`);
    throw new LambdaError('ResourceNotFoundException', 'The resource you requested does not exist.');
  }
  if (qualifier !== undefined) {
    throw invalidParameter('Tags on function aliases and versions are not supported. Please specify a function ARN.');
  }
  if (region !== scope.region || account !== scope.accountId) throw functionNotFound(resource);
  return id;
}

/** Java's Map#toString, which AWS's validation messages quote. */
function shown(tags: Tags): string {
  return `{${Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(', ')}}`;
}

/** AWS's rules for a set of tags to add (TagResource, CreateFunction's Tags). */
export function checkTags(tags: Tags): Tags {
  const entries = Object.entries(tags);
  if (entries.some(([key]) => key.length < 1 || key.length > 128 || !TAG_TEXT.test(key))) {
    throw validationError(
      `1 validation error detected: Value '${shown(tags)}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: ` +
        '[Member must have length less than or equal to 128, Member must have length greater than or equal to 1, ' +
        'Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$]',
    );
  }
  if (entries.some(([, value]) => typeof value !== 'string' || value.length > 256 || !TAG_TEXT.test(value))) {
    throw validationError(
      `1 validation error detected: Value '${shown(tags)}' at 'tags' failed to satisfy constraint: Map value must satisfy constraint: ` +
        '[Member must have length less than or equal to 256, Member must have length greater than or equal to 0, ' +
        'Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$]',
    );
  }
  if (entries.some(([key]) => key.toLowerCase().startsWith('aws:'))) {
    throw invalidParameter('aws: prefixed tag key names are not allowed for external use.');
  }
  if (entries.length > TAG_LIMIT) throw tagLimitExceeded();
  return { ...tags };
}

export const tagLimitExceeded = (): LambdaError => invalidParameter('Number of tags exceeds resource tag limit.');

/** Where function tags live: apart from the record (tagging does not race configuration updates), removed with it. */
export interface TagStore {
  /** Undefined when the function does not exist. */
  fetchTags(functionName: string): Promise<Tags | undefined>;
  /** Adds or overwrites tags while the function exists and the total stays within `limit`. */
  addTags(functionName: string, tags: Tags, limit: number): Promise<'tagged' | 'missing' | 'limit-exceeded'>;
  /** False when the function does not exist. */
  removeTags(functionName: string, keys: string[]): Promise<boolean>;
}
