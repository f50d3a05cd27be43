import os from 'node:os';
import type Dockerode from 'dockerode';
import type { Config } from '../config/config.js';

export interface RuntimeApiAddress {
  bind: string;
  advertise: string;
}

/**
 * Where the per-sandbox Runtime API servers listen and what sandboxes are told. Set explicitly, that
 * wins. When lambdock itself runs in a container of the same engine (compose), it uses its own address
 * on the sandbox network: the only address sandboxes can reach it at. Otherwise the config's defaults
 * (the docker0 bridge address on a host).
 */
export async function resolveRuntimeApiAddress(docker: Dockerode, config: Config): Promise<RuntimeApiAddress> {
  const fallback = { bind: config.runtimeApiBindHost, advertise: config.runtimeApiAdvertiseHost };
  if (config.runtimeApiHostExplicit) return fallback;
  try {
    const self = await docker.getContainer(os.hostname()).inspect();
    const address = self.NetworkSettings.Networks[config.sandboxNetwork]?.IPAddress;
    return address ? { bind: address, advertise: address } : fallback;
  } catch {
    return fallback; // not a container of this engine
  }
}
