/** That environments of a function (one version, or all of them) must go. */
export interface Retirement {
  functionName: string;
  /** Undefined: every version of the function (it was deleted). */
  version?: string;
}

/** Carries retirements from api processes to every worker. */
export interface RetirementBus {
  publish(retirement: Retirement): void;
  /** Calls `handler` for every retirement published from now on. */
  subscribe(handler: (retirement: Retirement) => void): Promise<void>;
  close(): Promise<void>;
}
