/**
 * The errors of lambdock's IAM, by their code in AWS's IAM model (botocore iam/2010-05-08), with its
 * HTTP status. The query protocol carries the code in `<Error><Code>`.
 */
export const IAM_ERROR_CODES = {
  NoSuchEntity: 404,
  EntityAlreadyExists: 409,
  DeleteConflict: 409,
  LimitExceeded: 409,
  MalformedPolicyDocument: 400,
  InvalidInput: 400,
  ValidationError: 400,
  UnmodifiableEntity: 400,
  /** An action IAM does not have (AWS's front end answers it). */
  InvalidAction: 400,
  ServiceFailure: 500,
} as const;

export type IamErrorCode = keyof typeof IAM_ERROR_CODES;

export class IamError extends Error {
  readonly code: IamErrorCode;
  readonly retryable: boolean;

  constructor(code: IamErrorCode, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = code;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }

  get status(): number {
    return IAM_ERROR_CODES[this.code];
  }

  /** `Sender` for the caller's mistakes, `Receiver` for the service's. */
  get fault(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}

// IAM's messages, as AWS answers them (LocalStack's recorded snapshots, tests/aws/services/iam/).
export const roleNotFound = (name: string): IamError => new IamError('NoSuchEntity', `The role with name ${name} cannot be found.`);
export const rolePolicyNotFound = (name: string): IamError => new IamError('NoSuchEntity', `The role policy with name ${name} cannot be found.`);
export const policyNotFound = (arn: string): IamError => new IamError('NoSuchEntity', `Policy ${arn} was not found.`);
export const policyNotAttachable = (arn: string): IamError => new IamError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
export const roleExists = (name: string): IamError => new IamError('EntityAlreadyExists', `Role with name ${name} already exists.`);
export const policyExists = (name: string): IamError =>
  new IamError('EntityAlreadyExists', `A policy called ${name} already exists. Duplicate names are not allowed.`);
export const invalidArn = (): IamError => new IamError('ValidationError', 'Invalid ARN:  Could not be parsed!');

export const serviceFailure = (cause: unknown): IamError =>
  new IamError('ServiceFailure', 'The request processing has failed because of an unknown error, exception or failure.', { cause, retryable: true });

/** AWS's "1 validation error detected: Value 'v' at 'member' failed to satisfy constraint: …". */
export function validationError(value: string | undefined, member: string, constraint: string): IamError {
  const text =
    value === undefined
      ? `Value null at '${member}' failed to satisfy constraint: Member must not be null`
      : `Value '${value}' at '${member}' failed to satisfy constraint: ${constraint}`;
  return new IamError('ValidationError', `1 validation error detected: ${text}`);
}
