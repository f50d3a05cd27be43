/** A provisioned concurrency configuration of one alias or published version. */
export interface ProvisionedConfig {
  qualifier: string;
  requested: number;
  lastModified: string;
}

/** What a worker holding a share of a configuration's environments last reported. */
export interface ProvisionedStatus {
  /** Environments that have finished init. */
  allocated: number;
  worker: string;
  /** When it was reported (ms since the epoch). */
  at: number;
}

/** Where provisioned concurrency configurations, and their workers' reports, live. */
export interface ProvisionedConcurrencyStore {
  putConfig(functionName: string, config: ProvisionedConfig): Promise<void>;
  loadConfig(functionName: string, qualifier: string): Promise<ProvisionedConfig | undefined>;
  listConfigs(functionName: string): Promise<ProvisionedConfig[]>;
  /** False when there was none. */
  removeConfig(functionName: string, qualifier: string): Promise<boolean>;
  removeAll(functionName: string): Promise<void>;
  /** The functions that have at least one configuration. */
  listFunctions(): Promise<string[]>;
  /** A worker's report on its share (one per worker: the shares add up). */
  writeStatus(functionName: string, qualifier: string, status: ProvisionedStatus): Promise<void>;
  loadStatuses(functionName: string, qualifier: string): Promise<ProvisionedStatus[]>;
}
