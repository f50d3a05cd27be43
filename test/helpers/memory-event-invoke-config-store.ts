import type { EventInvokeConfigRecord, EventInvokeConfigStore } from '../../src/control-plane/event-invoke-config/event-invoke-config-store.js';

/** EventInvokeConfigs in memory, for unit tests. */
export class MemoryEventInvokeConfigStore implements EventInvokeConfigStore {
  private readonly configs = new Map<string, Map<string, EventInvokeConfigRecord>>();

  private of(functionName: string): Map<string, EventInvokeConfigRecord> {
    let configs = this.configs.get(functionName);
    if (configs === undefined) {
      configs = new Map();
      this.configs.set(functionName, configs);
    }
    return configs;
  }

  async putConfig(functionName: string, config: EventInvokeConfigRecord): Promise<void> {
    this.of(functionName).set(config.qualifier, structuredClone(config));
  }

  async loadConfig(functionName: string, qualifier: string): Promise<EventInvokeConfigRecord | undefined> {
    const config = this.configs.get(functionName)?.get(qualifier);
    return config === undefined ? undefined : structuredClone(config);
  }

  async listConfigs(functionName: string): Promise<EventInvokeConfigRecord[]> {
    return [...(this.configs.get(functionName)?.values() ?? [])].map((config) => structuredClone(config));
  }

  async removeConfig(functionName: string, qualifier: string): Promise<boolean> {
    return this.configs.get(functionName)?.delete(qualifier) ?? false;
  }

  async removeAll(functionName: string): Promise<void> {
    this.configs.delete(functionName);
  }
}
