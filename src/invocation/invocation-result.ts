import { LambdaError } from '../shared/errors.js';
import type { SandboxOutcome } from '../sandbox/sandbox-state.js';
import { ENVIRONMENT_LIMITS } from './environment-plan.js';

export interface InvokeResponse {
  statusCode: 200 | 202 | 204;
  executedVersion?: string;
  functionError?: 'Unhandled';
  logResult?: string;
  payload: Buffer;
}

const json = (value: object): Buffer => Buffer.from(JSON.stringify(value));

/** `Runtime exited with error: signal: killed`, `… exit status 1`, or `without providing a reason`. */
export function describeExit(exitCode: number, oomKilled: boolean): string {
  if (oomKilled || exitCode === 137) return 'Runtime exited with error: signal: killed';
  if (exitCode === 0) return 'Runtime exited without providing a reason';
  if (exitCode > 128) {
    const names: Record<number, string> = { 1: 'hangup', 2: 'interrupt', 6: 'aborted', 11: 'segmentation fault', 15: 'terminated' };
    return `Runtime exited with error: signal: ${names[exitCode - 128] ?? `signal ${exitCode - 128}`}`;
  }
  return `Runtime exited with error: exit status ${exitCode}`;
}

/** The body and function-error flag AWS answers for a sandbox outcome (function errors are 200s). */
export function renderOutcome(
  requestId: string,
  outcome: SandboxOutcome,
  timeoutSeconds: number,
): { payload: Buffer; functionError?: 'Unhandled' } {
  switch (outcome.kind) {
    case 'response':
      return { payload: outcome.payload };
    case 'function-error':
    case 'init-error':
      return {
        functionError: 'Unhandled',
        payload:
          outcome.payload.length > 0
            ? outcome.payload
            : json({ errorType: outcome.errorType, errorMessage: `RequestId: ${requestId} Error: ${outcome.errorType}` }),
      };
    case 'timeout':
      return {
        functionError: 'Unhandled',
        payload: json({
          errorType: 'Sandbox.Timedout',
          errorMessage: `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`,
        }),
      };
    case 'exit':
      return {
        functionError: 'Unhandled',
        payload: json({
          // AWS's current runtimes report a memory-limit kill as its own error type.
          errorType: outcome.exit.oomKilled ? 'Runtime.OutOfMemory' : 'Runtime.ExitError',
          errorMessage: `RequestId: ${requestId} Error: ${describeExit(outcome.exit.exitCode, outcome.exit.oomKilled)}`,
        }),
      };
    case 'response-too-large':
      return {
        functionError: 'Unhandled',
        payload: json({
          errorMessage: `Response payload size exceeded maximum allowed payload size (${ENVIRONMENT_LIMITS.maxPayloadBytes} bytes).`,
          errorType: 'Function.ResponseSizeTooLarge',
        }),
      };
    case 'platform-error':
      // A typed error (e.g. no /tmp disk to be had) says what went wrong; anything else stays internal.
      if (outcome.cause instanceof LambdaError) throw outcome.cause;
      throw new LambdaError('ServiceException', 'An internal error occurred while running the function.', {
        cause: new Error(outcome.message),
        retryable: true,
      });
  }
}
