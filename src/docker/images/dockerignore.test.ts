import { describe, expect, it } from 'vitest';
import { parseDockerignore } from './dockerignore.js';

describe('parseDockerignore', () => {
  const ignored = parseDockerignore('# comment\n.git\ntest\n**/*.test.ts\n*.log\ndocker/base/*/rootfs\n/dist/\n!test/keep.md\n');

  it('leaves out named folders with everything in them, and files by pattern at any depth', () => {
    expect(ignored('.git')).toBe(true);
    expect(ignored('.git/HEAD')).toBe(true);
    expect(ignored('test/integration/x.test.ts')).toBe(true);
    expect(ignored('src/config/config.test.ts')).toBe(true);
    expect(ignored('config.test.ts')).toBe(true);
    expect(ignored('npm-debug.log')).toBe(true);
    expect(ignored('docker/base/redis-7-bookworm/rootfs/usr/bin/redis-server')).toBe(true);
    expect(ignored('dist/index.js')).toBe(true);
  });

  it('keeps everything else, and what a later ! takes back', () => {
    expect(ignored('src/config/config.ts')).toBe(false);
    expect(ignored('src/logs/a.log')).toBe(false);
    expect(ignored('docker/base/redis-7-bookworm/Dockerfile')).toBe(false);
    expect(ignored('testing/x')).toBe(false);
    expect(ignored('test/keep.md')).toBe(false);
  });
});
