import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { removeOrphanContainers } from './reaper.js';

describe('removeOrphanContainers', () => {
  it('thaws each container the engine lists as running before removing it, and removes every one', async () => {
    const calls: string[] = [];
    const docker = {
      listContainers: async () => [
        { Id: 'running', State: 'running' },
        { Id: 'paused', State: 'paused' },
        { Id: 'exited', State: 'exited' },
      ],
      getContainer: (id: string) => ({ remove: async () => void calls.push(`remove ${id}`) }),
    } as unknown as Dockerode;
    const removed = await removeOrphanContainers(docker, ['lambdock.instance=x'], {
      thawRunning: async (id) => void calls.push(`thaw ${id}`),
    });
    expect(removed).toBe(3);
    expect(calls.indexOf('thaw running')).toBeLessThan(calls.indexOf('remove running'));
    expect([...calls].sort()).toEqual(['remove exited', 'remove paused', 'remove running', 'thaw running']);
  });

  it('still removes a container whose thaw failed', async () => {
    const calls: string[] = [];
    const docker = {
      listContainers: async () => [{ Id: 'running', State: 'running' }],
      getContainer: (id: string) => ({ remove: async () => void calls.push(`remove ${id}`) }),
    } as unknown as Dockerode;
    await removeOrphanContainers(docker, [], { thawRunning: async () => Promise.reject(new Error('EACCES')) });
    expect(calls).toEqual(['remove running']);
  });
});
