import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CgroupDir } from './container-cgroup.js';

/**
 * Freezing a container by writing its freezer cgroup, as runc does for `docker pause`, without the
 * engine's API round trips (dockerd → containerd → shim → runc). cgroup v1: `freezer.state` ←
 * FROZEN/THAWED, where FREEZING means "not every task is frozen yet"; cgroup v2: `cgroup.freeze` ← 1/0,
 * done when `cgroup.events` says `frozen 1`.
 *
 * The files are written synchronously: a cgroupfs write never waits on a disk, and off the libuv thread
 * pool it cannot queue behind someone's unzip, which would cost a thaw more than the write itself.
 */
export class CgroupFreezeError extends Error {
  override name = 'CgroupFreezeError';
}

/** The file lambdock writes to freeze and thaw a cgroup of this version. */
export function getFreezerFile(cgroup: CgroupDir): string {
  return cgroup.version === 1 ? `${cgroup.dir}/freezer.state` : `${cgroup.dir}/cgroup.freeze`;
}

/** The first of `candidates` whose freezer file is there and writable by this process. */
export function findWritableFreezer(candidates: readonly CgroupDir[]): CgroupDir | undefined {
  for (const cgroup of candidates) {
    try {
      // W_OK fails with EROFS on a read-only mount (the host's cgroupfs mounted read-only into a container).
      accessSync(getFreezerFile(cgroup), constants.W_OK);
      return cgroup;
    } catch {
      // not this layout, or not ours to write
    }
  }
  return undefined;
}

export interface FreezeOptions {
  /** Longest time the tasks may take to freeze before the cgroup is thawed back and the freeze fails. */
  timeoutMs?: number;
  /** Gives the freeze up (and thaws): someone else thawed the cgroup meanwhile, to remove its container. */
  signal?: AbortSignal;
}

/** True once every task of the cgroup is frozen. */
function isFrozen(cgroup: CgroupDir): boolean {
  if (cgroup.version === 1) return readFileSync(`${cgroup.dir}/freezer.state`, 'utf8').trim() === 'FROZEN';
  return /^frozen 1$/m.test(readFileSync(`${cgroup.dir}/cgroup.events`, 'utf8'));
}

/**
 * Freezes the cgroup and waits until every task in it is frozen. A freeze that does not complete in time
 * is undone (a cgroup left FREEZING holds some tasks and not others), and fails.
 */
export async function freezeCgroup(cgroup: CgroupDir, options: FreezeOptions = {}): Promise<void> {
  const deadline = performance.now() + (options.timeoutMs ?? 2_000);
  const file = getFreezerFile(cgroup);
  const frozen = cgroup.version === 1 ? 'FROZEN' : '1';
  try {
    for (let attempt = 0; ; attempt += 1) {
      options.signal?.throwIfAborted();
      if (cgroup.version === 1 && attempt % 50 === 49) {
        // runc's remedy for a v1 freeze that a stream of new tasks keeps from completing: thaw, let the
        // tasks settle, freeze again. v2's freezer has no such race.
        writeFileSync(file, 'THAWED');
        await sleep(10);
      }
      // On v1 every write asks again for the tasks that were not frozen yet (as runc does); on v2 one does.
      if (cgroup.version === 1 || attempt === 0) writeFileSync(file, frozen);
      if (isFrozen(cgroup)) return;
      if (performance.now() > deadline) throw new CgroupFreezeError(`the tasks of ${cgroup.dir} did not all freeze within ${options.timeoutMs ?? 2_000} ms`);
      // The first checks come at once (the tasks of an idle runtime freeze within a fraction of a ms), then each ms.
      if (attempt < 10) await new Promise((resolve) => setImmediate(resolve));
      else await sleep(1);
    }
  } catch (error) {
    try {
      thawCgroup(cgroup);
    } catch {
      // The first failure is the one to report.
    }
    throw error;
  }
}

/** Thaws the cgroup: its tasks run again as the write returns. */
export function thawCgroup(cgroup: CgroupDir): void {
  writeFileSync(getFreezerFile(cgroup), cgroup.version === 1 ? 'THAWED' : '0');
}

/** True while the cgroup is frozen or freezing (asked to be: its tasks cannot all be relied on to run). */
export function isCgroupFreezing(cgroup: CgroupDir): boolean {
  if (cgroup.version === 1) return readFileSync(`${cgroup.dir}/freezer.state`, 'utf8').trim() !== 'THAWED';
  return readFileSync(`${cgroup.dir}/cgroup.freeze`, 'utf8').trim() === '1';
}
