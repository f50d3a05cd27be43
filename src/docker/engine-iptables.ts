import type Dockerode from 'dockerode';
import { LABELS } from './container-driver.js';
import { FrameDemuxer } from './frame-demuxer.js';
import type { IptablesRunner } from './sandbox-firewall.js';

/** The host's iptables, reached through the engine from inside a container (lambdock under compose). */
export interface EngineIptables {
  run: IptablesRunner;
  close(): Promise<void>;
}

async function execute(container: Dockerode.Container, cmd: string[]): Promise<string> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const demuxer = new FrameDemuxer((kind, chunk) => (kind === 'stdout' ? out : err).push(chunk));
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => demuxer.push(chunk));
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  const { ExitCode } = await exec.inspect();
  if (ExitCode !== 0) throw new Error(`iptables ${cmd.slice(4).join(' ')}: ${Buffer.concat(err).toString('utf8').trim()} (exit ${ExitCode})`);
  return Buffer.concat(out).toString('utf8');
}

/**
 * Starts a helper container in the host's network namespace (NET_ADMIN, the host's root read-only at
 * /host) that runs the host's own iptables for each command. Anyone holding the Docker socket can do this:
 * it grants lambdock nothing it did not have. `image` needs only a `chroot`.
 */
export async function openEngineIptables(docker: Dockerode, image: string, instanceId: string): Promise<EngineIptables> {
  const container = await docker.createContainer({
    name: `lambdock-firewall-${Math.random().toString(16).slice(2, 14)}`,
    Image: image,
    Entrypoint: ['chroot', '/host', 'sleep', '2147483647'],
    Cmd: [],
    User: '0:0',
    Labels: { [LABELS.managed]: 'true', [LABELS.instance]: instanceId, [LABELS.role]: 'firewall' },
    HostConfig: {
      NetworkMode: 'host',
      CapDrop: ['ALL'],
      CapAdd: ['NET_ADMIN', 'NET_RAW', 'SYS_CHROOT'],
      Binds: ['/:/host:ro'],
      AutoRemove: false,
      Init: true,
    },
  });
  try {
    await container.start();
  } catch (error) {
    await container.remove({ force: true, v: true }).catch(() => undefined);
    throw error;
  }
  return {
    run: (args) => execute(container, ['chroot', '/host', 'iptables', '-w', ...args]),
    close: () => container.remove({ force: true, v: true }).then(() => undefined, () => undefined),
  };
}
