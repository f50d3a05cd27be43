import { describe, expect, it } from 'vitest';
import {
  getChainName,
  getInstallCommands,
  getJumpRemovals,
  IptablesSandboxFirewall,
  splitRule,
  type FirewallPlan,
} from './sandbox-firewall.js';

const PLAN: FirewallPlan = {
  instanceId: 'ci-42',
  bridge: 'br-0123456789ab',
  runtimeApiAddress: '172.18.0.1',
  runtimeApiPorts: { first: 20000, last: 29999 },
  runtimeApiOnBridge: false,
};
const CHAIN = getChainName('ci-42');

/** An iptables that keeps chains in memory and answers `-S` like the real one. */
function fakeIptables() {
  const chains = new Map<string, string[][]>([
    ['INPUT', []],
    ['DOCKER-USER', [['-j', 'RETURN']]],
  ]);
  const calls: string[][] = [];
  const render = (name: string, rules: string[][]) =>
    [`-N ${name}`, ...rules.map((r) => `-A ${name} ${r.map((a) => (a.startsWith('lambdock:') ? `"${a}"` : a)).join(' ')}`)].join('\n');
  const run = (args: string[]): Promise<string> => {
    calls.push(args);
    const [op, name = '', ...rule] = args;
    const rules = chains.get(name);
    if (op === '-N') {
      if (rules !== undefined) return Promise.reject(new Error('Chain already exists.'));
      chains.set(name, []);
      return Promise.resolve('');
    }
    if (rules === undefined) return Promise.reject(new Error(`iptables: No chain/target/match by that name: ${name}`));
    if (op === '-S') return Promise.resolve(`${render(name, rules)}\n`);
    if (op === '-A') rules.push(rule);
    if (op === '-I') rules.unshift(rule);
    if (op === '-F') rules.length = 0;
    if (op === '-X') chains.delete(name);
    if (op === '-D') {
      const at = rules.findIndex((r) => r.join(' ') === rule.join(' '));
      if (at < 0) return Promise.reject(new Error('Bad rule'));
      rules.splice(at, 1);
    }
    return Promise.resolve('');
  };
  return { chains, calls, run };
}

describe('sandbox firewall rules', () => {
  it('names the chain after a hash of the instance id, short enough for iptables', () => {
    expect(CHAIN).toMatch(/^LAMBDOCK-[0-9a-f]{10}$/);
    expect(getChainName('ci-42')).toBe(CHAIN);
    expect(getChainName('ci-43')).not.toBe(CHAIN);
    expect(`${CHAIN}-F`.length).toBeLessThanOrEqual(28);
  });

  it('lets the bridge reach only the Runtime API ports, refusing the rest of the host, other sandboxes and other containers', () => {
    expect(getInstallCommands(PLAN)).toEqual([
      ['-N', CHAIN],
      ['-A', CHAIN, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
      ['-A', CHAIN, '-p', 'tcp', '-d', '172.18.0.1', '--dport', '20000:29999', '-j', 'ACCEPT'],
      ['-A', CHAIN, '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
      ['-A', CHAIN, '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
      ['-N', `${CHAIN}-F`],
      ['-A', `${CHAIN}-F`, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'RETURN'],
      ['-A', `${CHAIN}-F`, '-o', 'br-0123456789ab', '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
      ['-A', `${CHAIN}-F`, '-o', 'br-0123456789ab', '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
      ['-A', `${CHAIN}-F`, '-m', 'conntrack', '--ctstate', 'DNAT', '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
      ['-A', `${CHAIN}-F`, '-m', 'conntrack', '--ctstate', 'DNAT', '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
      ['-A', `${CHAIN}-F`, '-o', 'docker0', '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
      ['-A', `${CHAIN}-F`, '-o', 'docker0', '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
      ['-A', `${CHAIN}-F`, '-o', 'br-+', '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
      ['-A', `${CHAIN}-F`, '-o', 'br-+', '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
      ['-I', 'INPUT', '-i', 'br-0123456789ab', '-m', 'comment', '--comment', 'lambdock:ci-42', '-j', CHAIN],
      ['-I', 'DOCKER-USER', '-i', 'br-0123456789ab', '-m', 'comment', '--comment', 'lambdock:ci-42', '-j', `${CHAIN}-F`],
    ]);
  });

  it('lets sandboxes reach lambdock\'s own container on the bridge at the Runtime API ports only (compose)', () => {
    const commands = getInstallCommands({ ...PLAN, runtimeApiAddress: '172.18.0.2', runtimeApiOnBridge: true });
    const forward = commands.filter((c) => c[0] === '-A' && c[1] === `${CHAIN}-F`);
    expect(forward.slice(0, 3)).toEqual([
      ['-A', `${CHAIN}-F`, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'RETURN'],
      ['-A', `${CHAIN}-F`, '-o', 'br-0123456789ab', '-p', 'tcp', '-d', '172.18.0.2', '--dport', '20000:29999', '-j', 'RETURN'],
      ['-A', `${CHAIN}-F`, '-o', 'br-0123456789ab', '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
    ]);
  });

  it('reads quoted comments in iptables -S output', () => {
    expect(splitRule('-A INPUT -i br-1 -m comment --comment "lambdock:ci-42" -j X')).toEqual([
      '-A', 'INPUT', '-i', 'br-1', '-m', 'comment', '--comment', 'lambdock:ci-42', '-j', 'X',
    ]);
  });

  it('removes only the jumps of its own instance', () => {
    const other = getChainName('ci-4');
    const listing = [
      '-P INPUT ACCEPT',
      `-A INPUT -i br-1 -m comment --comment "lambdock:ci-42" -j ${CHAIN}`,
      `-A INPUT -i br-2 -m comment --comment "lambdock:ci-4" -j ${other}`,
      '-A INPUT -i eth0 -p tcp --dport 22 -j ACCEPT',
    ].join('\n');
    expect(getJumpRemovals('ci-42', listing)).toEqual([['-D', 'INPUT', '-i', 'br-1', '-m', 'comment', '--comment', 'lambdock:ci-42', '-j', CHAIN]]);
  });
});

describe('IptablesSandboxFirewall', () => {
  it('installs the rules and removes every trace of them, leaving the rules of others', async () => {
    const iptables = fakeIptables();
    const firewall = new IptablesSandboxFirewall(iptables.run);
    await firewall.install({ ...PLAN, instanceId: 'other', bridge: 'br-other' });
    await firewall.install(PLAN);
    expect(iptables.chains.get(CHAIN)).toHaveLength(4);
    expect(iptables.chains.get('INPUT')).toHaveLength(2);
    expect(await firewall.remove('ci-42')).toBe(true);
    expect(iptables.chains.has(CHAIN)).toBe(false);
    expect(iptables.chains.has(`${CHAIN}-F`)).toBe(false);
    expect(iptables.chains.get('INPUT')).toEqual([['-i', 'br-other', '-m', 'comment', '--comment', 'lambdock:other', '-j', getChainName('other')]]);
    expect(iptables.chains.get('DOCKER-USER')).toHaveLength(2);
    expect(await firewall.remove('ci-42')).toBe(false);
  });

  it('replaces what an earlier run with the same instance id left', async () => {
    const iptables = fakeIptables();
    await new IptablesSandboxFirewall(iptables.run).install({ ...PLAN, bridge: 'br-old' });
    await new IptablesSandboxFirewall(iptables.run).install(PLAN);
    expect(iptables.chains.get('INPUT')).toEqual([['-i', 'br-0123456789ab', '-m', 'comment', '--comment', 'lambdock:ci-42', '-j', CHAIN]]);
    expect(iptables.chains.get(`${CHAIN}-F`)?.[1]).toContain('br-0123456789ab');
  });
});
