import type { Rng } from './prng.js';
import type { RawRequest } from './raw-http.js';

/** Pieces of malformed input shared by both APIs' fuzzers. */

/** %-encodes the UTF-8 bytes of `text` (lone surrogates too, which encodeURIComponent refuses), but `keep`. */
export function percentEncode(text: string, keep = /[A-Za-z0-9\-_.~]/): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += byte < 0x80 && keep.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'get', 'FOO', 'PROPFIND', 'CONNECT'];

/** Strings every field should survive: empty, long, unicode, control characters, %-escapes, path tricks. */
export function oddString(rng: Rng): string {
  switch (rng.int(16)) {
    case 0:
      return '';
    case 1:
      return rng.string(rng.pick([63, 64, 65, 127, 128, 129, 140, 141, 255, 256, 257, 1_000, 5_000]));
    case 2:
      return rng.pick(['fünction', 'ﬁ', 'λ', '函数', '😀', 'a\u200bb', '\u202eevil', 'é'.normalize('NFD'), '\ud800', 'Ａ']);
    case 3:
      return rng.pick(['\u0000', 'a\nb', 'a\r\nX-Injected: 1', '\t', ' a', 'a ', '\u007f', '\\', '"', "'", '<script>']);
    case 4:
      return rng.pick(['%', '%zz', '%2F', '%00', '%252F', '%E2%82', '%C0%AF', '%2e%2e', '%u0041', '%%']);
    case 5:
      return rng.pick(['..', '.', '../..', '..%2f..', './x', 'a/../b', '/', '//', 'a/b', '~']);
    case 6:
      return rng.pick(['$LATEST', '$latest', '$', '$LATEST2', 'LATEST', '1', '0', '-1', '01', '99999999999999999999']);
    case 7:
      return rng.pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'null', 'undefined', 'NaN']);
    case 8:
      return rng.pick([':', '::', 'a:', ':a', 'a:b:c', 'a::b', 'function:', 'arn:']);
    case 9:
      return String(rng.pick([1e308, -0, 2 ** 53 + 1, -1, 1.5]));
    default:
      return rng.string(1 + rng.int(12), 'abcdefghij-_0123456789ABC');
  }
}

/** A value of a random JSON type (or one a schema does not expect). */
export function oddValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 7 : 9)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 128, 10_241, 900, 901]);
    case 3:
      return oddString(rng);
    case 4:
      return [];
    case 5:
      return {};
    case 6:
      return rng.pick(['', 'x', 'Zip', 'Image', 'nodejs20.x', 'python3.11', 'provided.al2023', 'x86_64', 'arm64']);
    case 7:
      return Array.from({ length: 1 + rng.int(3) }, () => oddValue(rng, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: 1 + rng.int(3) }, () => [oddString(rng), oddValue(rng, depth + 1)]));
  }
}

/** Sets an own property, even `__proto__` (which plain assignment would take as the prototype). */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, configurable: true, writable: true });
}

/** Mutates a JSON object in place: a field of another type, a field gone, an unknown or hostile key. */
export function mutateObject(rng: Rng, object: Record<string, unknown>): void {
  const keys = Object.keys(object);
  switch (rng.int(5)) {
    case 0:
      if (keys.length > 0) setOwn(object, rng.pick(keys), oddValue(rng));
      break;
    case 1:
      if (keys.length > 0) delete object[rng.pick(keys)];
      break;
    case 2:
      setOwn(object, oddString(rng), oddValue(rng));
      break;
    case 3: {
      const key = keys.length > 0 ? rng.pick(keys) : 'x';
      const inner = object[key];
      if (typeof inner === 'object' && inner !== null && !Array.isArray(inner)) mutateObject(rng, inner as Record<string, unknown>);
      else setOwn(object, key, oddValue(rng));
      break;
    }
    default:
      setOwn(object, rng.pick(['__proto__', 'constructor', 'prototype']), rng.chance(0.5) ? { polluted: true } : oddValue(rng));
  }
}

/** JSON text of `value`, sometimes damaged: cut short, garbage added, not JSON at all, deeply nested. */
export function jsonText(rng: Rng, value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  switch (rng.int(14)) {
    case 0:
      return text.slice(0, rng.int(text.length));
    case 1:
      return `${text}${rng.pick(['}', ',', ' x', '\u0000', '{}'])}`;
    case 2:
      return rng.pick(['', ' ', 'null', '[]', '"x"', '1', 'true', '{', '}', '{"a":}', "{'a':1}", 'NaN', '{"a":1,}', '\ufeff{}']);
    case 3:
      return `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    case 4:
      return `{"a":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_001)}`;
    case 5:
      return text.replace(/"([A-Za-z]+)":/, '"$1":1,"$1":'); // a duplicated key
    case 6:
      return text.replace(/"/, '\\u0022"');
    default:
      return text;
  }
}

/** Another content type for a JSON body, or none. */
export function contentType(rng: Rng): string | undefined {
  if (rng.chance(0.75)) return 'application/json';
  return rng.pick([
    undefined,
    'text/plain',
    'application/x-amz-json-1.1',
    'application/json; charset=utf-16',
    'multipart/form-data; boundary=x',
    'application/x-www-form-urlencoded',
    '',
    ';;;',
    'application/json\u0000',
  ]);
}

/** Damage at the HTTP layer that any request may get on top of its own malformation. */
export function mangleTransport(rng: Rng, req: RawRequest): void {
  switch (rng.int(24)) {
    case 0:
    case 1: // Content-Length larger than what is sent, then the socket closes (or half-closes).
      req.declaredLength = req.body.length + 1 + rng.int(10_000);
      req.body = req.body.subarray(0, rng.int(req.body.length + 1));
      req.ending = rng.chance(0.5) ? 'half-close' : 'abort';
      break;
    case 2: // A huge header: past Node's 16 KiB limit, or just under it.
      req.headers.push(['X-Fuzz', 'a'.repeat(rng.pick([8_000, 16_000, 17_000, 80_000]))]);
      break;
    case 3:
      for (let i = 0; i < 150; i += 1) req.headers.push([`X-Many-${i}`, String(i)]);
      break;
    case 4:
      req.headers.push(['X-Odd', rng.pick(['\u00ff\u00fe', 'a\u007fb', '\u0001', ' '])]);
      break;
    case 5:
      req.headers.push(['Content-Length', String(req.body.length)], ['Content-Length', String(req.body.length + 1)]);
      break;
    case 6: // Chunked with broken framing.
      req.headers.push(['Transfer-Encoding', 'chunked']);
      if (rng.chance(0.5)) {
        req.body = Buffer.from(rng.pick(['zz\r\nabc\r\n0\r\n\r\n', '5\r\nab\r\n0\r\n\r\n', '-1\r\na\r\n0\r\n\r\n', 'fffffffffffffffff\r\n']));
      } else {
        // Cut short (no last chunk): the server rightly waits for the rest, so the socket closes.
        req.body = Buffer.from(rng.pick([`${req.body.length.toString(16)}\r\n`, '0\r\n', '5\r\nab']));
        req.ending = rng.chance(0.5) ? 'half-close' : 'abort';
      }
      break;
    case 7:
      req.headers.push(['Transfer-Encoding', 'chunked'], ['Content-Length', '3']);
      break;
    case 8:
      req.requestLine = rng.pick([
        `${req.method} ${req.target} HTTP/1.0`,
        `${req.method} ${req.target} HTTP/2.0`,
        `${req.method} ${req.target}`,
        `${req.method}  ${req.target} HTTP/1.1`,
        `${req.method} ${req.target} HTTP/1.1 extra`,
        'GARBAGE',
        '',
      ]);
      break;
    case 9:
      req.headers.push(['Host', ''], ['Host', 'evil.example']);
      break;
    case 10:
      req.headers.push(['Expect', '100-continue']);
      break;
    case 11:
      req.headers.push(['Content-Encoding', rng.pick(['gzip', 'br', 'deflate', 'x'])]);
      break;
    default:
      break;
  }
}
