import type { ExpectedScope, RequestAuthenticator } from './request-authenticator.js';
import { getBodyHash, startSigV4, type PendingSignature, type SecretLookup, type SignedRequest, type SignedRequestHead, type VerifiedCaller } from './verify-sigv4.js';

export interface SigV4AuthenticatorOptions {
  /** The region signatures must be scoped to (this installation's). */
  region: string;
  /** The clock the signing time is held against (tests move it). */
  now?: () => Date;
}

/** Signature Version 4 with the secrets `lookup` finds (configured access keys, or temporary credentials). */
export class SigV4Authenticator implements RequestAuthenticator {
  constructor(
    private readonly lookup: SecretLookup,
    private readonly options: SigV4AuthenticatorOptions,
  ) {}

  start(request: SignedRequestHead, expected?: ExpectedScope): Promise<PendingSignature> {
    return startSigV4(request, this.lookup, this.options.now?.() ?? new Date(), {
      region: this.options.region,
      ...(expected === undefined ? {} : { service: expected.service }),
    });
  }

  async authenticate(request: SignedRequest, expected?: ExpectedScope): Promise<VerifiedCaller> {
    return (await this.start(request, expected)).finish(getBodyHash(request.body));
  }
}

/** The lookup of long-term access keys (`LAMBDOCK_ACCESS_KEYS`): session tokens are not theirs, so one sent is refused. */
export function getStaticKeyLookup(keys: Readonly<Record<string, string>>): SecretLookup {
  return async (accessKeyId, sessionToken) => {
    if (sessionToken !== undefined || !Object.hasOwn(keys, accessKeyId)) return undefined;
    return { secretAccessKey: keys[accessKeyId] as string };
  };
}
