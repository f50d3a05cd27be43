import type { ContainerDriver, NetworkSlot, NetworkSlotProvider } from './container-driver.js';
import { LABELS, SANDBOX_GID, SANDBOX_UID } from './container-driver.js';
import { SparePool } from './spare-pool.js';

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
  private readonly spares: SparePool<NetworkSlot>;

  constructor(
    private readonly driver: ContainerDriver,
    private readonly options: NetworkHolderOptions,
  ) {
    this.spares = new SparePool(() => this.createHolder(), (slot) => slot.release(), options.spares, options.onError);
  }

  warm(): Promise<void> {
    return this.spares.warm();
  }

  acquireNetworkSlot(): Promise<NetworkSlot> {
    return this.spares.take();
  }

  close(): Promise<void> {
    return this.spares.close();
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
}
