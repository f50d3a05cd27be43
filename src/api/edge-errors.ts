import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { LambdaError, serviceError } from '../shared/errors.js';
import { renderLambdaError } from './aws-errors.js';

/**
 * Errors at the edge of HTTP, before any route runs: the request line or headers are too long or malformed,
 * the URL does not decode, no operation has this method and path. They leave in AWS's shape as well
 * (status, `x-amzn-errortype`, JSON body with a message), never in Node's or Fastify's.
 */

/** Longest path parameter routed; longer URLs never get past Node's 16 KB header limit anyway. */
export const MAX_PARAM_LENGTH = 16_384;

const SHOWN_URL_CHARACTERS = 256;

/** A URL for a message: long ones are cut (a 100 KB URL does not come back in the body). */
export function shortUrl(url: string): string {
  return url.length <= SHOWN_URL_CHARACTERS ? url : `${url.slice(0, SHOWN_URL_CHARACTERS)}… (${url.length} characters)`;
}

export function unknownOperation(method: string, url: string): LambdaError {
  return new LambdaError('UnknownOperationException', `No operation at ${method} ${shortUrl(url)}`);
}

/** The errors Fastify's router raises itself (`frameworkErrors`). */
export function getFrameworkError(error: { code?: string }, url: string): LambdaError {
  switch (error.code) {
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new LambdaError('RequestURITooLongException', `The request URI is too long: ${shortUrl(url)}`);
    case 'FST_ERR_BAD_URL':
      return new LambdaError('InvalidRequestContentException', `The request URI is not valid: ${shortUrl(url)}`);
    default:
      return serviceError(error);
  }
}

/** What Node's HTTP parser reports (`rawPacket` is the bytes it had read). */
export type ClientError = Error & { code?: string; rawPacket?: unknown };

/** What Node's HTTP parser refused (`clientError`), as an AWS error. */
export function getClientError(error: ClientError): LambdaError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW': {
      // No line break yet: it is the request line (the URL) that does not fit.
      const raw = error.rawPacket;
      const requestLine = !Buffer.isBuffer(raw) || !raw.includes('\r\n');
      return requestLine
        ? new LambdaError('RequestURITooLongException', 'The request URI is too long.')
        : new LambdaError('RequestHeaderFieldsTooLargeException', 'The request headers are too large.');
    }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new LambdaError('RequestTimeoutException', 'The request was not received in time.');
    default:
      return new LambdaError('InvalidRequestContentException', 'The HTTP request could not be parsed.');
  }
}

/** The raw HTTP answer to a request Node's parser refused. */
export function getClientErrorResponse(error: ClientError): string {
  const rendered = renderLambdaError(getClientError(error));
  const body = JSON.stringify(rendered.body);
  const headers = {
    ...rendered.headers,
    'x-amzn-requestid': randomUUID(),
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  };
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return `HTTP/1.1 ${rendered.status} ${STATUS_CODES[rendered.status] ?? ''}\r\n${head}\r\n${body}`;
}

/** Fastify's `clientErrorHandler`: answers in AWS's shape, then closes the connection. */
export function handleClientError(error: ClientError, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) socket.end(getClientErrorResponse(error));
  else socket.destroy(error);
}
