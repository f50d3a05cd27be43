import type { FunctionRecord } from './function-model.js';
import type { FunctionPage, FunctionStore, ReplaceResult } from './function-store.js';

export interface ActivationRecorderOptions {
  /** Tries at storing an activation's outcome before giving up on it (default 5). */
  writeAttempts?: number;
  /** Wait before the second try, doubled for each next one (default 200 ms: 0.2 + 0.4 + 0.8 + 1.6 s). */
  retryDelayMs?: number;
  /** How often outcomes given up on are tried again (default 5 s), besides on every read of the function. */
  recoveryIntervalMs?: number;
  /** A Pending / InProgress record this old (by LastModified) that no activation here is working on is resumed. */
  stuckAfterMs?: number;
  now?: () => number;
}

interface Unrecorded {
  /** The Failed record to store, replacing the one with RevisionId `expectedRevisionId`. */
  failed: FunctionRecord;
  expectedRevisionId: string;
}

const isUnfinished = (record: FunctionRecord): boolean => record.state === 'Pending' || record.lastUpdateStatus === 'InProgress';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stores activation outcomes so that no function stays Pending / InProgress (every update a 409) because
 * one Redis write failed: the write is retried with backoff; if the store still fails, the function is
 * recorded Failed (InternalError) as soon as the store answers again, on the next read or the next
 * recovery round. A read of an unfinished record nobody here works on (e.g. a create whose insert timed
 * out but landed) resumes its activation.
 */
export class ActivationRecorder {
  /** Function name → RevisionId an activation of this process is working on. */
  private readonly running = new Map<string, string>();
  private readonly unrecorded = new Map<string, Unrecorded>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly attempts: number;
  private readonly retryDelayMs: number;
  private readonly recoveryIntervalMs: number;
  private readonly stuckAfterMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: FunctionStore,
    private readonly resume: (record: FunctionRecord) => void,
    private readonly onError: (error: unknown, name: string) => void,
    options: ActivationRecorderOptions = {},
  ) {
    this.attempts = options.writeAttempts ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.recoveryIntervalMs = options.recoveryIntervalMs ?? 5_000;
    this.stuckAfterMs = options.stuckAfterMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Takes on `record`'s activation; false when this process is already activating that revision. */
  claim(record: FunctionRecord): boolean {
    if (this.running.get(record.name) === record.revisionId) return false;
    this.running.set(record.name, record.revisionId);
    return true;
  }

  release(record: FunctionRecord): void {
    if (this.running.get(record.name) === record.revisionId) this.running.delete(record.name);
  }

  /** Stores `outcome` over the record with RevisionId `expectedRevisionId`; on lasting failure, `failed` later. */
  async record(outcome: FunctionRecord, expectedRevisionId: string, failed: FunctionRecord): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.attempts; attempt += 1) {
      if (attempt > 0) await sleep(this.retryDelayMs * 2 ** (attempt - 1));
      try {
        // 'missing' or 'revision-mismatch': the function changed meanwhile (or an earlier try landed late).
        await this.store.replace(outcome, expectedRevisionId);
        return;
      } catch (error) {
        lastError = error;
      }
    }
    this.onError(lastError, outcome.name);
    this.unrecorded.set(outcome.name, { failed, expectedRevisionId });
    this.scheduleRecovery();
  }

  /** A store whose reads settle what they find (see the class comment); writes go straight through. */
  settlingStore(): FunctionStore {
    const store = this.store;
    return {
      insert: (record, tags) => store.insert(record, tags),
      replace: (record, expected) => store.replace(record, expected),
      remove: (name) => store.remove(name),
      load: async (name) => {
        const record = await store.load(name);
        return record === undefined ? undefined : this.settle(record);
      },
      list: async (marker, maxItems): Promise<FunctionPage> => {
        const page = await store.list(marker, maxItems);
        return { ...page, records: await Promise.all(page.records.map((r) => this.settle(r))) };
      },
    };
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async settle(record: FunctionRecord): Promise<FunctionRecord> {
    if (!isUnfinished(record)) return record;
    const pending = this.unrecorded.get(record.name);
    if (pending !== undefined && pending.expectedRevisionId === record.revisionId) {
      return (await this.writeFailed(record.name, pending).catch(() => 'failed')) === 'replaced' ? pending.failed : record;
    }
    if (pending !== undefined) this.unrecorded.delete(record.name);
    const age = this.now() - Date.parse(record.lastModified);
    if (this.running.get(record.name) !== record.revisionId && !(age < this.stuckAfterMs)) this.resume(record);
    return record;
  }

  private async writeFailed(name: string, pending: Unrecorded): Promise<ReplaceResult> {
    const result = await this.store.replace(pending.failed, pending.expectedRevisionId);
    if (this.unrecorded.get(name) === pending) this.unrecorded.delete(name);
    return result;
  }

  private scheduleRecovery(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.recover();
    }, this.recoveryIntervalMs);
    this.timer.unref();
  }

  private async recover(): Promise<void> {
    for (const [name, pending] of [...this.unrecorded]) {
      await this.writeFailed(name, pending).catch(() => undefined);
    }
    if (this.unrecorded.size > 0) this.scheduleRecovery();
  }
}
