import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';

/**
 * Bind-mount sources are resolved by the engine, in its own filesystem, not in lambdock's. On the host the
 * two are one; when lambdock runs in a container, its data dir (function code, /opt trees, output pipes)
 * is a mount of that container, and the engine knows it by the mount's source: a host folder (compose's
 * same-path bind: the same path), or a volume's folder (`/var/lib/docker/volumes/<name>/_data`).
 */
export interface EnginePaths {
  /** The engine's path of `localPath`: translated when it is in the data dir, as it is otherwise. */
  toEngine(localPath: string): string;
}

export const IDENTITY_PATHS: EnginePaths = { toEngine: (localPath) => localPath };

/** Paths under `localDir` become the same paths under `engineDir`; every other path stays as it is. */
export class DataDirPaths implements EnginePaths {
  constructor(
    readonly localDir: string,
    readonly engineDir: string,
  ) {}

  toEngine(localPath: string): string {
    const relative = path.relative(this.localDir, localPath);
    if (relative === '') return this.engineDir;
    if (relative.startsWith('..') || path.isAbsolute(relative)) return localPath;
    return path.join(this.engineDir, relative);
  }
}

export class DataDirNotSharedError extends Error {
  override name = 'DataDirNotSharedError';
}

/** A container id in the engine's folders, as /proc/self/mountinfo shows them for /etc/hostname and friends. */
const CONTAINER_ID_IN_MOUNTINFO = /\/containers\/([0-9a-f]{64})\/(?:hostname|hosts|resolv\.conf)\s/;

/**
 * lambdock's own container on this engine, when it runs in one: by the id in its mounts (the engine bind
 * mounts /etc/hostname from its container folder), else by its hostname (a container's short id unless
 * it was given another); undefined on a host, or in a container of another engine.
 */
export async function fetchOwnContainer(docker: Dockerode, mountinfo?: string): Promise<Dockerode.ContainerInspectInfo | undefined> {
  const mounts = mountinfo ?? (await readFile('/proc/self/mountinfo', 'utf8').catch(() => ''));
  const id = CONTAINER_ID_IN_MOUNTINFO.exec(mounts)?.[1];
  for (const candidate of id === undefined ? [os.hostname()] : [id, os.hostname()]) {
    const info = await docker
      .getContainer(candidate)
      .inspect()
      .catch(() => undefined);
    if (info !== undefined) return info;
  }
  return undefined;
}

interface MountInfo {
  Type?: string;
  Source?: string;
  Destination?: string;
}

/**
 * Where `dataDir` is on the engine, given lambdock's own container: below the container mount that holds
 * it (the deepest one). Throws DataDirNotSharedError when no mount does: the data dir is in the container's
 * own filesystem, which the engine cannot hand to sandboxes.
 */
export function findDataDirOnEngine(self: Pick<Dockerode.ContainerInspectInfo, 'Mounts'>, dataDir: string): string {
  const holders = ((self.Mounts ?? []) as MountInfo[])
    .filter((mount) => mount.Destination !== undefined && mount.Source !== undefined && mount.Source !== '')
    .filter((mount) => {
      const relative = path.relative(mount.Destination as string, dataDir);
      return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
    })
    .sort((a, b) => (b.Destination as string).length - (a.Destination as string).length);
  const holder = holders[0];
  if (holder === undefined) {
    throw new DataDirNotSharedError(
      `lambdock runs in a container and its data dir ${dataDir} is on none of its mounts: sandboxes could not see ` +
        'their code. Mount a volume or a host folder there (the lambdock image declares VOLUME /var/lib/lambdock), ' +
        'or set LAMBDOCK_DATA_DIR_ON_ENGINE to where the engine sees it.',
    );
  }
  return path.join(holder.Source as string, path.relative(holder.Destination as string, dataDir));
}

/**
 * The translation of data dir paths for the engine: LAMBDOCK_DATA_DIR_ON_ENGINE when set; else, in a
 * container of this engine, found by inspecting it; else (on the host) none.
 */
export async function resolveEnginePaths(
  docker: Dockerode,
  dataDir: string,
  override: string | undefined,
): Promise<EnginePaths> {
  if (override !== undefined) return new DataDirPaths(dataDir, override);
  const self = await fetchOwnContainer(docker);
  if (self === undefined) return IDENTITY_PATHS;
  return new DataDirPaths(dataDir, findDataDirOnEngine(self, dataDir));
}
