/** One qualifier's EventInvokeConfig as stored; an unset field is absent (AWS then omits it too). */
export interface EventInvokeConfigRecord {
  /** `$LATEST`, a version number or an alias name. */
  qualifier: string;
  maximumRetryAttempts?: number;
  maximumEventAgeInSeconds?: number;
  onSuccess?: string;
  onFailure?: string;
  /** When it was last put or updated (ms since the epoch). */
  lastModified: number;
}

/** Where EventInvokeConfigs live: one per function and qualifier. */
export interface EventInvokeConfigStore {
  putConfig(functionName: string, config: EventInvokeConfigRecord): Promise<void>;
  loadConfig(functionName: string, qualifier: string): Promise<EventInvokeConfigRecord | undefined>;
  listConfigs(functionName: string): Promise<EventInvokeConfigRecord[]>;
  /** False when there was none. */
  removeConfig(functionName: string, qualifier: string): Promise<boolean>;
  removeAll(functionName: string): Promise<void>;
}
