import { describe, expect, it } from 'vitest';
import { lambdaErrorOf } from '../../test/helpers/lambda-error-of.js';
import { checkRunnable, getRunnableArchitectures } from './architecture-support.js';

const none = { arm64: false, x86_64: false };

describe('getRunnableArchitectures', () => {
  it('runs only the engine architecture without emulation', () => {
    expect(getRunnableArchitectures({ engineArchitecture: 'x86_64', emulators: none })).toEqual(['x86_64']);
    expect(getRunnableArchitectures({ engineArchitecture: 'amd64', emulators: none })).toEqual(['x86_64']);
    expect(getRunnableArchitectures({ engineArchitecture: 'aarch64', emulators: none })).toEqual(['arm64']);
  });

  it('adds an architecture the kernel emulates for containers', () => {
    expect(getRunnableArchitectures({ engineArchitecture: 'x86_64', emulators: { arm64: true, x86_64: false } })).toEqual(['x86_64', 'arm64']);
    expect(getRunnableArchitectures({ engineArchitecture: 'arm64', emulators: { arm64: false, x86_64: true } })).toEqual(['x86_64', 'arm64']);
  });
});

describe('checkRunnable', () => {
  it('refuses arm64 on an x86_64-only host with a message saying so', () => {
    const error = lambdaErrorOf(() => checkRunnable(['arm64'], ['x86_64']));
    expect(error.code).toBe('InvalidParameterValueException');
    expect(error.message).toMatch(/^lambdock on this host runs x86_64 only: .*Use Architectures \[x86_64\]\.$/);
    expect(() => checkRunnable(['x86_64'], ['x86_64'])).not.toThrow();
    expect(() => checkRunnable(['arm64'], ['x86_64', 'arm64'])).not.toThrow();
  });
});
