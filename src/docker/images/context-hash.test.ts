import { describe, expect, it } from 'vitest';
import { getContextHash, isIgnoredContextPath, type ContextEntry } from './context-hash.js';

const entries: ContextEntry[] = [
  { path: 'Dockerfile', kind: 'file', mode: 0o644, content: 'FROM x\n' },
  { path: 'runtime', kind: 'directory', mode: 0o755, content: '' },
  { path: 'runtime/bootstrap', kind: 'file', mode: 0o755, content: '#!/bin/sh\n' },
];

describe('getContextHash', () => {
  const hash = getContextHash(entries, ['sha256:base']);

  it('is stable and independent of entry order', () => {
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(getContextHash([...entries].reverse(), ['sha256:base'])).toBe(hash);
  });

  it('changes with content, mode, path, kind and base image id', () => {
    const variants: ContextEntry[][] = [
      entries.map((entry) => (entry.path === 'Dockerfile' ? { ...entry, content: 'FROM y\n' } : entry)),
      entries.map((entry) => (entry.path === 'runtime/bootstrap' ? { ...entry, mode: 0o644 } : entry)),
      entries.map((entry) => (entry.path === 'runtime/bootstrap' ? { ...entry, path: 'runtime/bootstrap2' } : entry)),
      entries.map((entry) => (entry.path === 'runtime/bootstrap' ? { ...entry, kind: 'symlink' as const } : entry)),
      entries.slice(0, 2),
    ];
    for (const variant of variants) expect(getContextHash(variant, ['sha256:base'])).not.toBe(hash);
    expect(getContextHash(entries, ['sha256:other'])).not.toBe(hash);
  });

  it('hashes bytes and strings of the same text alike', () => {
    const asBytes = entries.map((entry) => ({ ...entry, content: Buffer.from(entry.content) }));
    expect(getContextHash(asBytes, ['sha256:base'])).toBe(hash);
  });
});

describe('isIgnoredContextPath', () => {
  it('leaves tests, dependencies and VCS folders out of the context', () => {
    expect(isIgnoredContextPath('runtime/index.test.mjs')).toBe(true);
    expect(isIgnoredContextPath('runtime/runtime.spec.ts')).toBe(true);
    expect(isIgnoredContextPath('runtime/node_modules/x/index.js')).toBe(true);
    expect(isIgnoredContextPath('runtime/lambdock_runtime/__pycache__/errors.cpython-311.pyc')).toBe(true);
    expect(isIgnoredContextPath('.git')).toBe(true);
  });

  it('keeps everything the runtime needs', () => {
    for (const path of ['Dockerfile', 'bootstrap', 'runtime/index.mjs', 'runtime/test-utils.mjs', 'runtime']) {
      expect(isIgnoredContextPath(path)).toBe(false);
    }
  });
});
