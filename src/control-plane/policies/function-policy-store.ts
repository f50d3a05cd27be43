import type { PolicyRecord } from './policy-model.js';

/** What a compare-and-set of a policy found: done, the version or alias gone, or the policy changed meanwhile. */
export type ReplacePolicyResult = 'stored' | 'no-target' | 'moved';

/** Where resource-based policies live: one per function and qualifier (`$LATEST`, a version, an alias). */
export interface FunctionPolicyStore {
  loadPolicy(functionName: string, qualifier: string): Promise<PolicyRecord | undefined>;
  /**
   * Writes the policy of `qualifier` (`undefined`: removes it, as its last statement went) while its
   * RevisionId is still `expectedRevisionId` (`undefined`: while it has none) and the function, and the
   * version or alias the qualifier names, still exist.
   */
  replacePolicy(
    functionName: string,
    qualifier: string,
    policy: PolicyRecord | undefined,
    expectedRevisionId: string | undefined,
  ): Promise<ReplacePolicyResult>;
  removePolicy(functionName: string, qualifier: string): Promise<void>;
  removeAll(functionName: string): Promise<void>;
}
