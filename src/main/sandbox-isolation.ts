import os from 'node:os';
import type Dockerode from 'dockerode';
import type { Config } from '../config/config.js';
import { LABELS } from '../docker/container-driver.js';
import { IptablesSandboxFirewall } from '../docker/sandbox-firewall.js';
import {
  createSandboxNetwork,
  fetchSandboxNetwork,
  removeOrphanNetworks,
  removeSandboxNetwork,
  type SandboxNetwork,
} from '../docker/sandbox-network.js';
import type { Logger } from '../observability/logger.js';
import { resolveRuntimeApiAddress, type RuntimeApiAddress } from './runtime-api-address.js';

/** The sandboxes' network, where lambdock serves their Runtime APIs, and the walls around it. */
export interface SandboxIsolation {
  network: SandboxNetwork;
  runtimeApiAddress: RuntimeApiAddress;
  /** Whether the host firewall keeps sandboxes away from the host and from each other. */
  hostBlocked: boolean;
  /** Removes the firewall rules and lambdock's own network (call once every sandbox container is gone). */
  close(): Promise<void>;
}

/** lambdock's own container on this engine, when it runs in one (compose). */
async function fetchSelf(docker: Dockerode): Promise<Dockerode.ContainerInspectInfo | undefined> {
  return docker
    .getContainer(os.hostname())
    .inspect()
    .catch(() => undefined);
}

/**
 * Sets up where sandboxes live. With the network lambdock owns (the default) it sweeps this installation's
 * leftovers (network, firewall rules), creates a fresh network, and with host access blocked installs the
 * firewall that lets sandboxes reach the host only at their Runtime API ports.
 */
export async function openSandboxIsolation(docker: Dockerode, config: Config, logger: Logger): Promise<SandboxIsolation> {
  const firewall = new IptablesSandboxFirewall();
  const instanceLabel = `${LABELS.instance}=${config.instanceId}`;
  const self = await fetchSelf(docker);
  let network: SandboxNetwork;
  if (config.sandboxNetworkOwned) {
    const sweptRules = self === undefined ? await firewall.remove(config.instanceId) : false;
    const sweptNetworks = await removeOrphanNetworks(docker, [instanceLabel]);
    if (sweptRules || sweptNetworks > 0) logger.info({ networks: sweptNetworks, firewall: sweptRules }, 'Removed the sandbox network of an earlier run');
    network = await createSandboxNetwork(
      docker,
      config.sandboxNetwork,
      { [LABELS.managed]: 'true', [LABELS.instance]: config.instanceId },
      // In a container, lambdock itself is on the network and sandboxes must reach it there.
      { interContainer: self !== undefined },
    );
    if (self !== undefined) await docker.getNetwork(network.id).connect({ Container: self.Id });
  } else {
    network = await fetchSandboxNetwork(docker, config.sandboxNetwork);
  }
  const runtimeApiAddress = await resolveRuntimeApiAddress(docker, config, network);

  const removeNetwork = async () => {
    if (!config.sandboxNetworkOwned) return;
    if (self !== undefined) await docker.getNetwork(network.id).disconnect({ Container: self.Id, Force: true }).catch(() => undefined);
    await removeSandboxNetwork(docker, network.id);
  };
  let hostBlocked = false;
  if (config.sandboxHostAccess === 'blocked' && config.sandboxNetworkOwned && self === undefined) {
    try {
      await firewall.install({
        instanceId: config.instanceId,
        bridge: network.bridge,
        runtimeApiAddress: runtimeApiAddress.advertise,
        runtimeApiPorts: config.runtimeApiPorts,
      });
      hostBlocked = true;
    } catch (error) {
      await removeNetwork().catch(() => undefined);
      throw new Error(
        `Could not install the firewall that keeps sandboxes off the host (${(error as Error).message.trim()}). ` +
          'lambdock needs root and iptables; set LAMBDOCK_SANDBOX_HOST_ACCESS=open to run without it.',
        { cause: error },
      );
    }
  } else if (config.sandboxHostAccess === 'blocked') {
    logger.warn(
      { network: network.name },
      'Sandboxes can reach the host: the firewall is only installed on the network lambdock creates itself, from the host',
    );
  }

  return {
    network,
    runtimeApiAddress,
    hostBlocked,
    async close() {
      if (hostBlocked) await firewall.remove(config.instanceId);
      await removeNetwork();
    },
  };
}
