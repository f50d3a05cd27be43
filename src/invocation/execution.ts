import type { FunctionVersionRecord } from '../control-plane/function-model.js';
import type { InvokeResponse } from './invocation-result.js';

/**
 * One synchronous invocation, checked and resolved by the API: what a worker needs to run it, with no
 * reads of its own (the version's record travels with it).
 */
export interface Execution {
  requestId: string;
  record: FunctionVersionRecord;
  /** The ARN the caller named (an alias ARN through an alias), as the function sees it. */
  invokedFunctionArn: string;
  payload: Buffer;
  tail: boolean;
  clientContext?: string;
  traceId?: string;
  /**
   * When the worker has no room for another environment: wait in line for one of this function's to free
   * up (the default), or be refused at once as full (an api trying other workers first).
   */
  waitForRoom?: boolean;
  /** A concurrency lease the api took for it and hands over (the worker holds it until the invocation is over). */
  leaseId?: string;
}

/** Runs executions: in this process's sandboxes, or on a worker that owns sandboxes of its own. */
export interface Executor {
  execute(execution: Execution): Promise<InvokeResponse>;
}
