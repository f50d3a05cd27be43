import type { FunctionPolicyStore, ReplacePolicyResult } from '../../src/control-plane/policies/function-policy-store.js';
import type { PolicyRecord } from '../../src/control-plane/policies/policy-model.js';

/** Resource-based policies in memory, for unit tests; `exists` stands for the function, version and alias stores. */
export class MemoryFunctionPolicyStore implements FunctionPolicyStore {
  readonly policies = new Map<string, Map<string, PolicyRecord>>();

  constructor(private readonly exists: (functionName: string, qualifier: string) => boolean = () => true) {}

  async loadPolicy(functionName: string, qualifier: string): Promise<PolicyRecord | undefined> {
    const policy = this.policies.get(functionName)?.get(qualifier);
    return policy === undefined ? undefined : structuredClone(policy);
  }

  async replacePolicy(
    functionName: string,
    qualifier: string,
    policy: PolicyRecord | undefined,
    expectedRevisionId: string | undefined,
  ): Promise<ReplacePolicyResult> {
    if (!this.exists(functionName, qualifier)) return 'no-target';
    if (this.policies.get(functionName)?.get(qualifier)?.revisionId !== expectedRevisionId) return 'moved';
    let policies = this.policies.get(functionName);
    if (policies === undefined) {
      policies = new Map();
      this.policies.set(functionName, policies);
    }
    if (policy === undefined) policies.delete(qualifier);
    else policies.set(qualifier, structuredClone(policy));
    return 'stored';
  }

  async removePolicy(functionName: string, qualifier: string): Promise<void> {
    this.policies.get(functionName)?.delete(qualifier);
  }

  async removeAll(functionName: string): Promise<void> {
    this.policies.delete(functionName);
  }
}
