import { QueueError, type QueueErrorCode } from '../../../queues/queue-error.js';
import type { SigV4Error, SigV4ErrorCode } from '../../../permissions/sigv4/sigv4-error.js';

/**
 * Signature Version 4 refusals as SQS names them, in its query protocol and in the JSON protocol's
 * `x-amzn-query-error` header (which the SDKs read): InvalidClientTokenId and SignatureDoesNotMatch as
 * SQS answered them, both 403 with `<Type>Sender</Type>` (ex-aws/ex_aws#220; aws/aws-sdk-php#642 and
 * aws/aws-sdk-go#487 for an expired signature, "… - 15 min."). An unsigned request is an anonymous one to
 * SQS (a queue policy may allow `Principal: *`), refused as AccessDenied, 403, "Access to the resource
 * <url> is denied." (aws/aws-sdk-php#188, DanielDaCosta/apiGateway-sqs-lambda#1 with a queue URL's path).
 * IncompleteSignature is the query services' code for a header that cannot be read, 400 Bad Request in
 * SES's answer (brendanhay/amazonka#316).
 */
const QUERY_CODES: Record<SigV4ErrorCode, QueueErrorCode> = {
  MissingAuthenticationTokenException: 'AccessDenied',
  IncompleteSignatureException: 'IncompleteSignature',
  UnrecognizedClientException: 'InvalidClientTokenId',
  InvalidSignatureException: 'SignatureDoesNotMatch',
  ExpiredTokenException: 'ExpiredToken',
};

/** `resource`: the URL the request reached, which SQS names in its access-denied message. */
export function toQueueAuthError(error: SigV4Error, resource: string): QueueError {
  const code = QUERY_CODES[error.code];
  return new QueueError(code, code === 'AccessDenied' ? `Access to the resource ${resource} is denied.` : error.message);
}
