import type { Architecture } from '../control-plane/function-model.js';
/** A worker as the api processes see it. */
export interface WorkerInfo {
  id: string;
  /** Where its internal execution endpoint listens. */
  url: string;
  /** When its last heartbeat arrived (ms since the epoch, the worker's clock). */
  heartbeatAt: number;
  /** What it holds, as of its last heartbeat. */
  capacity?: WorkerCapacity;
  /** The function architectures its engine can run. */
  architectures?: readonly Architecture[];
}

export interface WorkerCapacity {
  /** The memory its environments may take together (LAMBDOCK_MEMORY_BUDGET_MB). */
  memoryBudgetMb: number;
  /** The memory its environments take now. */
  memoryUsedMb: number;
  environments: number;
}

/** Where workers announce themselves, and api processes find them. */
export interface WorkerRegistry {
  /** Writes (or refreshes) the worker's entry; called on every heartbeat. */
  announce(worker: Omit<WorkerInfo, 'heartbeatAt'>): Promise<void>;
  withdraw(id: string): Promise<void>;
  /** Workers whose heartbeat is recent. */
  listLive(): Promise<WorkerInfo[]>;
  /** The installation's token for worker endpoints (made once, shared by every process on this Redis). */
  fetchToken(): Promise<string>;
}
