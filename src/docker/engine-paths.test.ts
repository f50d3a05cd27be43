import { describe, expect, it } from 'vitest';
import { DataDirNotSharedError, DataDirPaths, fetchOwnContainer, findDataDirOnEngine } from './engine-paths.js';
import type Dockerode from 'dockerode';

const VOLUME = '/var/lib/docker/volumes/abc/_data';

describe('findDataDirOnEngine', () => {
  it('finds the data dir below the volume mounted at it', () => {
    const self = { Mounts: [{ Type: 'volume', Name: 'abc', Source: VOLUME, Destination: '/var/lib/lambdock' }] };
    expect(findDataDirOnEngine(self as never, '/var/lib/lambdock')).toBe(VOLUME);
  });

  it("takes the deepest mount that holds it: compose's same-path bind stays the same path", () => {
    const self = {
      Mounts: [
        { Type: 'bind', Source: '/', Destination: '/host' },
        { Type: 'bind', Source: '/srv/data', Destination: '/var/lib' },
        { Type: 'bind', Source: '/var/lib/lambdock', Destination: '/var/lib/lambdock' },
      ],
    };
    expect(findDataDirOnEngine(self as never, '/var/lib/lambdock/workers/abc123')).toBe('/var/lib/lambdock/workers/abc123');
  });

  it('refuses a data dir on none of the mounts', () => {
    const self = { Mounts: [{ Type: 'bind', Source: '/var/run/docker.sock', Destination: '/var/run/docker.sock' }] };
    expect(() => findDataDirOnEngine(self as never, '/var/lib/lambdock')).toThrow(DataDirNotSharedError);
    expect(() => findDataDirOnEngine({ Mounts: [] } as never, '/var/lib/lambdockx')).toThrow(/LAMBDOCK_DATA_DIR_ON_ENGINE/);
  });

  it('does not take a sibling folder with the same prefix for a parent', () => {
    const self = { Mounts: [{ Type: 'bind', Source: '/srv/x', Destination: '/var/lib/lambdock' }] };
    expect(() => findDataDirOnEngine(self as never, '/var/lib/lambdock-api')).toThrow(DataDirNotSharedError);
  });
});

describe('DataDirPaths', () => {
  const paths = new DataDirPaths('/var/lib/lambdock', VOLUME);

  it('translates paths in the data dir, and the data dir itself', () => {
    expect(paths.toEngine('/var/lib/lambdock/code/ab12')).toBe(`${VOLUME}/code/ab12`);
    expect(paths.toEngine('/var/lib/lambdock')).toBe(VOLUME);
  });

  it('leaves every other path as it is (a hot-reload folder is a host path)', () => {
    expect(paths.toEngine('/home/me/project/src')).toBe('/home/me/project/src');
    expect(paths.toEngine('/var/lib/lambdock-other/x')).toBe('/var/lib/lambdock-other/x');
  });
});

describe('fetchOwnContainer', () => {
  const id = 'a'.repeat(64);
  const fakeDocker = (known: string[]) =>
    ({
      getContainer: (name: string) => ({
        inspect: async () => {
          if (!known.includes(name)) throw Object.assign(new Error('no such container'), { statusCode: 404 });
          return { Id: name, Mounts: [] };
        },
      }),
    }) as unknown as Dockerode;

  it('finds its container by the id in its mounts, whatever its hostname', async () => {
    const mountinfo = `712 700 8:1 /var/lib/docker/containers/${id}/hostname /etc/hostname rw,relatime - ext4 /dev/sda1 rw\n`;
    await expect(fetchOwnContainer(fakeDocker([id]), mountinfo)).resolves.toMatchObject({ Id: id });
  });

  it('is undefined outside a container of this engine', async () => {
    await expect(fetchOwnContainer(fakeDocker([]), '25 1 8:1 / / rw - ext4 /dev/sda1 rw\n')).resolves.toBeUndefined();
  });
});
