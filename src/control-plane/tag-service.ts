import { functionNotFound, invalidParameter, validationError } from '../shared/errors.js';
import { buildFunctionArn, type Scope } from './function-ref.js';
import { TAG_LIMIT, checkTags, getTaggedFunctionName, tagLimitExceeded, type TagStore, type Tags } from './function-tags.js';

/** ListTags, TagResource, UntagResource on functions (the only taggable resource lambdock has yet). */
export class TagService {
  constructor(
    private readonly store: TagStore,
    private readonly scope: Scope,
  ) {}

  /** A function's tags, for GetFunction (which leaves `Tags` out when there are none). */
  async fetchFunctionTags(functionName: string): Promise<Tags> {
    return (await this.store.fetchTags(functionName)) ?? {};
  }

  async list(resource: string): Promise<Tags> {
    const name = getTaggedFunctionName(resource, this.scope);
    const tags = await this.store.fetchTags(name);
    if (tags === undefined) throw functionNotFound(buildFunctionArn(this.scope, name));
    return tags;
  }

  async tag(resource: string, tags: Tags | undefined): Promise<void> {
    const name = getTaggedFunctionName(resource, this.scope);
    if (tags === undefined || Object.keys(tags).length === 0) {
      throw invalidParameter('An error occurred and the request cannot be processed.');
    }
    const result = await this.store.addTags(name, checkTags(tags), TAG_LIMIT);
    if (result === 'missing') throw functionNotFound(buildFunctionArn(this.scope, name));
    if (result === 'limit-exceeded') throw tagLimitExceeded();
  }

  async untag(resource: string, keys: string[]): Promise<void> {
    const name = getTaggedFunctionName(resource, this.scope);
    if (keys.length === 0) {
      throw validationError("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null");
    }
    if (!(await this.store.removeTags(name, keys))) throw functionNotFound(buildFunctionArn(this.scope, name));
  }
}
