/**
 * Where a container's cgroup is on the host. The engine puts it in one of a few places, by cgroup version
 * and driver: `docker/<id>` (cgroupfs driver) or `system.slice/docker-<id>.scope` (systemd driver), under
 * the controller's own hierarchy on cgroup v1 (`<root>/memory/…`, `<root>/freezer/…`) and under the root
 * itself on cgroup v2.
 */
export type CgroupVersion = 1 | 2;

/** A v1 controller whose hierarchy lambdock reads or writes. */
export type CgroupController = 'memory' | 'freezer';

export interface CgroupDir {
  version: CgroupVersion;
  dir: string;
}

/** The engine's usual places for the cgroup of container `id`, v1 first (this host's), then v2. */
export function getCgroupDirCandidates(root: string, id: string, controller: CgroupController): CgroupDir[] {
  return [
    { version: 1, dir: `${root}/${controller}/docker/${id}` },
    { version: 1, dir: `${root}/${controller}/system.slice/docker-${id}.scope` },
    { version: 2, dir: `${root}/docker/${id}` },
    { version: 2, dir: `${root}/system.slice/docker-${id}.scope` },
  ];
}

/**
 * The cgroup of container `id` as its init process's `/proc/<pid>/cgroup` names it, for layouts the
 * candidates above miss (a `--cgroup-parent`, rootless engines). Only a path that holds the container's
 * full id is taken: when lambdock runs in a container of its own, the engine's pid is not a pid of
 * lambdock's namespace, and another process's cgroup must never be mistaken for the sandbox's.
 */
export function getCgroupDirsFromProc(procCgroup: string, root: string, id: string, controller: CgroupController): CgroupDir[] {
  const found: CgroupDir[] = [];
  for (const line of procCgroup.split('\n')) {
    // `<hierarchy id>:<controllers, comma-separated>:<path>`; cgroup v2's single line is `0::<path>`.
    const match = /^(\d+):([^:]*):(\/.*)$/.exec(line.trim());
    if (match === null) continue;
    const [, hierarchy, controllers = '', cgroupPath = ''] = match;
    if (!cgroupPath.includes(id)) continue;
    if (hierarchy === '0' && controllers === '') found.push({ version: 2, dir: `${root}${cgroupPath}` });
    else if (controllers.split(',').includes(controller)) found.push({ version: 1, dir: `${root}/${controller}${cgroupPath}` });
  }
  // v1's own hierarchy first: on a hybrid host the v2 tree (mounted at `unified`) has no such controller.
  return found.sort((a, b) => a.version - b.version);
}
