/** What governs an asynchronous invocation of one function and qualifier (its EventInvokeConfig, or AWS's defaults). */
export interface AsyncSettings {
  /** Default 2 when no config or unset. */
  maximumRetryAttempts: number;
  /** Default 21600 when no config or unset. */
  maximumEventAgeSeconds: number;
  /** Destination ARN. */
  onSuccess?: string;
  onFailure?: string;
}

export interface AsyncSettingsSource {
  /** The settings that apply to an event for this function invoked with this qualifier ('$LATEST', a version number or an alias name): that qualifier's own config, else the defaults. */
  fetchAsyncSettings(functionName: string, qualifier: string): Promise<AsyncSettings>;
}

/** AWS's defaults: two retries, six hours. */
export const DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 2;
export const DEFAULT_MAXIMUM_EVENT_AGE_SECONDS = 21600;
