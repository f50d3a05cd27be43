import { describe, expect, it } from 'vitest';
import { COMPOSE_BASE_IMAGES, getStandinSpec, STANDINS } from './standin-catalog.js';

describe('stand-in catalog', () => {
  it('has an offline stand-in for every base image compose needs', () => {
    for (const tag of COMPOSE_BASE_IMAGES) expect(getStandinSpec(tag)?.tag).toBe(tag);
  });

  it('covers the bases of both runtime images', () => {
    expect(getStandinSpec('node:20-bookworm-slim')).toBeDefined();
    expect(getStandinSpec('debian:bookworm-slim')).toBeDefined();
  });

  it('gives the lambdock service base the loop-device tools it needs', () => {
    const names = getStandinSpec('node:20-bookworm-slim')?.binaries.map((binary) => binary.name);
    expect(names).toEqual(expect.arrayContaining(['node', 'losetup', 'mkfs.ext4']));
  });

  it('knows no stand-in for other images', () => {
    expect(getStandinSpec('node:22-bookworm-slim')).toBeUndefined();
    expect(new Set(STANDINS.map((spec) => spec.dir)).size).toBe(STANDINS.length);
  });
});
