import type { ScratchDisk, ScratchDiskProvider } from './container-driver.js';

/**
 * /tmp as a tmpfs of EphemeralStorage MB, for hosts where lambdock cannot attach loop devices (in a
 * container without CAP_SYS_ADMIN and the loop devices: a plain `docker run` with the Docker socket).
 * Nothing to make or remove: the engine mounts it with the container and drops it with the container.
 * The trade-off: its pages are charged to the sandbox's memory cgroup, so a function that fills /tmp has
 * that much less memory, and a container restart (a reset) empties /tmp where a loop disk keeps it.
 */
export class TmpfsScratchDisks implements ScratchDiskProvider {
  async createScratchDisk(sizeMb: number): Promise<ScratchDisk> {
    return { tmpfsMb: sizeMb, release: async () => undefined };
  }
}
