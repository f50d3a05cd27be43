import { randomUUID } from 'node:crypto';
import Dockerode from 'dockerode';
import { describe, expect, inject, it } from 'vitest';
import { openEngineIptables } from '../../src/docker/engine-iptables.js';
import { getChainName, hostIptables, IptablesSandboxFirewall } from '../../src/docker/sandbox-firewall.js';
import { getRuntimeImageTag } from '../../src/docker/images/index.js';

describe('the host firewall, installed through the engine (lambdock in a container)', () => {
  it('installs the rules in the host network namespace and removes them', async () => {
    const docker = new Dockerode();
    const instanceId = `${inject('testRunPrefix')}-${randomUUID().slice(0, 8)}`;
    const image = getRuntimeImageTag('provided.al2023') ?? 'lambdock-runtime:provided';
    const engine = await openEngineIptables(docker, image, instanceId);
    try {
      const firewall = new IptablesSandboxFirewall(engine.run);
      await firewall.install({
        instanceId,
        bridge: 'br-lambdocktest',
        runtimeApiAddress: '172.31.255.2',
        runtimeApiOnBridge: true,
        runtimeApiPorts: { first: 20000, last: 29999 },
      });
      // Seen from the host itself: the chains and the jumps are there.
      expect(await hostIptables(['-S', 'INPUT'])).toContain(`--comment "lambdock:${instanceId}" -j ${getChainName(instanceId)}`);
      expect(await hostIptables(['-S', `${getChainName(instanceId)}-F`])).toContain('-d 172.31.255.2/32 -o br-lambdocktest');
      expect(await firewall.remove(instanceId)).toBe(true);
      expect(await hostIptables(['-S', 'INPUT'])).not.toContain(instanceId);
      await expect(hostIptables(['-S', getChainName(instanceId)])).rejects.toThrow();
    } finally {
      await engine.close();
    }
    const helpers = await docker.listContainers({ all: true, filters: { label: [`lambdock.instance=${instanceId}`] } });
    expect(helpers).toEqual([]);
  });
});
