import type { ContainerDriver, NetworkSlot, NetworkSlotProvider } from './container-driver.js';
import { LABELS, SANDBOX_GID, SANDBOX_UID } from './container-driver.js';

/** How long after handing one out the pool starts making its replacement. */
const REFILL_DELAY_MS = 750;

export interface NetworkHolderOptions {
  /** Any local image with a `sleep`. */
  image: string;
  /** The Docker network sandboxes live on. */
  network: string;
  instanceId: string;
  /** Holders kept started ahead of need. */
  spares: number;
  onError: (error: unknown) => void;
}

/**
 * Keeps a few started network-holder containers (each a `sleep` in its own network namespace) so a cold
 * start can join one instead of waiting for the engine to set a namespace up. One holder per sandbox:
 * sandboxes never share a namespace.
 */
export class NetworkHolderPool implements NetworkSlotProvider {
  private readonly spares: NetworkSlot[] = [];
  private filling: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly driver: ContainerDriver,
    private readonly options: NetworkHolderOptions,
  ) {}

  async warm(): Promise<void> {
    await this.refill();
  }

  async acquireNetworkSlot(): Promise<NetworkSlot> {
    const spare = this.spares.shift();
    // Refill a moment later: now the engine is busy with the cold start this slot is for.
    setTimeout(() => void this.refill(), REFILL_DELAY_MS).unref();
    return spare ?? this.createHolder();
  }

  private async createHolder(): Promise<NetworkSlot> {
    const id = await this.driver.createContainer({
      name: `lambdock-net-${Math.random().toString(16).slice(2, 14)}`,
      image: this.options.image,
      entrypoint: ['sleep', '2147483647'],
      env: {},
      labels: {
        [LABELS.managed]: 'true',
        [LABELS.instance]: this.options.instanceId,
        [LABELS.role]: 'network-holder',
      },
      user: `${SANDBOX_UID}:${SANDBOX_GID}`,
      memoryBytes: 16 * 1024 * 1024,
      cpuShares: 2,
      pidsLimit: 4,
      networkMode: this.options.network,
    });
    const release = () => this.driver.removeContainer(id);
    try {
      await this.driver.startContainer(id);
      const address = await this.driver.fetchAddress(id, this.options.network);
      return { holderId: id, address, release };
    } catch (error) {
      await release().catch(() => undefined);
      throw error;
    }
  }

  private refill(): Promise<void> {
    if (this.filling !== undefined) return this.filling;
    this.filling = (async () => {
      while (!this.closed && this.spares.length < this.options.spares) {
        const slot = await this.createHolder();
        if (this.closed) {
          await slot.release();
          return;
        }
        this.spares.push(slot);
      }
    })()
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => {
        this.filling = undefined;
      });
    return this.filling;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.filling;
    const all = this.spares.splice(0);
    await Promise.all(all.map((slot) => slot.release().catch(() => undefined)));
  }
}
