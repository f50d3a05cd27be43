import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';

/**
 * Host firewall rules that keep one installation's sandboxes away from the host and from each other.
 * Everything lives in chains of the installation's own (`LAMBDOCK-<hash of the instance id>`), reached by
 * jumps that carry the comment `lambdock:<instance id>`, so removing them (at close, or as leftovers of an
 * earlier run at startup) touches nothing else.
 *
 * - INPUT from the sandbox bridge (any address of the host: the gateway, the LAN address, other bridges):
 *   only TCP to the Runtime API address and port range; everything else is refused (tcp-reset or
 *   icmp-port-unreachable, so a probe learns at once).
 * - DOCKER-USER (Docker's hook in FORWARD) from the sandbox bridge: refused back onto the same bridge
 *   (another sandbox; lambdock's own container's Runtime API ports excepted when it runs on that bridge)
 *   to ports the host publishes for containers (DNAT), and to the host's other Docker bridges.
 */
export interface FirewallPlan {
  instanceId: string;
  /** The host interface of the sandbox network. */
  bridge: string;
  /** Where the Runtime API servers listen: the network's gateway, or lambdock's container on the bridge. */
  runtimeApiAddress: string;
  /** lambdock runs in a container on the sandbox bridge (compose), not on the host. */
  runtimeApiOnBridge: boolean;
  runtimeApiPorts: { first: number; last: number };
}

/** Runs `iptables` with these arguments and answers its standard output. */
export type IptablesRunner = (args: string[]) => Promise<string>;

export function getChainName(instanceId: string): string {
  return `LAMBDOCK-${createHash('sha256').update(instanceId).digest('hex').slice(0, 10)}`;
}

function commentOf(instanceId: string): string {
  return `lambdock:${instanceId}`;
}

const REFUSE = [
  ['-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
  ['-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
];

/** The iptables commands that install `plan`, in order. */
export function getInstallCommands(plan: FirewallPlan): string[][] {
  const input = getChainName(plan.instanceId);
  const forward = `${input}-F`;
  const comment = ['-m', 'comment', '--comment', commentOf(plan.instanceId)];
  const { first, last } = plan.runtimeApiPorts;
  return [
    ['-N', input],
    ['-A', input, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
    ['-A', input, '-p', 'tcp', '-d', plan.runtimeApiAddress, '--dport', `${first}:${last}`, '-j', 'ACCEPT'],
    ...REFUSE.map((rule) => ['-A', input, ...rule]),
    ['-N', forward],
    ['-A', forward, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'RETURN'],
    ...(plan.runtimeApiOnBridge
      ? [['-A', forward, '-o', plan.bridge, '-p', 'tcp', '-d', plan.runtimeApiAddress, '--dport', `${first}:${last}`, '-j', 'RETURN']]
      : []),
    ...REFUSE.map((rule) => ['-A', forward, '-o', plan.bridge, ...rule]),
    ...REFUSE.map((rule) => ['-A', forward, '-m', 'conntrack', '--ctstate', 'DNAT', ...rule]),
    // Containers on the host's other Docker networks (Docker itself would DROP these: refuse them at once).
    ...['docker0', 'br-+'].flatMap((bridge) => REFUSE.map((rule) => ['-A', forward, '-o', bridge, ...rule])),
    ['-I', 'INPUT', '-i', plan.bridge, ...comment, '-j', input],
    ['-I', 'DOCKER-USER', '-i', plan.bridge, ...comment, '-j', forward],
  ];
}

/** Splits one line of `iptables -S` into arguments (the comment is quoted there). */
export function splitRule(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

/** The commands that delete the jumps to this installation's chains found in `listing` (`iptables -S CHAIN`). */
export function getJumpRemovals(instanceId: string, listing: string): string[][] {
  const comment = commentOf(instanceId);
  return listing
    .split('\n')
    .map(splitRule)
    .filter((args) => args[0] === '-A' && args.includes(comment) && args.some((a) => a.startsWith(getChainName(instanceId))))
    .map((args) => ['-D', ...args.slice(1)]);
}

const execFileAsync = promisify(execFile);

/** Runs the host's iptables (`-w`: wait for the lock other programs, dockerd among them, hold). */
export const hostIptables: IptablesRunner = async (args) => (await execFileAsync('iptables', ['-w', ...args])).stdout;

export class IptablesSandboxFirewall {
  constructor(private readonly run: IptablesRunner = hostIptables) {}

  /** Installs `plan`, after removing whatever an earlier run with the same instance id left. */
  async install(plan: FirewallPlan): Promise<void> {
    await this.remove(plan.instanceId);
    try {
      for (const args of getInstallCommands(plan)) await this.run(args);
    } catch (error) {
      await this.remove(plan.instanceId).catch(() => undefined);
      throw error;
    }
  }

  /** Removes the jumps and chains of `instanceId`; answers whether there was anything to remove. */
  async remove(instanceId: string): Promise<boolean> {
    let found = false;
    for (const chain of ['INPUT', 'DOCKER-USER']) {
      const listing = await this.run(['-S', chain]).catch(() => '');
      for (const args of getJumpRemovals(instanceId, listing)) {
        found = true;
        await this.run(args);
      }
    }
    const input = getChainName(instanceId);
    for (const chain of [input, `${input}-F`]) {
      const exists = await this.run(['-S', chain]).then(() => true, () => false);
      if (!exists) continue;
      found = true;
      await this.run(['-F', chain]);
      await this.run(['-X', chain]);
    }
    return found;
  }
}
