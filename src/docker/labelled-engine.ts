import type Dockerode from 'dockerode';

/**
 * The engine client with `labels` added to every container, network and volume created through it (the
 * creator's own labels win on a clash). One place for LAMBDOCK_LABELS, so that nothing lambdock creates
 * (sandboxes, network holders, the firewall helper, image checks, the sandbox network, /tmp volumes)
 * escapes a reaper that removes by label, such as testcontainers' Ryuk. Images are left alone: a reaper
 * would remove the runtime images too.
 */
export function withExtraLabels(docker: Dockerode, labels: Readonly<Record<string, string>>): Dockerode {
  if (Object.keys(labels).length === 0) return docker;
  const labelled = Object.create(docker) as Dockerode;
  type Options = { Labels?: Record<string, string> };
  const add = <T extends Options>(options: T): T => ({ ...options, Labels: { ...labels, ...options.Labels } });
  labelled.createContainer = ((options: Dockerode.ContainerCreateOptions) => docker.createContainer(add(options))) as Dockerode['createContainer'];
  labelled.createNetwork = ((options: Dockerode.NetworkCreateOptions) => docker.createNetwork(add(options))) as Dockerode['createNetwork'];
  labelled.createVolume = ((options: Dockerode.VolumeCreateOptions) => docker.createVolume(add(options))) as Dockerode['createVolume'];
  return labelled;
}
