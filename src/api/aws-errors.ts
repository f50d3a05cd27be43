import type { FastifyError } from 'fastify';
import { ERROR_CODES, LambdaError, serviceError } from '../shared/errors.js';
import { formatViolations } from '../shared/violations.js';
import { SigV4Error } from '../permissions/sigv4/sigv4-error.js';

/** The body limit and its AWS message for one operation, set in the route's `config`. */
export interface OperationConfig {
  operation: string;
  requestLimit?: number;
}

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  data?: unknown;
  message?: string;
}

/** `/Environment/Variables` → `environment.variables`, AWS's way of naming a member. */
function memberPath(instancePath: string, missing?: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (missing !== undefined) parts.push(missing);
  return parts.map((p) => p.charAt(0).toLowerCase() + p.slice(1)).join('.');
}

function describe(error: AjvError): string {
  const p = error.params;
  switch (error.keyword) {
    case 'required':
      return `Value null at '${memberPath(error.instancePath, String(p.missingProperty))}' failed to satisfy constraint: Member must not be null`;
    case 'maximum':
      return `Member must have value less than or equal to ${String(p.limit)}`;
    case 'minimum':
      return `Member must have value greater than or equal to ${String(p.limit)}`;
    case 'maxLength':
    case 'maxItems':
      return `Member must have length less than or equal to ${String(p.limit)}`;
    case 'minLength':
    case 'minItems':
      return `Member must have length greater than or equal to ${String(p.limit)}`;
    case 'pattern':
      return `Member must satisfy regular expression pattern: ${String(p.pattern)}`;
    case 'enum':
      return `Member must satisfy enum value set: [${(p.allowedValues as unknown[]).join(', ')}]`;
    case 'type':
      return `Member must be of type ${String(p.type)}`;
    default:
      return `Member ${error.message ?? 'is not valid'}`;
  }
}

/** A member's value as quoted in a validation message; one nested too deeply to print (a stack overflow) is elided. */
function quoteValue(data: unknown): string {
  if (typeof data !== 'object') return String(data);
  try {
    return JSON.stringify(data);
  } catch {
    return Array.isArray(data) ? '[…]' : '{…}';
  }
}

/** AWS's "N validation error(s) detected: …" text for schema failures. */
export function formatValidationErrors(errors: AjvError[]): string {
  const parts = errors.map((e) => {
    const text = describe(e);
    if (e.keyword === 'required') return text;
    return `Value '${quoteValue(e.data)}' at '${memberPath(e.instancePath) || 'body'}' failed to satisfy constraint: ${text}`;
  });
  return formatViolations(parts);
}

/** Turns anything thrown while serving a request into the LambdaError AWS would have sent. */
export function toLambdaError(error: unknown, operation: OperationConfig | undefined): LambdaError {
  if (error instanceof LambdaError) return error;
  if (error instanceof SigV4Error) return new LambdaError(error.code, error.message);
  const fastifyError = (typeof error === 'object' && error !== null ? error : {}) as Partial<FastifyError> & {
    validation?: AjvError[];
  };
  if (Array.isArray(fastifyError.validation)) {
    return new LambdaError('ValidationException', formatValidationErrors(fastifyError.validation));
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new LambdaError(
        'RequestEntityTooLargeException',
        operation?.requestLimit === undefined
          ? 'Request entity too large'
          : `Request must be smaller than ${operation.requestLimit} bytes for the ${operation.operation} operation`,
      );
    case 'FST_ERR_HANDLER_TIMEOUT':
      // The route's deadline passed (e.g. a backend stopped answering): a 500, as AWS answers a failed backend.
      return serviceError(error);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new LambdaError('UnsupportedMediaTypeException', 'The content type of the request is not supported.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new LambdaError(
        'InvalidRequestContentException',
        `Could not parse request body into json: ${fastifyError.message ?? 'malformed JSON'}`,
      );
    default:
      break;
  }
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) {
    return new LambdaError(
      'InvalidRequestContentException',
      `Could not parse request body into json: ${fastifyError.message ?? 'malformed request'}`,
    );
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode === 413) {
    return new LambdaError('RequestEntityTooLargeException', 'Request entity too large');
  }
  return serviceError(error);
}

const UNTYPED_CODES: ReadonlySet<string> = new Set([
  'ValidationException',
  'RequestEntityTooLargeException',
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
]);

/** Status, headers and body of an AWS error response. */
export function renderLambdaError(error: LambdaError): {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
} {
  const field = ERROR_CODES[error.code].messageField;
  // AWS's recorded bodies of the unmodelled exceptions (and its front end's authentication refusals) carry no `Type`.
  const untyped = UNTYPED_CODES.has(error.code);
  // An empty message is AWS's null (AccessDeniedException carries none).
  const message = error.message === '' ? null : error.message;
  const body: Record<string, unknown> = { ...(untyped ? {} : { Type: error.type }), [field]: message, ...error.extra };
  return { status: error.status, headers: { 'x-amzn-errortype': error.code }, body };
}
