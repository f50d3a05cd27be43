import { describe, expect, it } from 'vitest';
import { getCgroupDirCandidates, getCgroupDirsFromProc } from './container-cgroup.js';

const ID = 'c0ffee'.padEnd(64, '0');

describe('getCgroupDirCandidates', () => {
  it("names the engine's cgroupfs and systemd layouts, under the controller's hierarchy on v1 and the root on v2", () => {
    expect(getCgroupDirCandidates('/sys/fs/cgroup', ID, 'freezer')).toStrictEqual([
      { version: 1, dir: `/sys/fs/cgroup/freezer/docker/${ID}` },
      { version: 1, dir: `/sys/fs/cgroup/freezer/system.slice/docker-${ID}.scope` },
      { version: 2, dir: `/sys/fs/cgroup/docker/${ID}` },
      { version: 2, dir: `/sys/fs/cgroup/system.slice/docker-${ID}.scope` },
    ]);
    expect(getCgroupDirCandidates('/host/cgroup', ID, 'memory')[0]).toStrictEqual({ version: 1, dir: `/host/cgroup/memory/docker/${ID}` });
  });
});

describe('getCgroupDirsFromProc', () => {
  it("takes the controller's own v1 line", () => {
    const proc = [`12:pids:/docker/${ID}`, `6:freezer:/docker/${ID}`, `4:cpu,cpuacct:/docker/${ID}`, `0::/docker/${ID}`, ''].join('\n');
    expect(getCgroupDirsFromProc(proc, '/sys/fs/cgroup', ID, 'freezer')).toStrictEqual([
      { version: 1, dir: `/sys/fs/cgroup/freezer/docker/${ID}` },
      { version: 2, dir: `/sys/fs/cgroup/docker/${ID}` },
    ]);
    expect(getCgroupDirsFromProc(proc, '/r', ID, 'memory')).toStrictEqual([{ version: 2, dir: `/r/docker/${ID}` }]);
  });

  it("takes v2's single line, wherever the engine put the container (a rootless engine's user slice)", () => {
    const path = `/user.slice/user-1000.slice/user@1000.service/app.slice/docker-${ID}.scope`;
    expect(getCgroupDirsFromProc(`0::${path}\n`, '/sys/fs/cgroup', ID, 'freezer')).toStrictEqual([{ version: 2, dir: `/sys/fs/cgroup${path}` }]);
  });

  it("never takes a cgroup that is not the container's (a pid of another namespace, a process outside any container)", () => {
    const other = 'feed'.padEnd(64, '1');
    expect(getCgroupDirsFromProc(`6:freezer:/docker/${other}\n0::/docker/${other}`, '/sys/fs/cgroup', ID, 'freezer')).toStrictEqual([]);
    expect(getCgroupDirsFromProc('6:freezer:/\n0::/\n', '/sys/fs/cgroup', ID, 'freezer')).toStrictEqual([]);
    expect(getCgroupDirsFromProc('', '/sys/fs/cgroup', ID, 'freezer')).toStrictEqual([]);
  });
});
