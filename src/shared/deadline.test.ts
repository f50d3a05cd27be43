import { describe, expect, it } from 'vitest';
import { withDeadline } from './deadline.js';

describe('withDeadline', () => {
  it('passes on an outcome that comes in time', async () => {
    expect(await withDeadline(Promise.resolve('done'), 1_000, () => new Error('late'))).toBe('done');
    await expect(withDeadline(Promise.reject(new Error('broke')), 1_000, () => new Error('late'))).rejects.toThrow('broke');
  });

  it('fails with the deadline error when the work never settles', async () => {
    await expect(withDeadline(new Promise(() => undefined), 10, () => new Error('late'))).rejects.toThrow('late');
  });
});
