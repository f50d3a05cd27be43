// lambdock's Node.js runtime (nodejs20.x, nodejs22.x, nodejs24.x): the process the bootstrap starts
// in every function container. It loads the handler named by _HANDLER from LAMBDA_TASK_ROOT, then
// speaks the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API the way AWS's own Node.js runtime does.
//
// Exit codes (see errors.mjs): 129 after an init failure or an uncaught exception, 128 after
// an unhandled rejection (each reported to the Runtime API first), 1 when the Runtime API is
// unreachable or fails.
import { ExitCode, UnhandledPromiseRejection } from './errors.mjs';
import { getFunctionInfo } from './invoke-context.mjs';
import { logRuntimeProblem, patchConsole } from './log-patch.mjs';
import { installAwsLambdaGlobal } from './response-stream.mjs';
import { Runtime } from './runtime.mjs';
import { RuntimeApiClient } from './runtime-api-client.mjs';
import { isAsyncFunction, loadHandler } from './user-function.mjs';

const env = process.env;
patchConsole(env);

let client;
try {
  client = new RuntimeApiClient(env.AWS_LAMBDA_RUNTIME_API ?? '');
} catch (error) {
  logRuntimeProblem(error.message);
  process.exit(ExitCode.runtimeApiFailure);
}

const runtime = new Runtime(client, getFunctionInfo(env));

process.on('uncaughtException', (error) => {
  runtime.crash('Uncaught Exception', error, ExitCode.uncaughtException);
});
process.on('unhandledRejection', (reason, promise) => {
  const error = Object.assign(new UnhandledPromiseRejection(reason), { reason, promise });
  runtime.crash('Unhandled Promise Rejection', error, ExitCode.unhandledRejection);
});
process.on('beforeExit', () => runtime.onBeforeExit());

let handler;
installAwsLambdaGlobal(env);
try {
  handler = await loadHandler(env.LAMBDA_TASK_ROOT ?? '/var/task', env._HANDLER);
} catch (error) {
  // AWS's runtime reports init failures through its uncaught-exception path, hence the label.
  runtime.crash('Uncaught Exception', error, ExitCode.uncaughtException);
}
// Start on the next turn, as AWS does: a rejection module code left unhandled is then still
// reported as an init error.
if (handler) setImmediate(() => runtime.start(handler, isAsyncFunction(handler)));
