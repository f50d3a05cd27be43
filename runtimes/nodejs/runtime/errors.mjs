// Error types raised by the runtime itself, and the conversions AWS's Node.js runtime applies
// to any thrown value: the Runtime API error body and the "Invoke Error" log payload.
import { types } from 'node:util';

/** Exit codes of AWS's Node.js runtime, plus one of ours for a broken Runtime API. */
export const ExitCode = Object.freeze({
  /** The Runtime API refused, failed or answered 5xx: nothing sensible is left to do. */
  runtimeApiFailure: 1,
  /** An unhandled promise rejection (after reporting it). */
  unhandledRejection: 128,
  /** An uncaught exception, including every init failure (after reporting it). */
  uncaughtException: 129,
});

/** Each class's prototype name is `Runtime.<Class>`, so its stack starts with that type. */
function runtimeError(name, build = (message) => message) {
  const Class = class extends Error {
    constructor(cause) {
      super(build(cause));
    }
  };
  Object.defineProperty(Class, 'name', { value: name });
  Class.prototype.name = `Runtime.${name}`;
  return Class;
}

export const ImportModuleError = runtimeError('ImportModuleError', String);
export const UserCodeSyntaxError = runtimeError('UserCodeSyntaxError', String);
export const HandlerNotFound = runtimeError('HandlerNotFound');
export const MalformedHandlerName = runtimeError('MalformedHandlerName');
export const UnhandledPromiseRejection = runtimeError('UnhandledPromiseRejection', safeString);
export const NodeJsExit = runtimeError(
  'NodeJsExit',
  () =>
    'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly ' +
    'caused by a Promise that was never settled. For more information, see ' +
    'https://nodejs.org/docs/latest/api/process.html#exit-codes',
);

/** What the runtime reports when a result cannot be serialised (Node.js 20's wording). */
export const STRINGIFY_FAILURE = 'Unable to stringify response body';

function looksLikeError(value) {
  return (
    value != null &&
    typeof value.name === 'string' &&
    typeof value.message === 'string' &&
    typeof value.stack === 'string' &&
    value.name !== '' &&
    value.message !== '' &&
    value.stack !== ''
  );
}

function errorTypeOf(error) {
  if (typeof error.name === 'string' && error.name !== '') return error.name;
  return error.constructor?.name || 'Error';
}

/**
 * The body posted to /invocation/{id}/error and /init/error, as AWS's Node runtime shapes it (the stack
 * is `trace`; Python's runtime says `stackTrace`). Errors keep their `name` as the
 * type (as AWS does: "Error", "TypeError", a custom class only if it sets `name`); any other
 * thrown value is typed by `typeof` with its string form as the message.
 */
export function toErrorPayload(error) {
  try {
    if (types.isNativeError(error) || looksLikeError(error)) {
      return {
        errorType: errorTypeOf(error),
        errorMessage: typeof error.message === 'string' ? error.message : String(error.message),
        trace: typeof error.stack === 'string' ? error.stack.split('\n') : [],
      };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
      trace: [],
    };
  }
}

export function intoError(value) {
  return value instanceof Error ? value : new Error(safeString(value));
}

/** The text-format log payload AWS prints after "Invoke Error" and friends: a tab, then JSON. */
export function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_key, value) => withEnumerableProperties(value));
  } catch {
    return '\t' + JSON.stringify(toErrorPayload(error));
  }
}

function withEnumerableProperties(value) {
  if (!(value instanceof Error)) return value;
  const copy = Object.assign(
    { errorType: value.name, errorMessage: value.message, code: value.code },
    value,
  );
  if (typeof value.stack === 'string') copy.stack = value.stack.split('\n');
  return copy;
}

export function safeString(value) {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
