import type { PendingSignature, SignedRequest, SignedRequestHead, VerifiedCaller } from './verify-sigv4.js';

/** What a signature must be scoped to for the endpoint it reaches (AWS refuses another service's or region's). */
export interface ExpectedScope {
  service: string;
}

/** Decides who sent a request; refuses it (a SigV4Error) when nobody it knows did. */
export interface RequestAuthenticator {
  authenticate(request: SignedRequest, expected?: ExpectedScope): Promise<VerifiedCaller>;
  /** The checks that need no body, before it is read; `finish` the result with the body's SHA-256 once it was. */
  start(request: SignedRequestHead, expected?: ExpectedScope): Promise<PendingSignature>;
}
