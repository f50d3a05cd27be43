import { describe, expect, it } from 'vitest';
import { getClientError, getClientErrorResponse, shortUrl } from './edge-errors.js';

const parserError = (code: string, raw?: string) => Object.assign(new Error(code), { code, rawPacket: raw === undefined ? undefined : Buffer.from(raw) });

describe('errors at the edge of HTTP', () => {
  it('tells an over-long request line (414) from over-large headers (431)', () => {
    expect(getClientError(parserError('HPE_HEADER_OVERFLOW', `GET /${'a'.repeat(100)}`)).code).toBe('RequestURITooLongException');
    expect(getClientError(parserError('HPE_HEADER_OVERFLOW', `GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(100)}`)).code).toBe(
      'RequestHeaderFieldsTooLargeException',
    );
    expect(getClientError(parserError('ERR_HTTP_REQUEST_TIMEOUT')).status).toBe(408);
    expect(getClientError(parserError('HPE_INVALID_METHOD')).code).toBe('InvalidRequestContentException');
  });

  it('writes a complete HTTP answer with the AWS error header and a JSON body', () => {
    const answer = getClientErrorResponse(parserError('HPE_HEADER_OVERFLOW'));
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 414 URI Too Long\r\n/);
    expect(head).toContain('x-amzn-errortype: RequestURITooLongException');
    expect(head).toMatch(/x-amzn-requestid: [0-9a-f-]{36}/);
    expect(head).toContain(`content-length: ${Buffer.byteLength(body)}`);
    expect(JSON.parse(body)).toStrictEqual({ Type: 'User', message: 'The request URI is too long.' });
  });

  it('cuts long URLs in messages', () => {
    expect(shortUrl('/short')).toBe('/short');
    expect(shortUrl(`/${'a'.repeat(1000)}`)).toMatch(/… \(1001 characters\)$/);
  });
});
