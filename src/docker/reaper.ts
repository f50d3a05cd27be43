import type Dockerode from 'dockerode';

export interface OrphanOptions {
  /**
   * Called before the removal of each container the engine lists as running: one frozen through its
   * cgroup by an earlier lambdock is listed so, and must be thawed for the engine to be able to kill it.
   */
  thawRunning?: (id: string) => Promise<unknown>;
}

/** Force-removes every container carrying all of `labels` (e.g. `lambdock.instance=<id>`). */
export async function removeOrphanContainers(docker: Dockerode, labels: string[], options: OrphanOptions = {}): Promise<number> {
  const containers = await docker.listContainers({ all: true, filters: { label: labels } });
  await Promise.all(
    containers.map(async (c) => {
      // A thaw that fails leaves it to the removal below to fail, and be reported.
      if (c.State === 'running') await options.thawRunning?.(c.Id).catch(() => undefined);
      await docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch((error: { statusCode?: number }) => {
          if (error.statusCode !== 404 && error.statusCode !== 409) throw error;
        });
    }),
  );
  return containers.length;
}
