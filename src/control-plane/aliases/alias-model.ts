import { buildFunctionArn, type Scope } from '../function-ref.js';

/** What lambdock stores for one alias of a function. */
export interface AliasRecord {
  name: string;
  /** The version it points to: a published version's number or `$LATEST`. */
  functionVersion: string;
  description: string;
  /** At most one other published version and the share of invocations (0–1) it gets. */
  additionalVersionWeights?: Record<string, number>;
  revisionId: string;
}

/** The `AliasConfiguration` shape of the Lambda API. */
export function toAliasConfiguration(alias: AliasRecord, functionName: string, scope: Scope): Record<string, unknown> {
  const config: Record<string, unknown> = {
    AliasArn: buildFunctionArn(scope, functionName, alias.name),
    Name: alias.name,
    FunctionVersion: alias.functionVersion,
    Description: alias.description,
    RevisionId: alias.revisionId,
  };
  if (alias.additionalVersionWeights !== undefined) {
    config.RoutingConfig = { AdditionalVersionWeights: alias.additionalVersionWeights };
  }
  return config;
}

/** The published versions an alias routes to (those that must exist while it does). */
export function getRoutedVersions(alias: Pick<AliasRecord, 'functionVersion' | 'additionalVersionWeights'>): string[] {
  return [alias.functionVersion, ...Object.keys(alias.additionalVersionWeights ?? {})];
}
