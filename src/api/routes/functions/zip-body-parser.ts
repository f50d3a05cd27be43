import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Semaphore } from '../../../shared/semaphore.js';
import { ZipJsonScanner } from '../../zip-json-body.js';

/** Bodies past this are uploads: they wait for a place among `UPLOADS_AT_ONCE`. */
const LARGE_BODY_BYTES = 1024 * 1024;
/** Large uploads read and decoded at once; each holds at most its decoded zip (≤ 52 MB for a 70 MB body). */
export const UPLOADS_AT_ONCE = 2;

declare module 'fastify' {
  interface FastifyRequest {
    /** The decoded `ZipFile` of a CreateFunction / UpdateFunctionCode body (its JSON value is left ''). */
    uploadedZip?: Buffer;
  }
}

const bodyTooLarge = (): Error =>
  Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });

/**
 * The JSON parser of the functions routes: streams the body, decoding the zip as it comes (see
 * ZipJsonScanner), and lets at most UPLOADS_AT_ONCE large bodies in at once; the others wait, unread.
 */
export function registerZipBodyParser(app: FastifyInstance, bodyLimit: number): void {
  const uploads = new Semaphore(UPLOADS_AT_ONCE);
  const releases = new WeakMap<FastifyRequest, () => void>();
  const release = async (request: FastifyRequest): Promise<void> => {
    releases.get(request)?.();
    releases.delete(request);
  };
  app.addHook('onResponse', release);
  app.addHook('onRequestAbort', release);

  app.addContentTypeParser('application/json', async (request: FastifyRequest, payload: NodeJS.ReadableStream) => {
    const declared = Number(request.headers['content-length'] ?? NaN);
    if (declared > bodyLimit) throw bodyTooLarge();
    const large = !(declared <= LARGE_BODY_BYTES);
    if (large) releases.set(request, await uploads.acquire());
    const scanner = new ZipJsonScanner(Number.isFinite(declared) ? declared : 0);
    let received = 0;
    for await (const chunk of payload as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > bodyLimit) throw bodyTooLarge();
      scanner.push(chunk);
    }
    const body = scanner.finish();
    if (body.zip !== undefined) request.uploadedZip = body.zip;
    if (body.json.trim() === '') {
      throw Object.assign(new Error("Body cannot be empty when content-type is set to 'application/json'"), {
        code: 'FST_ERR_CTP_EMPTY_JSON_BODY',
        statusCode: 400,
      });
    }
    return JSON.parse(body.json) as unknown;
  });
}
