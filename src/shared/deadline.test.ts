import { describe, expect, it } from 'vitest';
import { settlesWithin, withDeadline } from './deadline.js';

describe('withDeadline', () => {
  it('passes on an outcome that comes in time', async () => {
    expect(await withDeadline(Promise.resolve('done'), 1_000, () => new Error('late'))).toBe('done');
    await expect(withDeadline(Promise.reject(new Error('broke')), 1_000, () => new Error('late'))).rejects.toThrow('broke');
  });

  it('fails with the deadline error when the work never settles', async () => {
    await expect(withDeadline(new Promise(() => undefined), 10, () => new Error('late'))).rejects.toThrow('late');
  });
});

describe('settlesWithin', () => {
  it('answers true for work that resolves or rejects in time, false for work still running', async () => {
    expect(await settlesWithin(Promise.resolve(1), 50)).toBe(true);
    expect(await settlesWithin(Promise.reject(new Error('no')), 50)).toBe(true);
    expect(await settlesWithin(new Promise(() => undefined), 20)).toBe(false);
  });
});
