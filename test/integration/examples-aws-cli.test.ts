import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

// examples/aws-cli/run.sh as its reader runs it, against a lambdock (here one started for the test):
// every step's answer is checked by the script itself, which exits non-zero on the first wrong one.
const script = path.resolve(import.meta.dirname, '..', '..', 'examples', 'aws-cli', 'run.sh');
const run = promisify(execFile);
let t: TestLambdock;

/** Runs the script with the AWS CLI's own settings left out of it (a profile on this machine would change its answers). */
async function runScript(endpoint: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
  try {
    const { stdout, stderr } = await run('bash', [script], { env: { ...env, LAMBDOCK_ENDPOINT: endpoint, AWS_MAX_ATTEMPTS: '1' }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

beforeAll(async () => {
  t = await startTestLambdock();
});
afterAll(async () => {
  await t?.close();
});

describe('examples/aws-cli/run.sh', () => {
  it('deploys, invokes (payload, Tail log), publishes a version, invokes its alias, invokes async and deletes, with the AWS CLI', async () => {
    const out = await runScript(t.url);
    expect(out.code, `${out.stdout}\n${out.stderr}`).toBe(0);
    expect(out.stdout).toContain('ok state: Active');
    expect(out.stdout).toContain('ok payload: {"greeting":"hello world","version":"$LATEST"}');
    expect(out.stdout).toMatch(/^\d{4}-\d\d-\d\dT[^\t]+\t[0-9a-f-]{36}\tINFO\tgreeting logs$/m);
    expect(out.stdout).toContain('ok version: 1');
    expect(out.stdout).toContain('ok alias payload: {"greeting":"hello alias","version":"1"}');
    expect(out.stdout).toContain('ok async status: 202');
    expect(out.stdout).toContain('all steps passed');
    expect((await t.client.send(new ListFunctionsCommand({}))).Functions).toEqual([]);
  });

  it('exits non-zero when lambdock does not answer', async () => {
    const out = await runScript('http://127.0.0.1:9');
    expect(out.code).not.toBe(0);
    expect(out.stdout).not.toContain('all steps passed');
  });
});
