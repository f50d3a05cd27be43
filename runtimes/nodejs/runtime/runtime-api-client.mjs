// The HTTP client for the Lambda Runtime API (2018-06-01). One keep-alive connection carries
// every call; no call has a timeout, because the sandbox may be frozen (docker pause) for
// minutes while /next waits for work.
import http from 'node:http';

const BASE = '/2018-06-01/runtime';
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';
const INVALID_HEADER_CHARS = /[^\t\x20-\x7e]/g;

/** @typedef {{ status: number, headers: http.IncomingHttpHeaders, body: Buffer }} ApiAnswer */

export class RuntimeApiClient {
  #agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  #hostname;
  #port;
  #nextOptions;

  /** @param address host:port, as in AWS_LAMBDA_RUNTIME_API */
  constructor(address) {
    const separator = address.lastIndexOf(':');
    const port = Number(address.slice(separator + 1));
    if (separator <= 0 || !Number.isInteger(port) || port <= 0) {
      throw new Error(`AWS_LAMBDA_RUNTIME_API is not host:port: "${address}"`);
    }
    this.#hostname = address.slice(0, separator).replace(/^\[(.*)\]$/, '$1');
    this.#port = port;
    this.#nextOptions = this.#options('GET', `${BASE}/invocation/next`, undefined);
  }

  /** @returns {Promise<ApiAnswer>} the next event (long poll). */
  next() {
    return this.#send(this.#nextOptions, undefined);
  }

  /**
   * @param result the serialised result (JSON text), or the bytes of a streamed response.
   * @param contentType for a streamed response; JSON otherwise.
   * @returns {Promise<ApiAnswer>} 202, or 413 if too large.
   */
  postResponse(requestId, result, contentType = 'application/json') {
    const body = typeof result === 'string' ? Buffer.from(result, 'utf8') : result;
    const path = `${BASE}/invocation/${encodeURIComponent(requestId)}/response`;
    const headers = { 'Content-Type': contentType, 'Content-Length': body.length };
    return this.#send(this.#options('POST', path, headers), body);
  }

  /** @param payload {{ errorType, errorMessage, trace }} */
  postError(requestId, payload) {
    return this.#postErrorTo(`${BASE}/invocation/${encodeURIComponent(requestId)}/error`, payload);
  }

  postInitError(payload) {
    return this.#postErrorTo(`${BASE}/init/error`, payload);
  }

  #postErrorTo(path, payload) {
    const body = Buffer.from(JSON.stringify(payload), 'utf8');
    const headers = jsonHeaders(body);
    headers[ERROR_TYPE_HEADER] = String(payload.errorType).replace(INVALID_HEADER_CHARS, '');
    return this.#send(this.#options('POST', path, headers), body);
  }

  #options(method, path, headers) {
    return { hostname: this.#hostname, port: this.#port, method, path, headers, agent: this.#agent };
  }

  /**
   * A request that dies with ECONNRESET on a reused keep-alive socket was most likely never
   * seen by the server (it closed the idle connection as we wrote): retry it once, fresh.
   * @returns {Promise<ApiAnswer>}
   */
  #send(options, body, isRetry = false) {
    return new Promise((resolve, reject) => {
      const request = http.request(options, (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks),
          }),
        );
        response.on('close', () => {
          if (!response.complete) reject(new Error('the Runtime API closed the connection mid-answer'));
        });
      });
      request.on('error', (error) => {
        if (!isRetry && request.reusedSocket && error.code === 'ECONNRESET') {
          resolve(this.#send(options, body, true));
        } else {
          reject(error);
        }
      });
      request.end(body);
    });
  }
}

function jsonHeaders(body) {
  return { 'Content-Type': 'application/json', 'Content-Length': body.length };
}
