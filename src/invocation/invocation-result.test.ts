import { describe, expect, it } from 'vitest';
import { LambdaError } from '../shared/errors.js';
import { describeExit, renderOutcome } from './invocation-result.js';

const RID = '8f5b2c1e-0d4a-4e7b-9c3f-2a1b0c9d8e7f';
const body = (rendered: { payload: Buffer }): unknown => JSON.parse(rendered.payload.toString('utf8'));

describe('renderOutcome', () => {
  it('passes a response through untouched, without a function error', () => {
    const payload = Buffer.from('{"statusCode":200}');
    const rendered = renderOutcome(RID, { kind: 'response', payload }, 3);
    expect(rendered).toStrictEqual({ payload });
    expect(rendered.payload).toBe(payload);
  });

  it('passes the error body of a function error through, flagged Unhandled', () => {
    const payload = Buffer.from('{"errorType":"TypeError","errorMessage":"x is not a function","trace":[]}');
    expect(renderOutcome(RID, { kind: 'function-error', errorType: 'Function.TypeError', payload }, 3)).toStrictEqual({
      functionError: 'Unhandled',
      payload,
    });
  });

  it('passes the error body of an init error through, flagged Unhandled', () => {
    const payload = Buffer.from('{"errorType":"Runtime.ImportModuleError","errorMessage":"Cannot find module"}');
    expect(renderOutcome(RID, { kind: 'init-error', errorType: 'Runtime.ImportModuleError', payload }, 3)).toStrictEqual({
      functionError: 'Unhandled',
      payload,
    });
  });

  it('writes an error body when the runtime reported an error without one', () => {
    const rendered = renderOutcome(RID, { kind: 'function-error', errorType: 'Runtime.Unknown', payload: Buffer.alloc(0) }, 3);
    expect(rendered.functionError).toBe('Unhandled');
    expect(body(rendered)).toStrictEqual({ errorType: 'Runtime.Unknown', errorMessage: `RequestId: ${RID} Error: Runtime.Unknown` });
  });

  it('answers Sandbox.Timedout with the timeout in seconds and two decimals', () => {
    const rendered = renderOutcome(RID, { kind: 'timeout' }, 3);
    expect(rendered.functionError).toBe('Unhandled');
    expect(body(rendered)).toStrictEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${RID} Error: Task timed out after 3.00 seconds`,
    });
    expect(rendered.payload.toString()).toBe(
      `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: ${RID} Error: Task timed out after 3.00 seconds"}`,
    );
  });

  it('uses the function\'s own timeout in the timeout message', () => {
    expect(body(renderOutcome(RID, { kind: 'timeout' }, 900))).toMatchObject({
      errorMessage: `RequestId: ${RID} Error: Task timed out after 900.00 seconds`,
    });
  });

  it('answers Runtime.OutOfMemory "signal: killed" for an OOM kill, as AWS\'s current runtimes do', () => {
    const rendered = renderOutcome(RID, { kind: 'exit', exit: { exitCode: 137, oomKilled: true } }, 3);
    expect(rendered.functionError).toBe('Unhandled');
    expect(body(rendered)).toStrictEqual({
      errorType: 'Runtime.OutOfMemory',
      errorMessage: `RequestId: ${RID} Error: Runtime exited with error: signal: killed`,
    });
  });

  it('answers Runtime.ExitError "exit status 1" for a runtime that exits with 1', () => {
    expect(body(renderOutcome(RID, { kind: 'exit', exit: { exitCode: 1, oomKilled: false } }, 3))).toStrictEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${RID} Error: Runtime exited with error: exit status 1`,
    });
  });

  it('answers Function.ResponseSizeTooLarge with AWS\'s limit of 6291556 bytes', () => {
    const rendered = renderOutcome(RID, { kind: 'response-too-large', size: 7_000_000 }, 3);
    expect(rendered.functionError).toBe('Unhandled');
    expect(body(rendered)).toStrictEqual({
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
      errorType: 'Function.ResponseSizeTooLarge',
    });
  });

  it('throws a retryable ServiceException for a platform error, keeping the message as the cause', () => {
    let thrown: unknown;
    try {
      renderOutcome(RID, { kind: 'platform-error', message: 'docker is down' }, 3);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(LambdaError);
    const error = thrown as LambdaError;
    expect(error.code).toBe('ServiceException');
    expect(error.status).toBe(500);
    expect(error.retryable).toBe(true);
    expect((error.cause as Error).message).toBe('docker is down');
  });

  it('throws the typed error behind a platform error as it is (e.g. no /tmp disk to be had)', () => {
    const cause = new LambdaError('ServiceException', "Lambda could not create the execution environment's /tmp: …", { retryable: true });
    expect(() => renderOutcome(RID, { kind: 'platform-error', message: 'x', cause }, 3)).toThrow(cause);
  });
});

describe('describeExit', () => {
  it.each([
    [137, false, 'Runtime exited with error: signal: killed'],
    [137, true, 'Runtime exited with error: signal: killed'],
    [1, true, 'Runtime exited with error: signal: killed'],
    [1, false, 'Runtime exited with error: exit status 1'],
    [2, false, 'Runtime exited with error: exit status 2'],
    [128, false, 'Runtime exited with error: exit status 128'],
    [0, false, 'Runtime exited without providing a reason'],
    [129, false, 'Runtime exited with error: signal: hangup'],
    [130, false, 'Runtime exited with error: signal: interrupt'],
    [134, false, 'Runtime exited with error: signal: aborted'],
    [139, false, 'Runtime exited with error: signal: segmentation fault'],
    [143, false, 'Runtime exited with error: signal: terminated'],
    [138, false, 'Runtime exited with error: signal: signal 10'],
  ])('describes exit code %i (OOM %s) as %j', (code, oom, text) => {
    expect(describeExit(code, oom)).toBe(text);
  });
});
