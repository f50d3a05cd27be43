import type Dockerode from 'dockerode';
import { LABELS } from './container-driver.js';

/** What lambdock needs to know of the Docker network its sandboxes live on. */
export interface SandboxNetwork {
  name: string;
  id: string;
  /** The host's interface for it (`br-<id>`, `docker0` for the default bridge). */
  bridge: string;
  /** The host's address on it, when the engine says. */
  gateway: string | undefined;
  /** Its IPv4 subnets (CIDR): every sandbox's address lies in one. */
  subnets: string[];
}

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

/** What lambdock needs of a network, from the engine's description of it. */
export function getSandboxNetwork(info: Dockerode.NetworkInspectInfo): SandboxNetwork {
  const configs = info.IPAM?.Config ?? [];
  const v4 = configs.filter((c) => c.Subnet !== undefined && !c.Subnet.includes(':'));
  const bridgeOption = info.Options?.['com.docker.network.bridge.name'];
  return {
    name: info.Name,
    id: info.Id,
    bridge: bridgeOption ?? (info.Name === 'bridge' ? 'docker0' : `br-${info.Id.slice(0, 12)}`),
    gateway: v4.find((c) => c.Gateway !== undefined)?.Gateway,
    subnets: v4.map((c) => c.Subnet as string),
  };
}

export async function fetchSandboxNetwork(docker: Dockerode, name: string): Promise<SandboxNetwork> {
  return getSandboxNetwork((await docker.getNetwork(name).inspect()) as Dockerode.NetworkInspectInfo);
}

/**
 * Creates the installation's own sandbox network: a bridge labelled with the instance id, on a subnet the
 * engine picks from its pools, where containers cannot talk to each other (`enable_icc=false`).
 */
export async function createSandboxNetwork(
  docker: Dockerode,
  name: string,
  labels: Record<string, string>,
  options: { interContainer: boolean },
): Promise<SandboxNetwork> {
  await docker.createNetwork({
    Name: name,
    Driver: 'bridge',
    CheckDuplicate: true,
    Labels: labels,
    Options: { 'com.docker.network.bridge.enable_icc': String(options.interContainer) },
  });
  return fetchSandboxNetwork(docker, name);
}

export async function removeSandboxNetwork(docker: Dockerode, name: string): Promise<void> {
  try {
    await docker.getNetwork(name).remove();
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
  }
}

/** Removes every network carrying all of `labels` (their containers must be gone first). */
export async function removeOrphanNetworks(docker: Dockerode, labels: string[]): Promise<number> {
  const networks = await docker.listNetworks({ filters: { label: [`${LABELS.managed}=true`, ...labels] } });
  await Promise.all(networks.map((n) => removeSandboxNetwork(docker, n.Id)));
  return networks.length;
}
