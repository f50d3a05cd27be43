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
  /** Whether this worker holds an environment key's provisioned environments (its home worker does). */
  isHome: (environmentKey: string) => Promise<boolean>;
  /** Brings a version's code to this worker when it has none. */
  ensureCode: (record: VersionRecord) => Promise<void>;
  onError: (error: unknown) => void;
  intervalMs?: number;
}

interface Wanted {
  record: VersionRecord;
  configs: Array<{ functionName: string; config: ProvisionedConfig }>;
}

/**
 * Keeps the provisioned environments this worker is home to: every round it reads the configurations,
 * makes the environments that are missing (they init ahead of invocations), retires those no
 * configuration wants any more, and reports to Redis how many are ready (the API's Status comes from it).
 * A configuration whose home worker dies is picked up by its new home at that worker's next round.
 */
export class ProvisionedReconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

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
        if (!(await this.deps.isHome(key))) continue;
        const entry = wanted.get(key) ?? { record, configs: [] };
        entry.configs.push({ functionName, config });
        wanted.set(key, entry);
      }
    }
    this.deps.executor.keepProvisioned(new Set(wanted.keys()));
    for (const { record, configs } of wanted.values()) {
      await this.deps.ensureCode(record);
      const total = configs.reduce((sum, c) => sum + c.config.requested, 0);
      let { ready } = await this.deps.executor.provision(record, total);
      for (const { functionName, config } of configs) {
        const allocated = Math.min(ready, config.requested);
        ready -= allocated;
        await this.deps.store.writeStatus(functionName, config.qualifier, { allocated, worker: this.deps.workerId, at: Date.now() });
      }
    }
  }

  /** The published version an alias or a version qualifier stands for (aliases on `$LATEST` have none). */
  private async versionOf(functionName: string, qualifier: string): Promise<VersionRecord | undefined> {
    const version = /^[0-9]+$/.test(qualifier) ? qualifier : (await this.deps.aliases.loadAlias(functionName, qualifier))?.functionVersion;
    if (version === undefined || version === LATEST) return undefined;
    return this.deps.versions.loadVersion(functionName, version);
  }
}
