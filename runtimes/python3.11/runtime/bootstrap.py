"""lambdock's python3.11 runtime: the process /var/runtime/bootstrap starts in every function container.
It imports the handler named by _HANDLER (`module.function`, `pkg/mod.function` for nested packages) with
LAMBDA_TASK_ROOT and /opt/python first on sys.path, then speaks the Lambda Runtime API at
AWS_LAMBDA_RUNTIME_API the way AWS's Python runtime (awslambdaric) does: results JSON-encoded, exceptions
posted as {errorMessage, errorType, requestId, stackTrace}, init failures to /init/error.

The handler is called from this file: AWS's runtime drops the leading frames of a traceback whose file
is a `/bootstrap.py`, and so does this one. Exit codes: 1 after an init failure (reported first) or when
the Runtime API is unreachable or fails."""

import http.client
import importlib
import logging
import os
import sys
import traceback

from lambdock_runtime import endpoint_url
from lambdock_runtime.errors import UNHANDLED_EXCEPTION_WARNING, FaultException, make_error
from lambdock_runtime.lambda_context import create_context
from lambdock_runtime.log_setup import RequestState, log_error, setup_logging
from lambdock_runtime.marshaller import marshal_response, unmarshal_request
from lambdock_runtime.runtime_api_client import RuntimeApiClient, RuntimeApiError

RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))


def set_sys_path():
    """/var/task, then the layers' /opt/python folders, the interpreter's own path, /var/runtime last."""
    task_root = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
    version = "python%d.%d" % sys.version_info[:2]
    first = [task_root, "/opt/python/lib/%s/site-packages" % version, "/opt/python"]
    rest = [p for p in sys.path if p not in first and p not in ("", RUNTIME_DIR)]
    sys.path[:] = first + rest + [RUNTIME_DIR]


def get_handler(handler):
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as error:
        raise FaultException(FaultException.MALFORMED_HANDLER_NAME, "Bad handler '{}': {}".format(handler, error))
    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module {} as a handler module".format(module_name),
            )
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR, "Unable to import module '{}': {}".format(module_name, error)
        )
    except SyntaxError as error:
        trace = ['  File "%s" Line %s\n    %s' % (error.filename, error.lineno, error.text)]
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR, "Syntax error in module '{}': {}".format(module_name, error), trace
        )
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND, "Handler '{}' missing on module '{}'".format(function_name, module_name)
        )


def user_frames(tb):
    """The traceback as format_list strings, without the runtime's own leading frames."""
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for index, frame in enumerate(frames):
        if "/bootstrap.py" not in frame[0]:
            frames = frames[index:]
            break
    return traceback.format_list(frames)


def error_from_exception(request_id=None):
    error_type, value, tb = sys.exc_info()
    return make_error(str(value), error_type.__name__, user_frames(tb), request_id)


def handle_invocation(client, handler, invocation):
    request_id = invocation.request_id
    try:
        context = create_context(invocation)
        event = unmarshal_request(invocation.body, invocation.content_type)
        result = handler(event, context)
        body, content_type = marshal_response(result)
    except FaultException as fault:
        error = make_error(fault.msg, fault.exception_type, fault.trace, request_id)
    except Exception:
        error = error_from_exception(request_id)
    else:
        check_posted(client.post_response(request_id, body, content_type))
        return
    log_error(error)
    check_posted(client.post_error(request_id, error))


def check_posted(answer):
    """5xx: the Runtime API is broken, give up. 413 (result too large) and other 4xx concern that one
    invocation, which the server has already settled: carry on."""
    status, _headers, body = answer
    if status >= 500:
        raise RuntimeApiError("the Runtime API answered %d %s" % (status, body[:200].decode("utf-8", "replace")))
    if status not in (202, 413):
        runtime_problem("the Runtime API answered %d %s" % (status, body[:200].decode("utf-8", "replace")))


def set_trace_id(trace_id):
    if trace_id is not None:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)


def runtime_problem(message):
    """Runtime diagnostics that are not the function's own logs go to stderr, unformatted."""
    sys.stderr.write("lambdock python3.11 runtime: %s\n" % message)


def init(client):
    """Imports the handler; on failure reports it to /init/error and exits 1."""
    try:
        return get_handler(os.environ.get("_HANDLER", ""))
    except FaultException as fault:
        error = make_error(fault.msg, fault.exception_type, fault.trace)
    except Exception:
        error = error_from_exception()
    logging.warning(UNHANDLED_EXCEPTION_WARNING)
    log_error(error)
    try:
        client.post_init_error(error)
    except Exception as failure:
        runtime_problem("cannot report the init error: %s" % failure)
    sys.exit(1)


def main():
    setup_logging()
    try:
        client = RuntimeApiClient(os.environ.get("AWS_LAMBDA_RUNTIME_API", ""))
    except RuntimeApiError as error:
        runtime_problem(str(error))
        sys.exit(1)
    set_sys_path()
    endpoint_url.install()
    handler = init(client)
    try:
        while True:
            invocation = client.next()
            RequestState.request_id = invocation.request_id
            RequestState.tenant_id = invocation.tenant_id
            set_trace_id(invocation.trace_id)
            handle_invocation(client, handler, invocation)
    except RuntimeApiError as error:
        runtime_problem("%s; exiting" % error)
        sys.exit(1)
    except (OSError, http.client.HTTPException) as error:
        runtime_problem("the Runtime API is unreachable: %s; exiting" % error)
        sys.exit(1)


if __name__ == "__main__":
    main()
