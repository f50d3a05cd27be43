import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport } from '../fuzz/fuzz-tally.js';
import { runFuzz } from '../fuzz/run-fuzz.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

let t: TestLambdock;

beforeAll(async () => {
  t = await startTestLambdock();
});
afterAll(async () => {
  await t?.close();
});

describe('a short fuzz run (the code of `npm run fuzz`, 300 requests)', () => {
  it('answers malformed Lambda API and Runtime API requests with no 5xx and no hang, and keeps serving', async () => {
    const report = await runFuzz(t, { seed: 1, count: 300 });
    const summary = formatReport(report);
    expect(report.requests.lambda + report.requests.runtime, summary).toBe(300);
    expect(report.findings, summary).toEqual([]);
    expect(report.serverErrors, summary).toBe(0);
    expect(report.hangs, summary).toBe(0);
    expect(report.livenessFailures, summary).toEqual([]);
  }, 180_000);
});
