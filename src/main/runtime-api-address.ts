import type Dockerode from 'dockerode';
import type { Config } from '../config/config.js';
import { fetchOwnContainer } from '../docker/engine-paths.js';
import type { SandboxNetwork } from '../docker/sandbox-network.js';

export interface RuntimeApiAddress {
  bind: string;
  advertise: string;
}

/**
 * Where the per-sandbox Runtime API servers listen and what sandboxes are told. Set explicitly, that
 * wins. When lambdock itself runs in a container of the same engine (compose), it uses its own address
 * on the sandbox network: the only address sandboxes can reach it at. On a host, the gateway of the
 * sandbox network (the host's own address on it); failing that, the config's defaults.
 */
export async function resolveRuntimeApiAddress(
  docker: Dockerode,
  config: Config,
  network: SandboxNetwork,
): Promise<RuntimeApiAddress> {
  const fallback = { bind: config.runtimeApiBindHost, advertise: config.runtimeApiAdvertiseHost };
  if (config.runtimeApiHostExplicit) return fallback;
  // Undefined when lambdock is not in a container of this engine.
  const self = await fetchOwnContainer(docker);
  const address = self?.NetworkSettings.Networks[network.name]?.IPAddress;
  if (address) return { bind: address, advertise: address };
  return network.gateway === undefined ? fallback : { bind: network.gateway, advertise: network.gateway };
}
