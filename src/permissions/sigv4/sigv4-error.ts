/**
 * Why a request's Signature Version 4 authentication was refused, by the name AWS's JSON and REST-JSON
 * services (Lambda among them) give the exception; the API turns it into each protocol's own code
 * (SQS's in api/routes/sqs/sqs-auth-errors.ts).
 *
 * Sources of the codes, statuses and messages, as AWS answered them (recorded in public issue threads;
 * LocalStack verifies signatures only for S3, so it has no recording of these; its API Gateway names
 * MissingAuthenticationTokenException and InvalidSignatureException with status 403, in
 * services/apigateway/next_gen/execute_api/gateway_response.py, as AWS's front end answers them):
 * - MissingAuthenticationTokenException, 403, "Missing Authentication Token": Lambda's Invoke URL called
 *   unsigned (brefphp/bref#1250), with the `message` member and `x-amzn-ErrorType` (aws/chalice#12).
 * - IncompleteSignatureException, "Authorization header requires 'Credential' parameter. …": the list of
 *   what is missing, then `Authorization=<header>` (aws/aws-sdk-ruby#317, aws/aws-sdk-js#4285,
 *   aws/chalice#828, the last with status 403); "'<part>' not a valid key=value pair (missing equal-sign)
 *   in Authorization header: '<header>'." (iann0036/cloud9-sync#10, awslabs/fhir-works-on-aws-deployment#379).
 * - UnrecognizedClientException, 403, "The security token included in the request is invalid.": Lambda's
 *   DeleteFunction with an unknown key (iann0036/iamlive#58).
 * - InvalidSignatureException, 403: Lambda's CreateFunction with an expired signature
 *   (serverless/serverless#27, statusCode 403); the mismatch message is the one SQS sends with
 *   SignatureDoesNotMatch (albogdano/elasticsearch-river-amazonsqs#7), the same text every service uses.
 */
export const SIGV4_ERROR_CODES = {
  MissingAuthenticationTokenException: { status: 403 },
  IncompleteSignatureException: { status: 403 },
  UnrecognizedClientException: { status: 403 },
  InvalidSignatureException: { status: 403 },
  // Temporary credentials past their expiry (an environment's): "The security token included in the request
  // is expired", 403, as STS credentials are refused (aws/aws-sdk-js#2144, aws/aws-cli#5262).
  ExpiredTokenException: { status: 403 },
} as const;

export type SigV4ErrorCode = keyof typeof SIGV4_ERROR_CODES;

export class SigV4Error extends Error {
  /** AWS's exception name. */
  readonly code: SigV4ErrorCode;

  constructor(code: SigV4ErrorCode, message: string) {
    super(message);
    this.name = code;
    this.code = code;
  }

  get status(): number {
    return SIGV4_ERROR_CODES[this.code].status;
  }
}

export const MISSING_AUTHENTICATION_MESSAGE = 'Missing Authentication Token';
export const INVALID_TOKEN_MESSAGE = 'The security token included in the request is invalid.';
export const EXPIRED_TOKEN_MESSAGE = 'The security token included in the request is expired';
export const SIGNATURE_MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
