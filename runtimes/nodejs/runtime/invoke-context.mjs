// The `context` object and the `callback` a handler receives, with AWS's semantics: only the
// first of callback / succeed / fail / done counts; callback(null, result) waits for an empty
// event loop unless context.callbackWaitsForEmptyEventLoop was set to false; the legacy
// context.succeed / fail / done post at once.

const HEADER = Object.freeze({
  requestId: 'lambda-runtime-aws-request-id',
  deadline: 'lambda-runtime-deadline-ms',
  functionArn: 'lambda-runtime-invoked-function-arn',
  clientContext: 'lambda-runtime-client-context',
  cognitoIdentity: 'lambda-runtime-cognito-identity',
  tenantId: 'lambda-runtime-aws-tenant-id',
  traceId: 'lambda-runtime-trace-id',
});
export { HEADER as INVOKE_HEADER };

/** The context fields that come from the environment, read once at start-up. */
export function getFunctionInfo(env) {
  return Object.freeze({
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
  });
}

/**
 * @param settle {{ succeed(result): void, fail(error): void, succeedWhenLoopEmpty(result): void }}
 *   what the runtime does with this invocation's outcome.
 * @returns {{ callback, succeed, fail, context, contextError }} succeed and fail settle a
 *   returned promise; contextError is set when a header could not be parsed (the invocation
 *   then fails with it) and context is undefined.
 */
export function createInvokeContext(info, headers, settle) {
  let finished = false;
  let waitsForEmptyEventLoop = true;

  const callback = (error, result) => {
    if (finished) return;
    finished = true;
    if (error !== undefined && error !== null) settle.fail(error);
    else if (waitsForEmptyEventLoop) settle.succeedWhenLoopEmpty(result);
    else settle.succeed(result);
  };
  const done = (error, result) => {
    if (finished) return;
    finished = true;
    if (error !== undefined && error !== null) settle.fail(error);
    else settle.succeed(result);
  };

  const succeed = (result) => done(null, result);
  const fail = (error) => done(error === undefined || error === null ? 'handled' : error, null);

  let context;
  try {
    const deadline = Number(headers[HEADER.deadline]);
    context = {
      get callbackWaitsForEmptyEventLoop() {
        return waitsForEmptyEventLoop;
      },
      set callbackWaitsForEmptyEventLoop(value) {
        waitsForEmptyEventLoop = value;
      },
      succeed,
      fail,
      done,
      functionVersion: info.functionVersion,
      functionName: info.functionName,
      memoryLimitInMB: info.memoryLimitInMB,
      logGroupName: info.logGroupName,
      logStreamName: info.logStreamName,
      clientContext: parseJsonHeader(headers[HEADER.clientContext], 'ClientContext'),
      identity: parseJsonHeader(headers[HEADER.cognitoIdentity], 'CognitoIdentity'),
      invokedFunctionArn: headers[HEADER.functionArn],
      awsRequestId: headers[HEADER.requestId],
      tenantId: headers[HEADER.tenantId],
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
  } catch (error) {
    return { callback, succeed, fail, context: undefined, contextError: error };
  }
  return { callback, succeed, fail, context, contextError: undefined };
}

function parseJsonHeader(value, name) {
  if (value === undefined || value === '') return undefined;
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new Error(`Cannot parse ${name} as json: ${error}`);
  }
}
