import { randomUUID } from 'node:crypto';
import { LambdaError, conflict, functionNotFound, invalidParameter } from '../../shared/errors.js';
import { Violations } from '../../shared/violations.js';
import type { AliasStore } from '../aliases/alias-store.js';
import { ALIAS_NAME_PATTERN } from '../aliases/alias-input.js';
import { LATEST } from '../function-model.js';
import { buildFunctionArn, checkFunctionName, checkQualifier, parseFunctionTarget, resolveQualifier, splitFunctionName, type Scope } from '../function-ref.js';
import type { FunctionStore } from '../function-store.js';
import { isPublishedVersion } from '../versions/version-listing.js';
import { revisionMismatch } from '../versions/version-publisher.js';
import type { VersionStore } from '../versions/version-store.js';
import type { FunctionPolicyStore } from './function-policy-store.js';
import { PERMISSION_MEMBERS, buildStatement, checkNamespacedStatementId, checkPermissionInput, type PermissionInput } from './permission-input.js';
import { buildPolicyDocument, type PolicyRecord, type PolicyStatement } from './policy-model.js';

export interface FunctionPolicyStores {
  functions: Pick<FunctionStore, 'load'>;
  versions: Pick<VersionStore, 'loadVersion'>;
  aliases: Pick<AliasStore, 'loadAlias'>;
  policies: FunctionPolicyStore;
}

/** How often a change is re-applied when the policy moved under it (the caller named no RevisionId). */
const UPDATE_ATTEMPTS = 5;
const REMOVE_MEMBERS = ['functionName', 'statementId', 'qualifier', 'revisionId'] as const;
const ALIAS_NAME = new RegExp(`^(?:${ALIAS_NAME_PATTERN})$`);

const notFound = (message: string): LambdaError => new LambdaError('ResourceNotFoundException', message);
/** GetPolicy's one answer for a missing function, version, alias or policy (recorded from AWS). */
const noResource = (): LambdaError => notFound('The resource you requested does not exist.');
/** AddPermission's RevisionId check names GetPolicy, RemovePermission's GetFunction/GetAlias (both recorded from AWS). */
const policyRevisionMismatch = (): LambdaError =>
  new LambdaError(
    'PreconditionFailedException',
    'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id',
  );

/** A qualifier of an existing function, with the RevisionId of what it names. */
interface Target {
  name: string;
  qualifier: string;
  revisionId: string;
}

/**
 * AddPermission / RemovePermission / GetPolicy: the resource-based policy of each of a function's
 * `$LATEST`, versions and aliases (separate policies; a published version starts without one). Also the
 * typed statements the invocation path may enforce (`loadPolicy`).
 */
export class FunctionPolicyService {
  constructor(
    private readonly stores: FunctionPolicyStores,
    private readonly scope: Scope,
  ) {}

  /** AddPermission: 201 with the statement added, as a JSON string. */
  async addPermission(functionName: string, qualifier: string | undefined, input: PermissionInput): Promise<{ Statement: string }> {
    const violations = new Violations(PERMISSION_MEMBERS);
    checkFunctionName(functionName, 'NamespacedFunctionName', violations);
    checkPermissionInput(input, violations);
    checkQualifier(qualifier, violations);
    violations.throwIfAny();
    const ref = splitFunctionName(functionName, this.scope, 'NamespacedFunctionName');
    const resolved = resolveQualifier(ref, qualifier);
    if (resolved === LATEST) throw invalidParameter('We currently do not support adding policies for $LATEST.');
    const statement = buildStatement(input, buildFunctionArn(this.scope, ref.name, resolved));
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt += 1) {
      const target = await this.resolveTarget(ref.name, resolved, functionNotFound);
      const current = await this.stores.policies.loadPolicy(target.name, target.qualifier);
      // Without a policy yet, the RevisionId is the function's, version's or alias's (recorded from AWS:
      // the alias's RevisionId is accepted for an alias's first statement, any other refused).
      if (input.RevisionId !== undefined && input.RevisionId !== (current?.revisionId ?? target.revisionId)) throw policyRevisionMismatch();
      if (current?.statements.some((existing) => existing.Sid === statement.Sid) === true) {
        throw conflict(
          `The statement id (${statement.Sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
        );
      }
      const next: PolicyRecord = { revisionId: randomUUID(), statements: [...(current?.statements ?? []), statement] };
      const result = await this.stores.policies.replacePolicy(target.name, target.qualifier, next, current?.revisionId);
      if (result === 'stored') return { Statement: JSON.stringify(statement) };
      if (input.RevisionId !== undefined && result === 'moved') throw policyRevisionMismatch();
    }
    throw policyRevisionMismatch();
  }

  /** RemovePermission: the policy goes with its last statement (GetPolicy then answers 404). */
  async removePermission(functionName: string, statementId: string, qualifier: string | undefined, revisionId: string | undefined): Promise<void> {
    const violations = new Violations(REMOVE_MEMBERS);
    checkFunctionName(functionName, 'NamespacedFunctionName', violations);
    checkNamespacedStatementId(statementId, violations);
    checkQualifier(qualifier, violations);
    violations.throwIfAny();
    const ref = splitFunctionName(functionName, this.scope, 'NamespacedFunctionName');
    const resolved = resolveQualifier(ref, qualifier);
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt += 1) {
      const target = await this.resolveTarget(ref.name, resolved, (arn) => notFound(`No policy found for: ${arn}`));
      const current = await this.stores.policies.loadPolicy(target.name, target.qualifier);
      if (current === undefined) throw notFound('No policy is associated with the given resource.');
      if (!current.statements.some((statement) => statement.Sid === statementId)) {
        throw notFound(`Statement ${statementId} is not found in resource policy.`);
      }
      if (revisionId !== undefined && revisionId !== current.revisionId) throw revisionMismatch();
      const statements = current.statements.filter((statement) => statement.Sid !== statementId);
      const next = statements.length === 0 ? undefined : { revisionId: randomUUID(), statements };
      const result = await this.stores.policies.replacePolicy(target.name, target.qualifier, next, current.revisionId);
      if (result === 'stored') return;
      if (revisionId !== undefined && result === 'moved') throw revisionMismatch();
    }
    throw revisionMismatch();
  }

  /** GetPolicy: one 404 whether the function, its version or alias, or the policy is missing (recorded from AWS). */
  async getPolicy(functionName: string, qualifier: string | undefined): Promise<{ Policy: string; RevisionId: string }> {
    const ref = parseFunctionTarget(functionName, qualifier, this.scope);
    const target = ref.qualifier ?? LATEST;
    const policy = await this.stores.policies.loadPolicy(ref.name, target);
    if (policy === undefined || !(await this.exists(ref.name, target))) throw noResource();
    return { Policy: JSON.stringify(buildPolicyDocument(policy.statements)), RevisionId: policy.revisionId };
  }

  /**
   * The statements of a function's policy for `qualifier` (`undefined`: `$LATEST`), or `undefined` when
   * it has none. `functionName` is a plain name (no ARN, no qualifier).
   */
  async loadPolicy(functionName: string, qualifier: string | undefined): Promise<PolicyStatement[] | undefined> {
    return (await this.stores.policies.loadPolicy(functionName, qualifier ?? LATEST))?.statements;
  }

  /** The policies of a deleted function go with it. */
  async removeAll(functionName: string): Promise<void> {
    await this.stores.policies.removeAll(functionName);
  }

  /** The policy of a deleted version or alias goes with it. */
  async removeQualifier(functionName: string, qualifier: string): Promise<void> {
    await this.stores.policies.removePolicy(functionName, qualifier);
  }

  /**
   * The function and what the qualifier names, with AWS's messages (recorded from AWS): a missing alias
   * "Cannot find alias arn", a missing version, or a qualifier that could name neither, "Function not found".
   */
  private async resolveTarget(name: string, qualifier: string | undefined, functionMissing: (arn: string) => LambdaError): Promise<Target> {
    const fn = await this.stores.functions.load(name);
    if (fn === undefined) throw functionMissing(buildFunctionArn(this.scope, name));
    if (qualifier === undefined || qualifier === LATEST) return { name, qualifier: LATEST, revisionId: fn.revisionId };
    const arn = buildFunctionArn(this.scope, name, qualifier);
    if (isPublishedVersion(qualifier)) {
      const version = await this.stores.versions.loadVersion(name, qualifier);
      if (version === undefined) throw functionNotFound(arn);
      return { name, qualifier, revisionId: version.revisionId };
    }
    if (!ALIAS_NAME.test(qualifier)) throw functionNotFound(arn);
    const alias = await this.stores.aliases.loadAlias(name, qualifier);
    if (alias === undefined) throw notFound(`Cannot find alias arn: ${arn}`);
    return { name, qualifier, revisionId: alias.revisionId };
  }

  private async exists(name: string, qualifier: string): Promise<boolean> {
    try {
      await this.resolveTarget(name, qualifier, functionNotFound);
      return true;
    } catch (error) {
      if (error instanceof LambdaError && error.code === 'ResourceNotFoundException') return false;
      throw error;
    }
  }
}
