/**
 * The one error type of lambdock. `code` is the AWS exception name; the API error plugin turns it into
 * AWS's wire format (status, `X-Amzn-ErrorType`, JSON body with the message field in AWS's case).
 */
export const ERROR_CODES = {
  InvalidParameterValueException: { status: 400, messageField: 'message' },
  InvalidRequestContentException: { status: 400, messageField: 'message' },
  ValidationException: { status: 400, messageField: 'message' },
  ResourceInUseException: { status: 400, messageField: 'Message' },
  RecursiveInvocationException: { status: 400, messageField: 'Message' },
  AccessDeniedException: { status: 403, messageField: 'Message' },
  ResourceNotFoundException: { status: 404, messageField: 'Message' },
  ProvisionedConcurrencyConfigNotFoundException: { status: 404, messageField: 'message' },
  ResourceConflictException: { status: 409, messageField: 'message' },
  PreconditionFailedException: { status: 412, messageField: 'message' },
  RequestEntityTooLargeException: { status: 413, messageField: 'message' },
  UnsupportedMediaTypeException: { status: 415, messageField: 'message' },
  TooManyRequestsException: { status: 429, messageField: 'message' },
  ServiceException: { status: 500, messageField: 'Message' },
  ResourceNotReadyException: { status: 502, messageField: 'message' },
  InvalidZipFileException: { status: 502, messageField: 'Message' },
  // Errors at the edge of HTTP (no route, a URL or headers the server cannot take): AWS's front end
  // answers these before Lambda sees the request; lambdock gives them AWS's shape.
  UnknownOperationException: { status: 404, messageField: 'message' },
  RequestTimeoutException: { status: 408, messageField: 'message' },
  RequestURITooLongException: { status: 414, messageField: 'message' },
  RequestHeaderFieldsTooLargeException: { status: 431, messageField: 'message' },
  // Signature Version 4 refusals (LAMBDOCK_AUTH=sigv4), answered by AWS's front end with a lower-case
  // `message` ({"message":"Missing Authentication Token"}, aws/chalice#12); sources in permissions/sigv4/sigv4-error.ts.
  MissingAuthenticationTokenException: { status: 403, messageField: 'message' },
  IncompleteSignatureException: { status: 403, messageField: 'message' },
  UnrecognizedClientException: { status: 403, messageField: 'message' },
  ExpiredTokenException: { status: 403, messageField: 'message' },
  InvalidSignatureException: { status: 403, messageField: 'message' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface LambdaErrorOptions {
  cause?: unknown;
  retryable?: boolean;
  /** Extra top-level fields of the AWS body, e.g. TooManyRequestsException's `Reason`. */
  extra?: Record<string, unknown>;
}

export class LambdaError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: LambdaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = code;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.extra = options.extra ?? {};
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  /** `Type` in AWS bodies: "Service" for 5xx, "User" otherwise. */
  get type(): 'User' | 'Service' {
    return this.status >= 500 ? 'Service' : 'User';
  }
}

export const invalidParameter = (message: string): LambdaError =>
  new LambdaError('InvalidParameterValueException', message);

export const validationError = (message: string): LambdaError =>
  new LambdaError('ValidationException', message);

export const functionNotFound = (arn: string): LambdaError =>
  new LambdaError('ResourceNotFoundException', `Function not found: ${arn}`);

export const conflict = (message: string): LambdaError => new LambdaError('ResourceConflictException', message);

export const tooLarge = (message: string): LambdaError => new LambdaError('RequestEntityTooLargeException', message);

/** AWS's description of ServiceException (a backend that failed or did not answer in time). */
export const SERVICE_ERROR_MESSAGE = 'The Lambda service encountered an internal error.';

export const serviceError = (cause?: unknown): LambdaError =>
  new LambdaError('ServiceException', SERVICE_ERROR_MESSAGE, { cause, retryable: true });
