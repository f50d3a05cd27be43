import type { ReplacePolicyResult } from '../policies/function-policy-store.js';
import type { PolicyRecord } from '../policies/policy-model.js';

/** Where layer version policies live: one per layer version (removed with it). */
export interface LayerPolicyStore {
  loadPolicy(layerName: string, version: number): Promise<PolicyRecord | undefined>;
  /**
   * Writes the policy of a layer version (`undefined`: removes it, as its last statement went) while its
   * RevisionId is still `expectedRevisionId` (`undefined`: while it has none) and the version still exists.
   */
  replacePolicy(layerName: string, version: number, policy: PolicyRecord | undefined, expectedRevisionId: string | undefined): Promise<ReplacePolicyResult>;
}
