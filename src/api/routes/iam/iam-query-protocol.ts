import { IamError } from '../../../iam/iam-error.js';
import { escapeXml } from '../sqs/query-protocol.js';

/**
 * AWS's query protocol for IAM: a form (`Action=CreateRole&Version=2010-05-08&…`) in, XML out, lists as
 * `<Name><member>…</member></Name>` (IAM's lists are not flattened), errors as `<ErrorResponse>`.
 */
export const IAM_XML_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';
export const IAM_VERSION = '2010-05-08';
type Params = Record<string, string>;

const compact = (input: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));

function int(p: Params, name: string): number | undefined {
  const raw = p[name];
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw.trim())) throw new IamError('ValidationError', `1 validation error detected: Value '${raw}' at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must be an integer`);
  return Number(raw);
}

/** `Tags.member.1.Key` / `Tags.member.1.Value` … in member order. */
function tags(p: Params): Array<{ Key: string; Value: string }> | undefined {
  const byIndex = new Map<number, { Key: string; Value: string }>();
  for (const [key, value] of Object.entries(p)) {
    const match = /^Tags\.member\.(\d+)\.(Key|Value)$/.exec(key);
    if (match === null) continue;
    const tag = byIndex.get(Number(match[1])) ?? { Key: '', Value: '' };
    tag[match[2] as 'Key' | 'Value'] = value;
    byIndex.set(Number(match[1]), tag);
  }
  return byIndex.size === 0 ? undefined : [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, tag]) => tag);
}

/** The members each action reads, by name (strings unless listed as integers). */
const MEMBERS: Record<string, { strings: string[]; ints?: string[]; tags?: boolean }> = {
  CreateRole: { strings: ['RoleName', 'AssumeRolePolicyDocument', 'Path', 'Description', 'PermissionsBoundary'], ints: ['MaxSessionDuration'], tags: true },
  GetRole: { strings: ['RoleName'] },
  DeleteRole: { strings: ['RoleName'] },
  ListRoles: { strings: ['PathPrefix', 'Marker'], ints: ['MaxItems'] },
  PutRolePolicy: { strings: ['RoleName', 'PolicyName', 'PolicyDocument'] },
  GetRolePolicy: { strings: ['RoleName', 'PolicyName'] },
  DeleteRolePolicy: { strings: ['RoleName', 'PolicyName'] },
  ListRolePolicies: { strings: ['RoleName', 'Marker'], ints: ['MaxItems'] },
  AttachRolePolicy: { strings: ['RoleName', 'PolicyArn'] },
  DetachRolePolicy: { strings: ['RoleName', 'PolicyArn'] },
  ListAttachedRolePolicies: { strings: ['RoleName', 'PathPrefix', 'Marker'], ints: ['MaxItems'] },
  CreatePolicy: { strings: ['PolicyName', 'PolicyDocument', 'Path', 'Description'], tags: true },
  GetPolicy: { strings: ['PolicyArn'] },
  DeletePolicy: { strings: ['PolicyArn'] },
};

export function getIamInput(action: string, p: Params): Record<string, unknown> {
  const members = MEMBERS[action] ?? { strings: [] };
  return compact({
    ...Object.fromEntries(members.strings.map((name) => [name, p[name]])),
    ...Object.fromEntries((members.ints ?? []).map((name) => [name, int(p, name)])),
    ...(members.tags === true ? { Tags: tags(p) } : {}),
  });
}

const element = (name: string, content: string): string => `<${name}>${content}</${name}>`;

function renderValue(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return element(name, value.map((v) => renderValue('member', v)).join(''));
  if (typeof value === 'object') return element(name, renderMembers(value as Record<string, unknown>));
  return element(name, escapeXml(String(value)));
}

const renderMembers = (members: Record<string, unknown>): string => Object.entries(members).map(([name, value]) => renderValue(name, value)).join('');

/** `<ActionResponse xmlns=…><ActionResult>…</ActionResult><ResponseMetadata>…` (no Result element for an empty output). */
export function renderIamOutput(action: string, output: object, requestId: string): string {
  const result = Object.keys(output).length === 0 ? '' : element(`${action}Result`, renderMembers(output as Record<string, unknown>));
  return (
    `<${action}Response xmlns="${IAM_XML_NAMESPACE}">${result}` +
    `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function renderIamError(error: IamError, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${IAM_XML_NAMESPACE}"><Error><Type>${error.fault}</Type><Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message></Error><RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`
  );
}

/** The service a SigV4 `Authorization` header signs for (`Credential=AKID/20240101/us-east-1/iam/aws4_request`). */
export const getSignedService = (authorization: string | undefined): string | undefined =>
  /Credential=[^/,\s]+\/\d{8}\/[^/,\s]+\/([^/,\s]+)\/aws4_request/.exec(authorization ?? '')?.[1];

/**
 * Whether a form `POST /` is IAM's: signed for service `iam`, or, unsigned, with IAM's API version.
 * A request signed for another service (sqs) stays with it whatever its form says.
 */
export function isIamRequest(authorization: string | undefined, form: Params): boolean {
  const service = getSignedService(authorization);
  return service === undefined ? form.Version === IAM_VERSION : service === 'iam';
}
