export { parsePolicyDocument, MalformedPolicyDocumentError, MALFORMED_MESSAGES } from './policy-document.js';
export type { PolicyDocument, PolicyStatement, PolicyPrincipal, PolicyKind } from './policy-document.js';
export { evaluateIdentityPolicies, evaluateResourcePolicy, combineDecisions } from './policy-evaluation.js';
export type { AuthorizationRequest, Decision } from './policy-evaluation.js';
export type { RequestPrincipal } from './principals.js';
export type { RequestContext } from './conditions.js';
