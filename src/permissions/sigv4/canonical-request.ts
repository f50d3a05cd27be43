import { createHash } from 'node:crypto';

/**
 * The canonical request of Signature Version 4, rebuilt from what arrived on the wire exactly as
 * `@smithy/signature-v4` (the signer of the JavaScript SDK v3) builds it from what it sends.
 */

/** RFC 3986 encoding of everything but the unreserved characters, as the SDKs' `escapeUri`. */
export function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/**
 * The canonical URI of a path as sent: empty and `.` segments dropped, `..` resolved, then the whole path
 * encoded once more (`%3A` becomes `%253A`) with its slashes kept. Every service but S3 signs it so: the
 * SDK's request path is already percent-encoded and its signer (`uriEscapePath: true`) encodes it again
 * (SignatureV4Base.getCanonicalPath).
 */
export function getCanonicalUri(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return normalized === '' ? '/' : escapeUri(normalized).replace(/%2F/g, '/');
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The parameters of a raw query string, decoded (a `+` stays a `+`: the SDKs send a space as `%20`). */
export function parseQuery(query: string): Array<[string, string]> {
  return query
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const equals = part.indexOf('=');
      return equals === -1 ? [decode(part), ''] : [decode(part.slice(0, equals)), decode(part.slice(equals + 1))];
    });
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Every parameter but `X-Amz-Signature` (a presigned URL's signature cannot sign itself), names and values
 * encoded, sorted by name and then by value, `name=value` joined with `&` (getCanonicalQuery). The encoded
 * text is ASCII, so sorting by code units is the byte order AWS asks for.
 */
export function getCanonicalQuery(query: string): string {
  return parseQuery(query)
    .filter(([name]) => name.toLowerCase() !== 'x-amz-signature')
    .map(([name, value]) => [escapeUri(name), escapeUri(value)] as const)
    .sort(([nameA, valueA], [nameB, valueB]) => byCodeUnits(nameA, nameB) || byCodeUnits(valueA, valueB))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** Line breaks and runs of spaces or tabs become one space, the ends are trimmed (getCanonicalHeaders). */
const trimValue = (value: string): string => value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');

/**
 * `name:value` lines of the signed headers, in the order of SignedHeaders (which AWS requires sorted).
 * A header sent more than once has its values joined with commas, each trimmed (the suite's
 * get-header-key-duplicate); one that was signed but is absent signs as empty and so cannot match.
 */
export function getCanonicalHeaders(headers: Record<string, string | string[] | undefined>, signedHeaders: readonly string[]): string {
  return signedHeaders
    .map((name) => {
      const value = headers[name];
      const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
      return `${name}:${values.map(trimValue).join(',')}\n`;
    })
    .join('');
}

export interface CanonicalRequestParts {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  signedHeaders: readonly string[];
  payloadHash: string;
}

export function getCanonicalRequest(parts: CanonicalRequestParts): string {
  return [
    parts.method,
    getCanonicalUri(parts.path),
    getCanonicalQuery(parts.query),
    getCanonicalHeaders(parts.headers, parts.signedHeaders),
    parts.signedHeaders.join(';'),
    parts.payloadHash,
  ].join('\n');
}
