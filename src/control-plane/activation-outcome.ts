import { withoutReasons, type FunctionRecord } from './function-model.js';

/** AWS's StateReasonCode / LastUpdateStatusReasonCode for a failure of the service itself. */
export const INTERNAL_ERROR = 'InternalError';

/** A preparation that fails for a reason of the user's (not lambdock's): the function fails with AWS's `reasonCode`. */
export class ActivationRefusal extends Error {
  constructor(
    message: string,
    readonly reasonCode: string,
  ) {
    super(message);
    this.name = 'ActivationRefusal';
  }
}

/** What an activation whose outcome could not be stored leaves behind, once the store answers again. */
export const UNRECORDED_REASON =
  'lambdock could not record the result of this change: its metadata store (Redis) did not answer. Update the function to try again.';

/** A record whose activation succeeded: Pending or Failed → Active, InProgress → Successful, reasons cleared. */
export function getActivatedRecord(record: FunctionRecord, revisionId: string): FunctionRecord {
  return { ...withoutReasons(record), state: 'Active', lastUpdateStatus: 'Successful', revisionId };
}

/**
 * A record whose activation failed. A create (Pending) turns Failed; a failed update keeps the function's
 * state and says why in LastUpdateStatusReason. `reasonCode` is AWS's (InternalError, InvalidZipFileException…).
 */
export function getFailedRecord(record: FunctionRecord, reason: string, revisionId: string, reasonCode = INTERNAL_ERROR): FunctionRecord {
  const update = { lastUpdateStatus: 'Failed', lastUpdateStatusReason: reason, lastUpdateStatusReasonCode: reasonCode } as const;
  if (record.state === 'Pending') {
    return { ...record, state: 'Failed', stateReason: reason, stateReasonCode: reasonCode, ...update, revisionId };
  }
  return { ...record, ...update, revisionId };
}
