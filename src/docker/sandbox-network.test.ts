import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { getSandboxNetwork } from './sandbox-network.js';

const info = (overrides: Partial<Dockerode.NetworkInspectInfo>): Dockerode.NetworkInspectInfo =>
  ({ Name: 'lambdock-sandboxes-ci', Id: '0123456789abcdef0123', Options: {}, IPAM: { Config: [] }, ...overrides }) as Dockerode.NetworkInspectInfo;

describe('getSandboxNetwork', () => {
  it('finds the bridge, the gateway and the IPv4 subnets of a user-defined network', () => {
    const network = getSandboxNetwork(
      info({ IPAM: { Config: [{ Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' }, { Subnet: 'fd00::/64', Gateway: 'fd00::1' }] } }),
    );
    expect(network).toEqual({
      name: 'lambdock-sandboxes-ci',
      id: '0123456789abcdef0123',
      bridge: 'br-0123456789ab',
      gateway: '172.18.0.1',
      subnets: ['172.18.0.0/16'],
    });
  });

  it('knows the default bridge as docker0, and a bridge named in the options by that name', () => {
    expect(getSandboxNetwork(info({ Name: 'bridge', IPAM: { Config: [{ Subnet: '172.17.0.0/16' }] } }))).toMatchObject({
      bridge: 'docker0',
      gateway: undefined,
      subnets: ['172.17.0.0/16'],
    });
    expect(getSandboxNetwork(info({ Options: { 'com.docker.network.bridge.name': 'lambdock0' } })).bridge).toBe('lambdock0');
  });
});
