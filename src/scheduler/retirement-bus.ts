/** That environments of a function (one version, or all of them) must go. */
export interface Retirement {
  functionName: string;
  /** Undefined: every version of the function (it was deleted). */
  version?: string;
}

/** Carries retirements from api processes to every worker. */
export interface RetirementBus {
  /** To every live worker (on its way when this returns; a failure is reported, not thrown). */
  publish(retirement: Retirement): void;
  /** Worker side: calls `handler` for every retirement published to `workerId` from now on. */
  subscribe(workerId: string, handler: (retirement: Retirement) => void): Promise<void>;
  close(): Promise<void>;
}
