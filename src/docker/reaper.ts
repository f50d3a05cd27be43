import type Dockerode from 'dockerode';

/** Force-removes every container carrying all of `labels` (e.g. `lambdock.instance=<id>`). */
export async function removeOrphanContainers(docker: Dockerode, labels: string[]): Promise<number> {
  const containers = await docker.listContainers({ all: true, filters: { label: labels } });
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch((error: { statusCode?: number }) => {
          if (error.statusCode !== 404 && error.statusCode !== 409) throw error;
        }),
    ),
  );
  return containers.length;
}
