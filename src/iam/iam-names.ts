import { invalidArn, validationError } from './iam-error.js';

/** The account and partition IAM ARNs carry (IAM is global: no region). */
export interface IamScope {
  accountId: string;
}

// Constraints of AWS's IAM model (botocore iam/2010-05-08: roleNameType, policyNameType, pathType, policyDocumentType).
const NAME = /^[\w+=,.@-]+$/;
const PATH = /^(\/|\/[\u0021-\u007E]+\/)$/;
const DOCUMENT = /^[\u0009\u000A\u000D\u0020-\u00FF]+$/;
const MAX_DOCUMENT = 131_072;

/** A required member of the request: AWS's "Value null at 'member'" when it is missing. */
export function required(value: string | undefined, member: string): string {
  if (value === undefined) throw validationError(undefined, member, '');
  return value;
}

function checkLength(value: string, member: string, max: number): void {
  if (value.length < 1) throw validationError(value, member, 'Member must have length greater than or equal to 1');
  if (value.length > max) throw validationError(value, member, `Member must have length less than or equal to ${max}`);
}

export function checkName(value: string | undefined, member: 'roleName' | 'policyName', max: number): string {
  const name = required(value, member);
  checkLength(name, member, max);
  if (!NAME.test(name)) throw validationError(name, member, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
  return name;
}

export const checkRoleName = (value: string | undefined): string => checkName(value, 'roleName', 64);
export const checkPolicyName = (value: string | undefined): string => checkName(value, 'policyName', 128);

/** A path (`/` by default): `/` alone or `/…/`. */
export function checkPath(value: string | undefined, member = 'path'): string {
  if (value === undefined) return '/';
  checkLength(value, member, 512);
  if (!PATH.test(value)) throw validationError(value, member, 'Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)');
  return value;
}

export function checkDocumentText(value: string | undefined, member: string): string {
  const text = required(value, member);
  checkLength(text, member, MAX_DOCUMENT);
  if (!DOCUMENT.test(text)) throw validationError(text, member, 'Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+');
  return text;
}

export const getRoleArn = (scope: IamScope, path: string, name: string): string => `arn:aws:iam::${scope.accountId}:role${path}${name}`;
export const getPolicyArn = (scope: IamScope, path: string, name: string): string => `arn:aws:iam::${scope.accountId}:policy${path}${name}`;

/** `arn:aws:iam::<account>:<kind>/<path><name>` → its parts; ValidationError when it is no IAM ARN of that kind. */
export function parseIamArn(arn: string | undefined, kind: 'role' | 'policy', member: string): { account: string; path: string; name: string } {
  const value = required(arn, member);
  const match = new RegExp(`^arn:aws:iam::(\\d{12}|aws):${kind}(/(?:[\\u0021-\\u007E]*/)?)([\\w+=,.@-]+)$`).exec(value);
  if (match === null) throw invalidArn();
  return { account: match[1] as string, path: match[2] as string, name: match[3] as string };
}

/** IAM's unique ids: a four-letter prefix by kind (`AROA` role, `ANPA` managed policy) and 17 characters of A–Z, 2–7. */
export function createUniqueId(prefix: 'AROA' | 'ANPA', random: (n: number) => Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return prefix + Array.from(random(17), (b) => alphabet[b % 32]).join('');
}

/** CreateDate as IAM writes it: ISO 8601 to the second. */
export const getIamDate = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
