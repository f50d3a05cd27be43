// console.* as AWS's Node.js runtime patches it: one line per call on stdout,
// `<ISO time>\t<request id>\t<LEVEL>\t<util.format(...args)>` with every "\n" turned into "\r"
// so a multi-line message stays one log event. AWS_LAMBDA_LOG_FORMAT=JSON and
// AWS_LAMBDA_LOG_LEVEL are honoured the same way. Lines are written synchronously to fd 1:
// never lost when the process is killed, never reordered.
import { writeSync } from 'node:fs';
import { format } from 'node:util';
import { intoError, toFormatted } from './errors.mjs';

const REQUEST_ID_SYMBOL = Symbol.for('aws.lambda.runtime.requestId');
const LEVELS = Object.freeze({ TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 });
const NEWLINES = /\n/g;

/** undefined until the first invocation, and printed as "undefined", as AWS does. */
let requestId;
let logErrorWith = (label, error) => writeLine(2, `${label}${toFormatted(intoError(error))}\n`);

export function setRequestId(id) {
  requestId = id;
  globalThis[REQUEST_ID_SYMBOL] = id;
}

/** Logs a runtime-detected failure ("Invoke Error", "Uncaught Exception", ...) at ERROR level. */
export function logError(label, error) {
  logErrorWith(label, error);
}

/** Runtime diagnostics that are not the function's own logs go to stderr, unformatted. */
export function logRuntimeProblem(message) {
  writeLine(2, `lambdock Node.js runtime: ${message}\n`);
}

export function patchConsole(env) {
  const json = env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';
  const threshold = LEVELS[env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()] ?? LEVELS.TRACE;
  const write = json ? writeJson : writeText;
  const logger = (level) =>
    LEVELS[level] >= threshold ? (...args) => write(level, args) : () => {};

  console.trace = logger('TRACE');
  console.debug = logger('DEBUG');
  console.info = logger('INFO');
  console.log = console.info;
  console.warn = logger('WARN');
  console.error = logger('ERROR');
  console.fatal = (...args) => write('FATAL', args);

  const errorsLogged = LEVELS.ERROR >= threshold;
  logErrorWith = !errorsLogged
    ? () => {}
    : json
      ? (_label, error) => writeJson('ERROR', [intoError(error)])
      : (label, error) => writeText('ERROR', [label, toFormatted(intoError(error))]);
}

function writeText(level, args) {
  const line = `${new Date().toISOString()}\t${requestId}\t${level}\t${format(...args)}`;
  writeLine(1, line.replace(NEWLINES, '\r') + '\n');
}

function writeJson(level, args) {
  writeLine(1, formatJson(level, args).replace(NEWLINES, '\r') + '\n');
}

function formatJson(level, args) {
  const entry = { timestamp: new Date().toISOString(), level, requestId, message: undefined };
  if (args.length === 1) {
    entry.message = args[0];
    try {
      return JSON.stringify(entry, jsonErrorReplacer);
    } catch {
      entry.message = format(args[0]);
      return JSON.stringify(entry);
    }
  }
  entry.message = format(...args);
  const error = args.find((arg) => arg instanceof Error);
  if (error) {
    entry.errorType = error.constructor?.name ?? 'UnknownError';
    entry.errorMessage = error.message;
    entry.stackTrace = typeof error.stack === 'string' ? error.stack.split('\n') : [];
  }
  return JSON.stringify(entry);
}

function jsonErrorReplacer(_key, value) {
  if (!(value instanceof Error)) return value;
  return Object.assign(
    {
      errorType: value.constructor?.name ?? 'UnknownError',
      errorMessage: value.message,
      stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
    },
    value,
  );
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `text`, synchronously. If user code turned the fd non-blocking (touching
 * process.stdout on a pipe does), a full pipe answers EAGAIN: wait 1 ms and go on rather than
 * drop the line. Other failures (EPIPE: nobody reads the logs) are ignored, as a log call must
 * never throw into user code.
 */
function writeLine(fd, text) {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      if (error?.code !== 'EAGAIN') return;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
