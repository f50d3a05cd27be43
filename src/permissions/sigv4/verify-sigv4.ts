import { createHmac, timingSafeEqual } from 'node:crypto';
import { getCanonicalRequest, parseQuery, sha256Hex } from './canonical-request.js';
import { INVALID_TOKEN_MESSAGE, MISSING_AUTHENTICATION_MESSAGE, SIGNATURE_MISMATCH_MESSAGE, SigV4Error } from './sigv4-error.js';

export interface SignedRequest {
  method: string;
  /** The path as sent on the wire (percent-encoding as the client sent it), without the query. */
  path: string;
  /** The raw query string without '?', '' when none. */
  query: string;
  /** Lower-case names, as Node gives them; a header sent more than once may be a list of its values. */
  headers: Record<string, string | string[] | undefined>;
  /** The raw body bytes (empty buffer when none). */
  body: Buffer;
}

/** Finds the secret of an access key; `sessionToken` is the X-Amz-Security-Token sent (temporary credentials). */
export type SecretLookup = (accessKeyId: string, sessionToken: string | undefined) => Promise<{ secretAccessKey: string } | undefined>;

export interface VerifiedCaller {
  accessKeyId: string;
  sessionToken?: string;
  region: string;
  service: string;
  signedAt: Date;
}

export interface VerifyOptions {
  /** The region the credential scope must name (unset: any). */
  region?: string;
  /** The service the credential scope must name (unset: any). */
  service?: string;
  /** How far the signing time may be from the clock (default: the service's, see getSignatureWindowMinutes). */
  windowMinutes?: number;
}

/*
 * The refusals' codes and the messages with a source are cited in sigv4-error.ts and below. These are AWS's
 * wording as its services are known to answer, but no recorded response confirmed them: the scope's day
 * ("Date in Credential scope does not match YYYYMMDD …"), region and service ("Credential should be scoped
 * …"), terminator, a malformed X-Amz-Date ("Date must be in ISO-8601 'basic format' …"), and a presigned
 * URL's missing parameters and expiry.
 */
const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** A presigned URL lives at most 7 days (the SDKs' MAX_PRESIGNED_TTL, AWS's limit). */
const MAX_PRESIGNED_SECONDS = 604_800;

/**
 * How far from its clock a service takes a signing time. AWS's SigV4 documentation says 15 minutes, and
 * SQS answers so ("… (20160106T212834Z - 15 min.)", aws/aws-sdk-go#487); Lambda's own answers say 5
 * ("… (20171026T170054Z - 5 min.)", pulumi/pulumi-aws#55, aws/aws-cli#4600 on UpdateFunctionCode).
 */
const SERVICE_WINDOW_MINUTES: Record<string, number> = { lambda: 5 };
const DEFAULT_WINDOW_MINUTES = 15;

export function getSignatureWindowMinutes(service: string): number {
  return SERVICE_WINDOW_MINUTES[service] ?? DEFAULT_WINDOW_MINUTES;
}

const header = (request: SignedRequestHead, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

/** `20150830T123600Z`, the form of X-Amz-Date and of AWS's messages. */
const toBasicIso = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');

function parseBasicIso(text: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) || toBasicIso(date) !== text ? undefined : date;
}

interface Authorization {
  accessKeyId: string;
  scope: { date: string; region: string; service: string; terminator: string };
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  signedAt: Date;
  sessionToken: string | undefined;
  /** Presigned URLs: how long the signature holds, in seconds. */
  expiresSeconds?: number;
}

function parseCredential(credential: string): Pick<Authorization, 'accessKeyId' | 'scope'> {
  // The access key is everything before the scope's four parts (an access key has no slash).
  const parts = credential.split('/');
  if (parts.length < 5) {
    throw new SigV4Error('IncompleteSignatureException', `Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${parts.at(-1) ?? ''}'.`);
  }
  const [date, region, service, terminator] = parts.slice(-4) as [string, string, string, string];
  return { accessKeyId: parts.slice(0, -4).join('/'), scope: { date, region, service, terminator } };
}

/** The signing time: X-Amz-Date, or an HTTP Date header when there is none (AWS takes either). */
function getRequestDate(request: SignedRequestHead, amzDate: string | undefined): { text: string; date: Date } | undefined {
  if (amzDate !== undefined) {
    const date = parseBasicIso(amzDate);
    if (date === undefined) {
      // AWS's wording for a malformed X-Amz-Date, as its JSON services answer it.
      throw new SigV4Error('IncompleteSignatureException', `Date must be in ISO-8601 'basic format'. Got '${amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`);
    }
    return { text: amzDate, date };
  }
  const httpDate = header(request, 'date');
  if (httpDate === undefined) return undefined;
  const date = new Date(httpDate);
  return Number.isNaN(date.getTime()) ? undefined : { text: toBasicIso(date), date };
}

/**
 * The `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header. What AWS
 * answers for a header it cannot read names every missing part (see sigv4-error.ts for the sources).
 */
function parseAuthorizationHeader(request: SignedRequestHead, authorization: string): Authorization {
  const space = authorization.indexOf(' ');
  const algorithm = space === -1 ? authorization : authorization.slice(0, space);
  const fields = new Map<string, string>();
  if (algorithm === ALGORITHM) {
    // AWS splits at commas and white space alike: "Credential= AKID/…" is two parts, the second without '='.
    for (const part of authorization.slice(space + 1).split(/[\s,]+/).filter((p) => p !== '')) {
      const equals = part.indexOf('=');
      if (equals === -1) {
        throw new SigV4Error('IncompleteSignatureException', `'${part}' not a valid key=value pair (missing equal-sign) in Authorization header: '${authorization}'.`);
      }
      fields.set(part.slice(0, equals), part.slice(equals + 1));
    }
  }
  const amzDate = header(request, 'x-amz-date');
  const date = getRequestDate(request, amzDate);
  const missing = [
    ...(fields.get('Credential') ? [] : ["Authorization header requires 'Credential' parameter."]),
    ...(fields.get('Signature') ? [] : ["Authorization header requires 'Signature' parameter."]),
    ...(fields.get('SignedHeaders') ? [] : ["Authorization header requires 'SignedHeaders' parameter."]),
    ...(date ? [] : ["Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."]),
  ];
  if (missing.length > 0) throw new SigV4Error('IncompleteSignatureException', `${missing.join(' ')} Authorization=${authorization}`);
  return {
    ...parseCredential(fields.get('Credential') as string),
    signedHeaders: (fields.get('SignedHeaders') as string).split(';'),
    signature: fields.get('Signature') as string,
    amzDate: (date as { text: string }).text,
    signedAt: (date as { date: Date }).date,
    sessionToken: header(request, 'x-amz-security-token'),
  };
}

/** A presigned URL: the same parts as query parameters (`X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=…`). */
function parseQueryAuthorization(params: Map<string, string>): Authorization {
  const required = ['X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'];
  const missing = required.filter((name) => !params.get(name));
  if (params.get('X-Amz-Algorithm') !== ALGORITHM || missing.length > 0) {
    // The query form of AWS's "requires … parameter" answer.
    const names = params.get('X-Amz-Algorithm') === ALGORITHM ? missing : ['X-Amz-Algorithm', ...missing];
    throw new SigV4Error('IncompleteSignatureException', names.map((name) => `AWS query-string parameters must include '${name}'.`).join(' ') + ' Re-examine the query-string parameters.');
  }
  const amzDate = params.get('X-Amz-Date') as string;
  const signedAt = parseBasicIso(amzDate);
  if (signedAt === undefined) {
    throw new SigV4Error('IncompleteSignatureException', `Date must be in ISO-8601 'basic format'. Got '${amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`);
  }
  const expires = params.get('X-Amz-Expires');
  const expiresSeconds = expires === undefined ? undefined : Number(expires);
  if (expiresSeconds !== undefined && (!Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > MAX_PRESIGNED_SECONDS)) {
    throw new SigV4Error('IncompleteSignatureException', `X-Amz-Expires must be between 1 and ${MAX_PRESIGNED_SECONDS} seconds, got '${expires}'.`);
  }
  return {
    ...parseCredential(params.get('X-Amz-Credential') as string),
    signedHeaders: (params.get('X-Amz-SignedHeaders') as string).split(';'),
    signature: params.get('X-Amz-Signature') as string,
    amzDate,
    signedAt,
    sessionToken: params.get('X-Amz-Security-Token'),
    ...(expiresSeconds === undefined ? {} : { expiresSeconds }),
  };
}

function checkScope(auth: Authorization, options: VerifyOptions): void {
  const { scope } = auth;
  if (scope.terminator !== TERMINATOR) {
    throw new SigV4Error('IncompleteSignatureException', `Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${scope.terminator}'.`);
  }
  // AWS's answer when the scope's day is not the signing time's (InvalidSignatureException).
  if (scope.date !== auth.amzDate.slice(0, 8)) {
    throw new SigV4Error(
      'InvalidSignatureException',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scope.date}' != '${auth.amzDate.slice(0, 8)}', from '${auth.amzDate}'.`,
    );
  }
  if (options.region !== undefined && scope.region !== options.region) {
    throw new SigV4Error('InvalidSignatureException', `Credential should be scoped to a valid region, not '${scope.region}'. `);
  }
  if (options.service !== undefined && scope.service !== options.service) {
    throw new SigV4Error('InvalidSignatureException', `Credential should be scoped to correct service: '${options.service}'. `);
  }
  if (!auth.signedHeaders.includes('host')) {
    // "'Host' must be a 'SignedHeader' in the AWS Authorization." (NetSPI/AWSSigner#3, babbel/okhttp-aws-signer#10).
    throw new SigV4Error('IncompleteSignatureException', "'Host' must be a 'SignedHeader' in the AWS Authorization.");
  }
}

/**
 * A signature is good for the service's window either side of the clock: "Signature expired: <signed> is
 * now earlier than <now − window> (<now> - 5 min.)" past it (the issues cited above), "Signature not yet
 * current: <signed> is still later than <now + window> (<now> + 5 min.)" before it (serverless/enterprise#11).
 * A presigned URL is good from its signing time (within the window) until X-Amz-Expires seconds after it.
 */
function checkTime(auth: Authorization, now: Date, windowMinutes: number): void {
  const windowMs = windowMinutes * 60_000;
  const signed = auth.signedAt.getTime();
  const nowText = toBasicIso(now);
  if (signed > now.getTime() + windowMs) {
    throw new SigV4Error(
      'InvalidSignatureException',
      `Signature not yet current: ${auth.amzDate} is still later than ${toBasicIso(new Date(now.getTime() + windowMs))} (${nowText} + ${windowMinutes} min.)`,
    );
  }
  if (auth.expiresSeconds !== undefined) {
    const expiresAt = new Date(signed + auth.expiresSeconds * 1000);
    if (expiresAt.getTime() < now.getTime()) {
      throw new SigV4Error('InvalidSignatureException', `Signature expired: ${toBasicIso(expiresAt)} is now earlier than ${nowText}.`);
    }
    return;
  }
  if (signed < now.getTime() - windowMs) {
    throw new SigV4Error(
      'InvalidSignatureException',
      `Signature expired: ${auth.amzDate} is now earlier than ${toBasicIso(new Date(now.getTime() - windowMs))} (${nowText} - ${windowMinutes} min.)`,
    );
  }
}

/** The SHA-256 of a body, as the payload hash is written. */
export const getBodyHash = (body: Buffer): string => (body.length === 0 ? EMPTY_SHA256 : sha256Hex(body));

const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

export function getSigningKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), TERMINATOR);
}

function signaturesEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A request's signature once everything but its body checked out: `finish` it with the body's SHA-256. */
export interface PendingSignature {
  /** The caller the signature names (not verified until `finish` returns). */
  readonly claimed: VerifiedCaller;
  /** Checks the signature over the body whose SHA-256 (hex) is `bodyHash`; throws a SigV4Error when it does not hold. */
  finish(bodyHash: string): VerifiedCaller;
}

/** A request without its body: what can be checked before the body is read. */
export type SignedRequestHead = Omit<SignedRequest, 'body'>;

/**
 * The checks that need no body: the signature's parts, its scope, its time and its access key. Servers run
 * them before reading a body (an unsigned upload is refused before it is read), then `finish` with the
 * body's hash, taken as it streamed by.
 */
export async function startSigV4(request: SignedRequestHead, lookup: SecretLookup, now: Date = new Date(), options: VerifyOptions = {}): Promise<PendingSignature> {
  const authorization = header(request, 'authorization');
  const params = new Map(parseQuery(request.query));
  let auth: Authorization;
  if (authorization !== undefined && authorization !== '') auth = parseAuthorizationHeader(request, authorization);
  else if (params.has('X-Amz-Algorithm') || params.has('X-Amz-Credential') || params.has('X-Amz-Signature')) auth = parseQueryAuthorization(params);
  else throw new SigV4Error('MissingAuthenticationTokenException', MISSING_AUTHENTICATION_MESSAGE);

  checkScope(auth, options);
  checkTime(auth, now, options.windowMinutes ?? getSignatureWindowMinutes(auth.scope.service));
  const credentials = await lookup(auth.accessKeyId, auth.sessionToken);
  if (credentials === undefined) throw new SigV4Error('UnrecognizedClientException', INVALID_TOKEN_MESSAGE);

  const { scope } = auth;
  const claimed: VerifiedCaller = {
    accessKeyId: auth.accessKeyId,
    ...(auth.sessionToken === undefined ? {} : { sessionToken: auth.sessionToken }),
    region: scope.region,
    service: scope.service,
    signedAt: auth.signedAt,
  };
  const claimedHash = header(request, 'x-amz-content-sha256');
  return {
    claimed,
    finish(bodyHash) {
      // X-Amz-Content-SHA256, when sent, is what was signed; one that is not the body's hash is refused rather
      // than trusted: outside S3 a service reads the whole body, so a claimed hash (or UNSIGNED-PAYLOAD) would
      // let the body change under a good signature.
      if (claimedHash !== undefined && claimedHash !== bodyHash) throw new SigV4Error('InvalidSignatureException', SIGNATURE_MISMATCH_MESSAGE);
      const canonicalRequest = getCanonicalRequest({
        method: request.method.toUpperCase(),
        path: request.path,
        query: request.query,
        headers: request.headers,
        signedHeaders: auth.signedHeaders,
        payloadHash: bodyHash,
      });
      const credentialScope = `${scope.date}/${scope.region}/${scope.service}/${TERMINATOR}`;
      const stringToSign = [ALGORITHM, auth.amzDate, credentialScope, sha256Hex(canonicalRequest)].join('\n');
      const expected = createHmac('sha256', getSigningKey(credentials.secretAccessKey, scope.date, scope.region, scope.service))
        .update(stringToSign, 'utf8')
        .digest('hex');
      if (!signaturesEqual(expected, auth.signature)) throw new SigV4Error('InvalidSignatureException', SIGNATURE_MISMATCH_MESSAGE);
      return claimed;
    },
  };
}

/**
 * Verifies a request's Signature Version 4 signature (the Authorization header, or a presigned URL's
 * query parameters) against the secret `lookup` finds for its access key; throws a SigV4Error with AWS's
 * code and message when it does not hold.
 */
export async function verifySigV4(request: SignedRequest, lookup: SecretLookup, now: Date = new Date(), options: VerifyOptions = {}): Promise<VerifiedCaller> {
  const pending = await startSigV4(request, lookup, now, options);
  return pending.finish(getBodyHash(request.body));
}
