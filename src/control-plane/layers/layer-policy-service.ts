import { randomUUID } from 'node:crypto';
import { LambdaError, conflict } from '../../shared/errors.js';
import { Violations } from '../../shared/violations.js';
import type { Scope } from '../function-ref.js';
import { buildPolicyDocument, type PolicyRecord } from '../policies/policy-model.js';
import { parseLayerName, parseVersionNumber } from './layer-input.js';
import { buildLayerVersionArn } from './layer-model.js';
import { LAYER_PERMISSION_MEMBERS, buildLayerStatement, checkLayerPermissionInput, checkLayerStatementId, type LayerPermissionInput } from './layer-permission-input.js';
import type { LayerPolicyStore } from './layer-policy-store.js';
import type { LayerStore } from './layer-store.js';

export interface LayerPolicyStores {
  layers: Pick<LayerStore, 'load'>;
  policies: LayerPolicyStore;
}

/** How often a change is re-applied when the policy moved under it (the caller named no RevisionId). */
const UPDATE_ATTEMPTS = 5;

const notFound = (message: string): LambdaError => new LambdaError('ResourceNotFoundException', message);
const noPolicy = (): LambdaError => notFound('No policy is associated with the given resource.');
/** All three operations name GetLayerPolicy (recorded from AWS). */
const revisionMismatch = (): LambdaError =>
  new LambdaError(
    'PreconditionFailedException',
    'The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id',
  );

/**
 * AddLayerVersionPermission / GetLayerVersionPolicy / RemoveLayerVersionPermission: who may use a layer
 * version (`lambda:GetLayerVersion` only), one policy per layer version, removed with it.
 */
export class LayerPolicyService {
  constructor(
    private readonly stores: LayerPolicyStores,
    private readonly scope: Scope,
  ) {}

  /** AddLayerVersionPermission: 201 with the statement added (a JSON string) and the policy's new RevisionId. */
  async addPermission(layerNameInput: string, versionInput: string, input: LayerPermissionInput): Promise<{ Statement: string; RevisionId: string }> {
    const layerName = parseLayerName(layerNameInput);
    const version = parseVersionNumber(versionInput);
    const violations = new Violations(LAYER_PERMISSION_MEMBERS);
    checkLayerPermissionInput(input, violations);
    violations.throwIfAny();
    const arn = buildLayerVersionArn(this.scope, layerName, version);
    const statement = buildLayerStatement(input, arn);
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt += 1) {
      await this.requireVersion(layerName, version);
      const current = await this.stores.policies.loadPolicy(layerName, version);
      if (current?.statements.some((existing) => existing.Sid === statement.Sid) === true) {
        throw conflict(
          `The statement id (${statement.Sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
        );
      }
      // Without a policy yet no RevisionId can match (as LocalStack models AWS; not recorded from AWS).
      if (input.RevisionId !== undefined && input.RevisionId !== current?.revisionId) throw revisionMismatch();
      const next: PolicyRecord = { revisionId: randomUUID(), statements: [...(current?.statements ?? []), statement] };
      const result = await this.stores.policies.replacePolicy(layerName, version, next, current?.revisionId);
      if (result === 'stored') return { Statement: JSON.stringify(statement), RevisionId: next.revisionId };
      if (input.RevisionId !== undefined && result === 'moved') throw revisionMismatch();
    }
    throw revisionMismatch();
  }

  async getPolicy(layerNameInput: string, versionInput: string): Promise<{ Policy: string; RevisionId: string }> {
    const layerName = parseLayerName(layerNameInput);
    const version = parseVersionNumber(versionInput);
    await this.requireVersion(layerName, version);
    const policy = await this.stores.policies.loadPolicy(layerName, version);
    if (policy === undefined) throw noPolicy();
    return { Policy: JSON.stringify(buildPolicyDocument(policy.statements)), RevisionId: policy.revisionId };
  }

  /** RemoveLayerVersionPermission: the policy goes with its last statement. */
  async removePermission(layerNameInput: string, versionInput: string, statementId: string, revisionId: string | undefined): Promise<void> {
    const layerName = parseLayerName(layerNameInput);
    const version = parseVersionNumber(versionInput);
    const violations = new Violations(['layerName', 'versionNumber', 'statementId', 'revisionId']);
    checkLayerStatementId(statementId, violations);
    violations.throwIfAny();
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt += 1) {
      await this.requireVersion(layerName, version);
      const current = await this.stores.policies.loadPolicy(layerName, version);
      if (current === undefined) throw noPolicy();
      if (revisionId !== undefined && revisionId !== current.revisionId) throw revisionMismatch();
      if (!current.statements.some((statement) => statement.Sid === statementId)) {
        throw notFound(`Statement ${statementId} is not found in resource policy.`);
      }
      const statements = current.statements.filter((statement) => statement.Sid !== statementId);
      const next = statements.length === 0 ? undefined : { revisionId: randomUUID(), statements };
      const result = await this.stores.policies.replacePolicy(layerName, version, next, current.revisionId);
      if (result === 'stored') return;
      if (revisionId !== undefined && result === 'moved') throw revisionMismatch();
    }
    throw revisionMismatch();
  }

  private async requireVersion(layerName: string, version: number): Promise<void> {
    if ((await this.stores.layers.load(layerName, version)) === undefined) {
      throw notFound(`Layer version ${buildLayerVersionArn(this.scope, layerName, version)} does not exist.`);
    }
  }
}
