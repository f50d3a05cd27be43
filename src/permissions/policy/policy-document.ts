/**
 * IAM's policy language: the document types, and the parsing IAM does before it stores one.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
 */

/** `"*"` or `{ "AWS": …, "Service": …, "Federated": … }`. */
export type PolicyPrincipal = '*' | Record<string, string | string[]>;

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: PolicyPrincipal;
  NotPrincipal?: PolicyPrincipal;
  /** Operator → condition key → value(s). Values in a document may be JSON booleans or numbers: they compare as strings. */
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[];
}

/**
 * What the document is for, which decides the elements IAM requires or refuses: a role's permissions
 * (`identity`: no Principal, a Resource), a role's trust policy (`trust`: a Principal, no Resource), or
 * a resource's policy (`resource`: a Principal).
 */
export type PolicyKind = 'identity' | 'trust' | 'resource';

/** IAM's MalformedPolicyDocument, with IAM's message. */
export class MalformedPolicyDocumentError extends Error {
  readonly code = 'MalformedPolicyDocument';

  constructor(message: string) {
    super(message);
    this.name = 'MalformedPolicyDocumentError';
  }
}

/**
 * IAM's messages: "invalid Json" as recorded in LocalStack's AWS snapshots (tests/aws/services/iam);
 * the principal and Resource ones as AWS CLI transcripts quote them; the others as moto's validator,
 * written after IAM's answers, has them.
 */
export const MALFORMED_MESSAGES = {
  invalidJson: 'This policy contains invalid Json',
  syntax: 'Syntax errors in policy.',
  legacyParsing: 'The policy failed legacy parsing',
  noActions: 'Policy statement must contain actions.',
  noResources: 'Policy statement must contain resources.',
  principalInIdentity: 'Policy document should not specify a principal.',
  resourceInTrust: 'Has prohibited field Resource',
  noPrincipal: 'Missing required field Principal',
} as const;

const VERSIONS = new Set(['2008-10-17', '2012-10-17']);
const STATEMENT_FIELDS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Principal', 'NotPrincipal', 'Condition']);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStrings = (value: unknown): value is string | string[] =>
  typeof value === 'string' || (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string'));

function malformed(message: string): never {
  throw new MalformedPolicyDocumentError(message);
}

function checkPrincipal(value: unknown): void {
  if (value === '*') return;
  if (!isObject(value) || Object.keys(value).length === 0) malformed(MALFORMED_MESSAGES.syntax);
  for (const ids of Object.values(value)) if (!isStrings(ids)) malformed(MALFORMED_MESSAGES.syntax);
}

/** Condition values as strings (`true`, `3` in a document compare as `"true"`, `"3"`). */
function normalizeCondition(value: unknown): Record<string, Record<string, string | string[]>> {
  if (!isObject(value)) malformed(MALFORMED_MESSAGES.syntax);
  const scalar = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : malformed(MALFORMED_MESSAGES.syntax));
  return Object.fromEntries(
    Object.entries(value).map(([operator, keys]) => {
      if (!isObject(keys)) malformed(MALFORMED_MESSAGES.syntax);
      return [operator, Object.fromEntries(Object.entries(keys).map(([key, v]) => [key, Array.isArray(v) ? v.map(scalar) : scalar(v)]))];
    }),
  );
}

function parseStatement(raw: unknown, kind: PolicyKind): PolicyStatement {
  if (!isObject(raw)) malformed(MALFORMED_MESSAGES.syntax);
  for (const field of Object.keys(raw)) if (!STATEMENT_FIELDS.has(field)) malformed(MALFORMED_MESSAGES.syntax);
  if (raw.Effect !== 'Allow' && raw.Effect !== 'Deny') malformed(MALFORMED_MESSAGES.syntax);
  if (raw.Sid !== undefined && typeof raw.Sid !== 'string') malformed(MALFORMED_MESSAGES.syntax);
  for (const field of ['Action', 'NotAction', 'Resource', 'NotResource'] as const) {
    if (raw[field] !== undefined && !isStrings(raw[field])) malformed(MALFORMED_MESSAGES.syntax);
  }
  if (raw.Action !== undefined && raw.NotAction !== undefined) malformed(MALFORMED_MESSAGES.syntax);
  if (raw.Resource !== undefined && raw.NotResource !== undefined) malformed(MALFORMED_MESSAGES.syntax);
  if (raw.Principal !== undefined && raw.NotPrincipal !== undefined) malformed(MALFORMED_MESSAGES.syntax);
  if (raw.Action === undefined && raw.NotAction === undefined) malformed(MALFORMED_MESSAGES.noActions);
  const hasPrincipal = raw.Principal !== undefined || raw.NotPrincipal !== undefined;
  const hasResource = raw.Resource !== undefined || raw.NotResource !== undefined;
  if (kind === 'identity' && hasPrincipal) malformed(MALFORMED_MESSAGES.principalInIdentity);
  if (kind === 'identity' && !hasResource) malformed(MALFORMED_MESSAGES.noResources);
  if (kind === 'trust' && hasResource) malformed(MALFORMED_MESSAGES.resourceInTrust);
  if (kind !== 'identity' && !hasPrincipal) malformed(MALFORMED_MESSAGES.noPrincipal);
  if (raw.Principal !== undefined) checkPrincipal(raw.Principal);
  if (raw.NotPrincipal !== undefined) checkPrincipal(raw.NotPrincipal);
  const statement = { ...raw } as unknown as PolicyStatement;
  if (raw.Condition !== undefined) statement.Condition = normalizeCondition(raw.Condition);
  return statement;
}

/**
 * Parses a policy document as IAM checks it on PutRolePolicy, CreatePolicy, CreateRole (kind `trust`)
 * and AddPermission. A single statement object stands for a list of one, as in IAM.
 * Throws MalformedPolicyDocumentError with IAM's message.
 */
export function parsePolicyDocument(text: string, kind: PolicyKind = 'identity'): PolicyDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    malformed(MALFORMED_MESSAGES.invalidJson);
  }
  if (!isObject(raw)) malformed(MALFORMED_MESSAGES.invalidJson);
  for (const field of Object.keys(raw)) if (field !== 'Version' && field !== 'Statement' && field !== 'Id') malformed(MALFORMED_MESSAGES.syntax);
  if (raw.Version !== undefined && (typeof raw.Version !== 'string' || !VERSIONS.has(raw.Version))) malformed(MALFORMED_MESSAGES.legacyParsing);
  if (raw.Statement === undefined) malformed(MALFORMED_MESSAGES.syntax);
  const statements = Array.isArray(raw.Statement) ? raw.Statement : [raw.Statement];
  const document: PolicyDocument = { Statement: statements.map((s) => parseStatement(s, kind)) };
  if (raw.Version !== undefined) document.Version = raw.Version as string;
  return document;
}
