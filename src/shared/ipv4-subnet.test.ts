import { describe, expect, it } from 'vitest';
import { isInAnySubnet, isInSubnet } from './ipv4-subnet.js';

describe('isInSubnet', () => {
  it('tells addresses inside a subnet from those outside', () => {
    expect(isInSubnet('172.18.0.5', '172.18.0.0/16')).toBe(true);
    expect(isInSubnet('172.18.255.255', '172.18.0.0/16')).toBe(true);
    expect(isInSubnet('172.19.0.1', '172.18.0.0/16')).toBe(false);
    expect(isInSubnet('192.168.16.70', '192.168.16.64/26')).toBe(true);
    expect(isInSubnet('192.168.16.128', '192.168.16.64/26')).toBe(false);
    expect(isInSubnet('10.0.0.1', '0.0.0.0/0')).toBe(true);
    expect(isInSubnet('10.0.0.1', '10.0.0.1/32')).toBe(true);
  });

  it('reads IPv4-mapped IPv6 peers as IPv4', () => {
    expect(isInSubnet('::ffff:172.18.0.5', '172.18.0.0/16')).toBe(true);
  });

  it('answers false for what it cannot read', () => {
    expect(isInSubnet('fe80::1', '172.18.0.0/16')).toBe(false);
    expect(isInSubnet('172.18.0.5', 'fd00::/64')).toBe(false);
    expect(isInSubnet('172.18.0.5', '172.18.0.0')).toBe(false);
    expect(isInSubnet('172.18.0.256', '172.18.0.0/16')).toBe(false);
  });
});

describe('isInAnySubnet', () => {
  it('checks every subnet and refuses an unknown peer', () => {
    expect(isInAnySubnet('10.1.2.3', ['172.18.0.0/16', '10.1.0.0/16'])).toBe(true);
    expect(isInAnySubnet('10.2.2.3', ['172.18.0.0/16', '10.1.0.0/16'])).toBe(false);
    expect(isInAnySubnet(undefined, ['0.0.0.0/0'])).toBe(false);
  });
});
