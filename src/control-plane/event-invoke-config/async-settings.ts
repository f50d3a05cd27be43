export interface AsyncSettings {
  maximumRetryAttempts: number;      // default 2 when no config or unset
  maximumEventAgeSeconds: number;    // default 21600 when no config or unset
  onSuccess?: string;                // destination ARN
  onFailure?: string;
}
export interface AsyncSettingsSource {
  /** The settings that apply to an event for this function invoked with this qualifier ('$LATEST', a version number or an alias name): that qualifier's own config, else the defaults. */
  fetchAsyncSettings(functionName: string, qualifier: string): Promise<AsyncSettings>;
}
