import { isUtf8 } from 'node:buffer';
import type { FunctionVersionRecord } from '../control-plane/function-model.js';
import { LambdaError, conflict } from '../shared/errors.js';

const EMPTY_EVENT = Buffer.from('{}');
/** The payload as the function gets it: `{}` for none; anything else must be UTF-8 JSON. */
export function checkPayload(payload: Buffer): Buffer {
  if (payload.length === 0) return EMPTY_EVENT;
  if (!isUtf8(payload)) {
    throw new LambdaError(
      'InvalidRequestContentException',
      'Could not parse request body into json: Could not parse payload into json: Invalid UTF-8 start byte',
    );
  }
  try {
    JSON.parse(payload.toString('utf8'));
  } catch (error) {
    throw new LambdaError(
      'InvalidRequestContentException',
      `Could not parse request body into json: Could not parse payload into json: ${(error as Error).message}`,
    );
  }
  return payload;
}

/** Only an Active function runs: a Pending one is 409 (try again), a Failed or Inactive one says why. */
export function checkInvocable(record: FunctionVersionRecord): void {
  if (record.state === 'Active') return;
  if (record.state === 'Pending') {
    throw conflict(
      'The operation cannot be performed at this time. The function is currently in the following state: Pending',
    );
  }
  throw new LambdaError(
    'ResourceConflictException',
    `The function could not be invoked because it is in state ${record.state}: ${record.stateReason ?? ''}`.trim(),
  );
}
