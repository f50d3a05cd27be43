/**
 * The errors of the SQS-compatible queue, by the name of their shape in AWS's model (the JSON protocol's
 * `__type` is `com.amazonaws.sqs#<code>`), with the status and the code the query protocol and the
 * `x-amzn-query-error` header carry (the current SDKs read the code from that header).
 */
export const QUEUE_ERROR_CODES = {
  QueueDoesNotExist: { status: 400, queryCode: 'AWS.SimpleQueueService.NonExistentQueue' },
  QueueNameExists: { status: 400, queryCode: 'QueueAlreadyExists' },
  InvalidParameterValueException: { status: 400, queryCode: 'InvalidParameterValue' },
  MissingRequiredParameterException: { status: 400, queryCode: 'MissingParameter' },
  InvalidAttributeName: { status: 400, queryCode: 'InvalidAttributeName' },
  InvalidAttributeValue: { status: 400, queryCode: 'InvalidAttributeValue' },
  InvalidMessageContents: { status: 400, queryCode: 'InvalidMessageContents' },
  ReceiptHandleIsInvalid: { status: 404, queryCode: 'ReceiptHandleIsInvalid' },
  EmptyBatchRequest: { status: 400, queryCode: 'AWS.SimpleQueueService.EmptyBatchRequest' },
  TooManyEntriesInBatchRequest: { status: 400, queryCode: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest' },
  InvalidBatchEntryId: { status: 400, queryCode: 'AWS.SimpleQueueService.InvalidBatchEntryId' },
  BatchEntryIdsNotDistinct: { status: 400, queryCode: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct' },
  BatchRequestTooLong: { status: 400, queryCode: 'AWS.SimpleQueueService.BatchRequestTooLong' },
  UnsupportedOperation: { status: 400, queryCode: 'AWS.SimpleQueueService.UnsupportedOperation' },
  /** An action SQS does not have (AWS's front end answers it, outside the SQS model). */
  InvalidAction: { status: 400, queryCode: 'InvalidAction' },
  /** A JSON body that does not parse or does not fit the operation's shapes. */
  SerializationException: { status: 400, queryCode: 'SerializationException' },
  InternalFailure: { status: 500, queryCode: 'InternalFailure' },
  // Signature Version 4 refusals (LAMBDOCK_AUTH=sigv4): see api/routes/sqs/sqs-auth-errors.ts.
  AccessDenied: { status: 403, queryCode: 'AccessDenied' },
  IncompleteSignature: { status: 400, queryCode: 'IncompleteSignature' },
  InvalidClientTokenId: { status: 403, queryCode: 'InvalidClientTokenId' },
  SignatureDoesNotMatch: { status: 403, queryCode: 'SignatureDoesNotMatch' },
  ExpiredToken: { status: 403, queryCode: 'ExpiredToken' },
} as const;

export type QueueErrorCode = keyof typeof QUEUE_ERROR_CODES;

export class QueueError extends Error {
  readonly code: QueueErrorCode;
  readonly retryable: boolean;

  constructor(code: QueueErrorCode, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = code;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }

  get status(): number {
    return QUEUE_ERROR_CODES[this.code].status;
  }

  get queryCode(): string {
    return QUEUE_ERROR_CODES[this.code].queryCode;
  }

  /** `Sender` for the caller's mistakes, `Receiver` for the service's. */
  get fault(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}

export const queueDoesNotExist = (): QueueError => new QueueError('QueueDoesNotExist', 'The specified queue does not exist.');

export const invalidParameter = (message: string): QueueError => new QueueError('InvalidParameterValueException', message);

export const missingParameter = (name: string): QueueError =>
  new QueueError('MissingRequiredParameterException', `The request must contain the parameter ${name}.`);

/** AWS's "Value X for parameter P is invalid. Reason: R" */
export const invalidValue = (value: unknown, parameter: string, reason: string): QueueError =>
  invalidParameter(`Value ${String(value)} for parameter ${parameter} is invalid. Reason: ${reason}`);

export const internalFailure = (cause: unknown): QueueError =>
  new QueueError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', { cause, retryable: true });
