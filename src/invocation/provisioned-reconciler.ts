import type { AliasStore } from '../control-plane/aliases/alias-store.js';
import type { ProvisionedConcurrencyStore, ProvisionedConfig } from '../control-plane/concurrency/provisioned-concurrency-store.js';
import { LATEST, getEnvironmentKey, type VersionRecord } from '../control-plane/function-model.js';
import type { VersionStore } from '../control-plane/versions/version-store.js';
import type { LocalExecutor } from './local-executor.js';

export interface ReconcilerDeps {
  store: ProvisionedConcurrencyStore;
  versions: VersionStore;
  aliases: AliasStore;
  executor: Pick<LocalExecutor, 'provision' | 'keepProvisioned'>;
  workerId: string;
  /** How many of an environment key's `total` provisioned environments this worker holds (its share). */
  shareOf: (environmentKey: string, total: number) => Promise<number>;
  /** Brings a version's code to this worker when it has none. */
  ensureCode: (record: VersionRecord) => Promise<void>;
  onError: (error: unknown) => void;
  intervalMs?: number;
}

interface Wanted {
  record: VersionRecord;
  configs: Array<{ functionName: string; config: ProvisionedConfig }>;
  share: number;
}

/**
 * Keeps this worker's share of the provisioned environments (the shares of the live workers add up to
 * what is configured): every round it reads the configurations, makes the environments that are missing
 * (they init ahead of invocations), retires those no configuration wants any more, and reports to Redis
 * how many are ready (the API's Status adds the workers' reports up). The share of a worker that dies
 * goes to the others at their next round; Status is IN_PROGRESS until they have made it up.
 */
export class ProvisionedReconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** The configurations (`<function>\n<qualifier>`) this worker reported a share of last round. */
  private reported = new Set<string>();

  constructor(private readonly deps: ReconcilerDeps) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.reconcileOnce()
        .catch(this.deps.onError)
        .finally(() => {
          this.running = undefined;
        });
    }, this.deps.intervalMs ?? 1_000);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async reconcileOnce(): Promise<void> {
    const wanted = new Map<string, Wanted>();
    for (const functionName of await this.deps.store.listFunctions()) {
      for (const config of await this.deps.store.listConfigs(functionName)) {
        const record = await this.versionOf(functionName, config.qualifier);
        if (record === undefined || record.state !== 'Active') continue;
        const key = getEnvironmentKey(record);
        const entry = wanted.get(key) ?? { record, configs: [], share: 0 };
        entry.configs.push({ functionName, config });
        wanted.set(key, entry);
      }
    }
    for (const [key, entry] of wanted) {
      entry.share = await this.deps.shareOf(key, entry.configs.reduce((sum, c) => sum + c.config.requested, 0));
      if (entry.share === 0) wanted.delete(key);
    }
    this.deps.executor.keepProvisioned(new Set(wanted.keys()));
    const reported = new Set<string>();
    for (const { record, configs, share } of wanted.values()) {
      await this.deps.ensureCode(record);
      let { ready } = await this.deps.executor.provision(record, share);
      // This worker's ready environments, counted against each configuration in turn.
      for (const { functionName, config } of configs) {
        const allocated = Math.min(ready, config.requested);
        ready -= allocated;
        await this.deps.store.writeStatus(functionName, config.qualifier, { allocated, worker: this.deps.workerId, at: Date.now() });
        reported.add(`${functionName}\n${config.qualifier}`);
      }
    }
    // A share this worker no longer holds (another worker joined) counts for nothing from now on.
    for (const was of this.reported) {
      if (reported.has(was)) continue;
      const [functionName, qualifier] = was.split('\n') as [string, string];
      await this.deps.store.writeStatus(functionName, qualifier, { allocated: 0, worker: this.deps.workerId, at: Date.now() });
    }
    this.reported = reported;
  }

  /** The published version an alias or a version qualifier stands for (aliases on `$LATEST` have none). */
  private async versionOf(functionName: string, qualifier: string): Promise<VersionRecord | undefined> {
    const version = /^[0-9]+$/.test(qualifier) ? qualifier : (await this.deps.aliases.loadAlias(functionName, qualifier))?.functionVersion;
    if (version === undefined || version === LATEST) return undefined;
    return this.deps.versions.loadVersion(functionName, version);
  }
}
