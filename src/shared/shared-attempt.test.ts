import { describe, expect, it } from 'vitest';
import { SharedAttempt } from './shared-attempt.js';

describe('SharedAttempt', () => {
  it('runs the task once for callers that come while it runs, and keeps a success', async () => {
    let runs = 0;
    const attempt = new SharedAttempt(async () => {
      runs += 1;
      return 'built';
    });
    expect(await Promise.all([attempt.get(), attempt.get()])).toStrictEqual(['built', 'built']);
    expect(await attempt.get()).toBe('built');
    expect(runs).toBe(1);
  });

  it('forgets a failure: the next caller tries again', async () => {
    let runs = 0;
    const attempt = new SharedAttempt(async () => {
      runs += 1;
      if (runs === 1) throw new Error('build failed');
      return 'built';
    });
    const [a, b] = await Promise.allSettled([attempt.get(), attempt.get()]);
    expect(a).toMatchObject({ status: 'rejected', reason: new Error('build failed') });
    expect(b).toMatchObject({ status: 'rejected' });
    expect(await attempt.get()).toBe('built');
    expect(runs).toBe(2);
  });
});
