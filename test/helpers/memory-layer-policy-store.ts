import type { LayerPolicyStore } from '../../src/control-plane/layers/layer-policy-store.js';
import type { ReplacePolicyResult } from '../../src/control-plane/policies/function-policy-store.js';
import type { PolicyRecord } from '../../src/control-plane/policies/policy-model.js';

/** Layer version policies in memory, for unit tests; `exists` stands for the layer store. */
export class MemoryLayerPolicyStore implements LayerPolicyStore {
  readonly policies = new Map<string, PolicyRecord>();

  constructor(private readonly exists: (layerName: string, version: number) => boolean = () => true) {}

  async loadPolicy(layerName: string, version: number): Promise<PolicyRecord | undefined> {
    const policy = this.policies.get(`${layerName}:${version}`);
    return policy === undefined ? undefined : structuredClone(policy);
  }

  async replacePolicy(layerName: string, version: number, policy: PolicyRecord | undefined, expectedRevisionId: string | undefined): Promise<ReplacePolicyResult> {
    if (!this.exists(layerName, version)) return 'no-target';
    const key = `${layerName}:${version}`;
    if (this.policies.get(key)?.revisionId !== expectedRevisionId) return 'moved';
    if (policy === undefined) this.policies.delete(key);
    else this.policies.set(key, structuredClone(policy));
    return 'stored';
  }
}
