// Response streaming as AWS's Node.js runtime exposes it to handlers: the `awslambda` global with
// streamifyResponse(handler, options) and HttpResponseStream.from(stream, metadata). lambdock serves
// such handlers buffered, as AWS does for a plain Invoke: everything written to the stream, once it
// has ended, is the response (HttpResponseStream's JSON prelude and its 8 NUL bytes included).
import { Writable } from 'node:stream';

const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
export const HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const STREAM_RESPONSE = 'response';
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const METADATA_PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
const DELIMITER_LEN = 8;

export class InvalidStreamingOperation extends Error {}
Object.defineProperty(InvalidStreamingOperation, 'name', { value: 'InvalidStreamingOperation' });
InvalidStreamingOperation.prototype.name = 'Runtime.InvalidStreamingOperation';

/** Implements the application/vnd.awslambda.http-integration-response content type. */
export class HttpResponseStream {
  static from(underlyingStream, prelude) {
    underlyingStream.setContentType(METADATA_PRELUDE_CONTENT_TYPE);
    // JSON.stringify is required: a NUL byte is not allowed in the prelude.
    const metadataPrelude = JSON.stringify(prelude);
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(metadataPrelude);
      write(new Uint8Array(DELIMITER_LEN));
    };
    return underlyingStream;
  }
}

/** Defines globalThis.awslambda before user code loads, unless AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA. */
export function installAwsLambdaGlobal(env) {
  const off = env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA;
  if (off === '1' || off === 'true') return;
  globalThis.awslambda = {
    streamifyResponse: (handler, options) => {
      handler[HANDLER_STREAMING] = STREAM_RESPONSE;
      if (typeof options?.highWaterMark === 'number') {
        handler[HIGHWATERMARK] = parseInt(options.highWaterMark);
      }
      return handler;
    },
    HttpResponseStream,
  };
}

export function isStreamingHandler(handler) {
  return handler?.[HANDLER_STREAMING] === STREAM_RESPONSE;
}

/**
 * A Writable that keeps what is written. `contentType` is settable until the first write (AWS's
 * "Cannot set content-type, too late."); chunks other than strings, Buffers and Uint8Arrays are
 * written as JSON, as AWS's stream does.
 * @returns {{ stream: Writable, done: Promise<void>, body(): Buffer, contentType(): string }} done
 *   settles when the stream has finished (resolves) or was destroyed before finishing (rejects).
 */
export function createBufferedResponseStream(options = {}) {
  const chunks = [];
  let contentType = DEFAULT_CONTENT_TYPE;
  let written = false;
  const stream = new Writable({
    highWaterMark: options.highWaterMark,
    write(chunk, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  const write = stream.write.bind(stream);
  stream.setContentType = (value) => {
    if (written) throw new InvalidStreamingOperation('Cannot set content-type, too late.');
    contentType = value;
  };
  stream.write = (chunk, encoding, callback) => {
    if (typeof chunk !== 'string' && !Buffer.isBuffer(chunk) && chunk?.constructor !== Uint8Array) {
      chunk = JSON.stringify(chunk);
    }
    if (!written && typeof stream._onBeforeFirstWrite === 'function') stream._onBeforeFirstWrite((ch) => write(ch));
    written = true;
    return write(chunk, encoding, callback);
  };
  // end(chunk) goes through write, so a prelude still comes first.
  const end = stream.end.bind(stream);
  stream.end = (chunk, encoding, callback) => {
    if (typeof chunk === 'function') return end(chunk);
    if (chunk !== undefined && chunk !== null) stream.write(chunk, typeof encoding === 'string' ? encoding : undefined);
    return end(typeof encoding === 'function' ? encoding : callback);
  };
  const done = new Promise((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
    stream.on('close', () => {
      if (!stream.writableFinished) reject(new Error('Response stream is not finished.'));
    });
  });
  done.catch(() => {});
  return {
    stream,
    done,
    body: () => Buffer.concat(chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk))),
    contentType: () => contentType,
  };
}
