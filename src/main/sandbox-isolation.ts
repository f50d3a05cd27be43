import type Dockerode from 'dockerode';
import { getOwnSandboxNetworkName, type Config } from '../config/config.js';

/** The configuration with the installation's id resolved (from the environment or its data dir). */
export type InstanceConfig = Config & { instanceId: string };
import { LABELS } from '../docker/container-driver.js';
import { openEngineIptables, type EngineIptables } from '../docker/engine-iptables.js';
import { fetchOwnContainer } from '../docker/engine-paths.js';
import { hostIptables, IptablesSandboxFirewall, type IptablesRunner } from '../docker/sandbox-firewall.js';
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

/** lambdock's own container on this engine, when it runs in one (compose, the lambdock image). */
const fetchSelf = (docker: Dockerode): Promise<Dockerode.ContainerInspectInfo | undefined> => fetchOwnContainer(docker);

/**
 * Runs `use` with the host's iptables: directly on the host; from a container (compose), through a
 * short-lived helper container in the host's network namespace, made from lambdock's own image.
 */
async function withIptables<T>(
  docker: Dockerode,
  self: Dockerode.ContainerInspectInfo | undefined,
  instanceId: string,
  use: (firewall: IptablesSandboxFirewall) => Promise<T>,
): Promise<T> {
  if (self === undefined) return use(new IptablesSandboxFirewall(hostIptables));
  const engine = await openEngineIptables(docker, self.Image, instanceId);
  try {
    const run: IptablesRunner = engine.run;
    return await use(new IptablesSandboxFirewall(run));
  } finally {
    await engine.close();
  }
}

/**
 * The host's iptables for the steps of a startup (the sweep of an earlier run's rules, then the install):
 * from a container, one helper container for all of them, where each withIptables makes its own (a
 * create, a start and a removal: seconds on a busy engine). close() removes it.
 */
function openStartupIptables(docker: Dockerode, self: Dockerode.ContainerInspectInfo | undefined, instanceId: string) {
  let engine: Promise<EngineIptables> | undefined;
  return {
    use<T>(use: (firewall: IptablesSandboxFirewall) => Promise<T>): Promise<T> {
      if (self === undefined) return use(new IptablesSandboxFirewall(hostIptables));
      engine ??= openEngineIptables(docker, self.Image, instanceId);
      return engine.then((opened) => use(new IptablesSandboxFirewall(opened.run)));
    },
    async close(): Promise<void> {
      await engine?.then(
        (opened) => opened.close(),
        () => undefined,
      );
    },
  };
}

/** Creates the installation's own network, after sweeping what an earlier run left (lambdock attached to it, too). */
async function createOwnNetwork(docker: Dockerode, config: InstanceConfig, self: Dockerode.ContainerInspectInfo | undefined): Promise<SandboxNetwork> {
  const labels = { [LABELS.managed]: 'true', [LABELS.instance]: config.instanceId };
  const name = getOwnSandboxNetworkName(config.instanceId);
  const stale = self?.NetworkSettings.Networks[name];
  if (self !== undefined && stale !== undefined) {
    await docker.getNetwork(stale.NetworkID).disconnect({ Container: self.Id, Force: true }).catch(() => undefined);
  }
  await removeOrphanNetworks(docker, [`${LABELS.instance}=${config.instanceId}`]);
  // In a container, lambdock itself is on the network and sandboxes must reach it there: the firewall
  // keeps them from each other instead.
  const network = await createSandboxNetwork(docker, name, labels, { interContainer: self !== undefined });
  if (self !== undefined) await docker.getNetwork(network.id).connect({ Container: self.Id });
  return network;
}

/**
 * Sets up where sandboxes live. With the network lambdock owns (the default) it sweeps this installation's
 * leftovers (network, firewall rules), creates a fresh network, and with host access blocked installs the
 * firewall that lets sandboxes reach the host only at their Runtime API ports.
 */
export async function openSandboxIsolation(docker: Dockerode, config: InstanceConfig, logger: Logger): Promise<SandboxIsolation> {
  const self = await fetchSelf(docker);
  const startup = openStartupIptables(docker, self, config.instanceId);
  try {
    return await openIsolation(docker, config, logger, self, startup);
  } finally {
    await startup.close();
  }
}

async function openIsolation(
  docker: Dockerode,
  config: InstanceConfig,
  logger: Logger,
  self: Dockerode.ContainerInspectInfo | undefined,
  startup: ReturnType<typeof openStartupIptables>,
): Promise<SandboxIsolation> {
  const owned = config.sandboxNetworkOwned;
  const blocked = config.sandboxHostAccess === 'blocked' && owned;
  if (owned) {
    const swept = await startup.use((firewall) => firewall.remove(config.instanceId)).catch(
      (error: unknown) => (blocked ? Promise.reject(error) : false),
    );
    if (swept) logger.info({ instanceId: config.instanceId }, 'Removed the sandbox firewall rules of an earlier run');
  }
  const network =
    config.sandboxNetwork === undefined ? await createOwnNetwork(docker, config, self) : await fetchSandboxNetwork(docker, config.sandboxNetwork);
  const runtimeApiAddress = await resolveRuntimeApiAddress(docker, config, network);

  const removeNetwork = async () => {
    if (!owned) return;
    if (self !== undefined) await docker.getNetwork(network.id).disconnect({ Container: self.Id, Force: true }).catch(() => undefined);
    await removeSandboxNetwork(docker, network.id);
  };
  if (blocked) {
    const plan = {
      instanceId: config.instanceId,
      bridge: network.bridge,
      runtimeApiAddress: runtimeApiAddress.advertise,
      runtimeApiOnBridge: self !== undefined,
      runtimeApiPorts: config.runtimeApiPorts,
    };
    try {
      await startup.use((firewall) => firewall.install(plan));
    } catch (error) {
      await removeNetwork().catch(() => undefined);
      throw new Error(
        `Could not install the firewall that keeps sandboxes off the host (${(error as Error).message.trim()}). ` +
          'lambdock needs root and iptables, or the Docker socket when it runs in a container; ' +
          'set LAMBDOCK_SANDBOX_HOST_ACCESS=open to run without it.',
        { cause: error },
      );
    }
  } else if (config.sandboxHostAccess === 'blocked') {
    logger.warn(
      { network: network.name },
      'Sandboxes can reach the host: the firewall is only installed on the network lambdock creates itself (leave LAMBDOCK_SANDBOX_NETWORK unset)',
    );
  }

  logger.info(
    { network: network.name, subnets: network.subnets, runtimeApi: runtimeApiAddress.advertise, hostAccess: blocked ? 'blocked' : 'open' },
    'Sandbox network ready',
  );
  return {
    network,
    runtimeApiAddress,
    hostBlocked: blocked,
    async close() {
      if (blocked) await withIptables(docker, self, config.instanceId, (firewall) => firewall.remove(config.instanceId));
      await removeNetwork();
    },
  };
}
