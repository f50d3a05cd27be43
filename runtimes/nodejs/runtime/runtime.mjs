// The invoke loop: GET /next, run the handler, POST its outcome, GET /next again.
//
// States: "init" (loading the handler) -> "ready" (loop running) -> "dying" (a fatal error is
// being reported; process.exit follows). Within "ready", `#current` is the invocation whose
// outcome has not been posted yet (null while waiting on /next or posting), and
// `#onLoopEmpty` is what the next 'beforeExit' does for it (AWS's BeforeExitListener): post
// a callback's result once the event loop is otherwise empty, or end an invocation that
// nothing will settle any more.
import { ExitCode, NodeJsExit, STRINGIFY_FAILURE, toErrorPayload } from './errors.mjs';
import { createInvokeContext, INVOKE_HEADER } from './invoke-context.mjs';
import { logError, logRuntimeProblem, setRequestId } from './log-patch.mjs';
import { createBufferedResponseStream, HIGHWATERMARK, isStreamingHandler } from './response-stream.mjs';

export class Runtime {
  #client;
  #info;
  #handler = null;
  #handlerIsAsync = false;
  #handlerStreams = false;
  #phase = 'init';
  #current = null;
  #onLoopEmpty = null;
  #posting = null;

  /**
   * @param client {import('./runtime-api-client.mjs').RuntimeApiClient}
   * @param info the environment-derived context fields (getFunctionInfo)
   */
  constructor(client, info) {
    this.#client = client;
    this.#info = info;
  }

  /** Init succeeded: start polling for invocations (unless init crashed meanwhile). */
  start(handler, handlerIsAsync) {
    if (this.#phase !== 'init') return;
    this.#handler = handler;
    this.#handlerIsAsync = handlerIsAsync;
    this.#handlerStreams = isStreamingHandler(handler);
    this.#phase = 'ready';
    this.#pollNext();
  }

  /** To be called from process 'beforeExit'. */
  onBeforeExit() {
    const action = this.#onLoopEmpty;
    this.#onLoopEmpty = null;
    if (action) action();
  }

  /**
   * Init failure, uncaught exception or unhandled rejection: log it, report it (to /init/error
   * during init, to the running invocation's /error during one), then exit with `exitCode`.
   * Between invocations there is nothing to report it to: log and exit.
   */
  crash(label, error, exitCode) {
    logError(label, error);
    if (this.#phase === 'dying') return;
    const phase = this.#phase;
    const invocation = this.#current;
    this.#phase = 'dying';
    this.#current = null;
    this.#onLoopEmpty = null;
    const exit = () => process.exit(exitCode);
    if (phase === 'init') {
      this.#client.postInitError(toErrorPayload(error)).then(exit, exit);
    } else if (invocation) {
      this.#client.postError(invocation.id, toErrorPayload(error)).then(exit, exit);
    } else if (this.#posting) {
      this.#posting.then(exit, exit);
    } else {
      exit();
    }
  }

  #pollNext() {
    this.#client.next().then(this.#onNext, this.#onApiFailure);
  }

  #onNext = (answer) => {
    if (this.#phase !== 'ready') return;
    const id = answer.headers[INVOKE_HEADER.requestId];
    if (answer.status !== 200 || typeof id !== 'string' || id === '') {
      this.#die(`GET /invocation/next answered ${answer.status} ${answer.body.toString()}`);
      return;
    }
    this.#invoke(id, answer.headers, answer.body);
  };

  #invoke(id, headers, body) {
    setRequestId(id);
    const traceId = headers[INVOKE_HEADER.traceId];
    if (traceId) process.env._X_AMZN_TRACE_ID = traceId;
    else delete process.env._X_AMZN_TRACE_ID;

    const invocation = { id };
    this.#current = invocation;
    this.#onLoopEmpty = this.#handlerIsAsync
      ? () => this.#fail(invocation, new NodeJsExit())
      : () => this.#succeed(invocation, null);
    const invoke = createInvokeContext(this.#info, headers, {
      succeed: (result) => this.#succeed(invocation, result),
      fail: (error) => this.#fail(invocation, error),
      succeedWhenLoopEmpty: (result) => this.#succeedWhenLoopEmpty(invocation, result),
    });
    if (invoke.contextError !== undefined) {
      invoke.callback(invoke.contextError);
      return;
    }
    if (this.#handlerStreams) {
      this.#invokeStreaming(invocation, body, invoke);
      return;
    }
    try {
      const event = body.length === 0 ? {} : JSON.parse(body);
      const returned = this.#handler(event, invoke.context, invoke.callback);
      if (returned && typeof returned.then === 'function') {
        returned.then(invoke.succeed, invoke.fail);
      }
    } catch (error) {
      invoke.callback(error);
    }
  }

  /**
   * A handler wrapped by awslambda.streamifyResponse: handler(event, responseStream, context). As AWS,
   * it must return a promise; its outcome is what was written once both the promise has resolved and
   * the stream has ended (a rejection, or a stream destroyed unfinished, fails the invocation).
   */
  #invokeStreaming(invocation, body, invoke) {
    const response = createBufferedResponseStream({ highWaterMark: this.#handler[HIGHWATERMARK] });
    let returned;
    try {
      const event = body.length === 0 ? {} : JSON.parse(body);
      returned = this.#handler(event, response.stream, invoke.context);
    } catch (error) {
      this.#fail(invocation, error);
      return;
    }
    if (!returned || typeof returned.then !== 'function') {
      this.#fail(invocation, new Error('Streaming does not support non-async handlers.'));
      return;
    }
    this.#onLoopEmpty = () => this.#fail(invocation, new NodeJsExit());
    Promise.resolve(returned)
      .then((result) => {
        if (result !== undefined) console.warn('Streaming handlers ignore return values.');
        return response.done;
      })
      .then(
        () => this.#succeedRaw(invocation, response.body(), response.contentType()),
        (error) => this.#fail(invocation, error),
      );
  }

  #succeedRaw(invocation, bytes, contentType) {
    if (invocation !== this.#current) return;
    this.#post(this.#client.postResponse(invocation.id, bytes, contentType));
  }

  #succeedWhenLoopEmpty(invocation, result) {
    if (invocation !== this.#current) return;
    this.#onLoopEmpty = () => this.#succeed(invocation, result);
  }

  #succeed(invocation, result) {
    if (invocation !== this.#current) return;
    let json;
    try {
      json = JSON.stringify(result === undefined ? null : result) ?? 'null';
    } catch {
      this.#fail(invocation, new Error(STRINGIFY_FAILURE));
      return;
    }
    this.#post(this.#client.postResponse(invocation.id, json));
  }

  #fail(invocation, error) {
    if (invocation !== this.#current) return;
    logError('Invoke Error', error);
    this.#post(this.#client.postError(invocation.id, toErrorPayload(error)));
  }

  #post(request) {
    this.#current = null;
    this.#onLoopEmpty = null;
    this.#posting = request.then(this.#onPosted, this.#onApiFailure);
  }

  #onPosted = (answer) => {
    this.#posting = null;
    if (this.#phase !== 'ready') return;
    if (answer.status >= 500) {
      this.#die(`the Runtime API answered ${answer.status} ${answer.body.toString()}`);
      return;
    }
    // 413: the server has already failed the invocation as too large. Other 4xx (an invocation
    // the server reset meanwhile) concern that invocation only. Either way, carry on.
    if (answer.status !== 202 && answer.status !== 413) {
      logRuntimeProblem(`the Runtime API answered ${answer.status} ${answer.body.toString()}`);
    }
    this.#pollNext();
  };

  #onApiFailure = (error) => {
    this.#die(`the Runtime API is unreachable: ${error?.message ?? error}`);
  };

  #die(reason) {
    if (this.#phase === 'dying') return;
    this.#phase = 'dying';
    logRuntimeProblem(`${reason}; exiting`);
    process.exit(ExitCode.runtimeApiFailure);
  }
}
