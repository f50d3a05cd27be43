import type { PolicyPrincipal } from './policy-document.js';

/** Who makes the request: an IAM identity (ARN, or an account id) or an AWS service (`sqs.amazonaws.com`). */
export interface RequestPrincipal {
  type: 'AWS' | 'Service';
  id: string;
}

const ACCOUNT_ID = /^\d{12}$/;

/** The account of an IAM or STS ARN, or the id itself when it is an account id. */
function accountOf(id: string): string | undefined {
  if (ACCOUNT_ID.test(id)) return id;
  const parts = id.split(':');
  return parts.length >= 6 && (parts[2] === 'iam' || parts[2] === 'sts') ? parts[4] : undefined;
}

/** `arn:aws:sts::<account>:assumed-role/<name>/<session>` → `<account>`, `<name>`. */
function assumedRole(id: string): { account: string; name: string } | undefined {
  const match = /^arn:[^:]+:sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(id);
  return match === null ? undefined : { account: match[1] as string, name: match[2] as string };
}

/**
 * One `AWS` entry of a Principal: `*`, an account (`123456789012` or `arn:aws:iam::123456789012:root`:
 * any principal of that account), or an identity's ARN (a role also matches its assumed-role sessions).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
 */
function matchesAwsEntry(entry: string, caller: string): boolean {
  if (entry === '*') return true;
  const rootMatch = /^arn:[^:]+:iam::(\d{12}):root$/.exec(entry);
  const account = ACCOUNT_ID.test(entry) ? entry : rootMatch?.[1];
  if (account !== undefined) return accountOf(caller) === account;
  if (entry === caller) return true;
  const role = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(entry);
  const session = assumedRole(caller);
  return role !== null && session !== undefined && session.account === role[1] && session.name === role[2];
}

const asList = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * Whether a statement's Principal names the caller. `"*"` and `{"AWS": "*"}` name everyone (the docs
 * treat them alike); service principals compare case-insensitively, as service names are.
 */
export function matchesPrincipal(principal: PolicyPrincipal, caller: RequestPrincipal | undefined): boolean {
  if (principal === '*') return true;
  if (asList(principal.AWS).includes('*')) return true;
  if (caller === undefined) return false;
  if (caller.type === 'Service') return asList(principal.Service).some((s) => s.toLowerCase() === caller.id.toLowerCase());
  return asList(principal.AWS).some((entry) => matchesAwsEntry(entry, caller.id));
}
