import type { Architecture } from '../control-plane/function-model.js';
import type { WorkerRegistry } from './worker-registry.js';

/** How often the api reads what its workers can run. */
const REFRESH_MS = 2_000;

/**
 * What the live workers can run, for an api process to refuse a function none of them could run (as a
 * worker refuses what its own engine cannot): read from their heartbeats every 2 s. Undefined until a
 * worker has reported, so an api started before its workers refuses nothing.
 */
export class WorkerArchitectures {
  private known: readonly Architecture[] | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: WorkerRegistry,
    private readonly onError: (error: unknown) => void,
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  current(): readonly Architecture[] | undefined {
    return this.known;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async refresh(): Promise<void> {
    try {
      const reported = (await this.registry.listLive()).flatMap((worker) => worker.architectures ?? []);
      if (reported.length > 0) this.known = [...new Set(reported)].sort();
    } catch (error) {
      this.onError(error);
    }
  }
}
