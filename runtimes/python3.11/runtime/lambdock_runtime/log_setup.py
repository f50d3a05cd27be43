"""Logs as AWS's Python runtime writes them when it has no telemetry pipe: everything on stdout, the
`logging` module through a root handler formatted `[LEVEL]\t<UTC time>Z\t<request id>\t<message>`
(or one JSON object per record with AWS_LAMBDA_LOG_FORMAT=JSON), and a runtime-reported error as
`[ERROR] <type>: <message>` plus its traceback, its lines joined by \r so it stays one log event."""

import json
import logging
import os
import sys
import time
import traceback

from .marshaller import to_json

_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_TEXT_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
_NBSP = "\u00a0"
_RESERVED = {
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info", "exc_text",
    "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread", "threadName",
    "processName", "process", "aws_request_id", "tenant_id", "taskName",
}


class RequestState:
    """The invocation the logs belong to (None before the first)."""

    request_id = None
    tenant_id = None


class Unbuffered:
    """sys.stdout / sys.stderr wrapper that flushes on every write, as AWS's runtime installs."""

    def __init__(self, stream):
        self.stream = stream

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        self.stream.write(msg)
        self.stream.flush()

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


def is_json_format():
    value = os.environ.get("AWS_LAMBDA_LOG_FORMAT")
    return bool(value) and value.upper() == "JSON"


def _level_from_env():
    value = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    return {None: "", "TRACE": "DEBUG"}.get(value, value).upper()


class _StdoutHandler(logging.Handler):
    def emit(self, record):
        try:
            sys.stdout.write(self.format(record))
        except Exception:
            self.handleError(record)


class _RequestFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = RequestState.request_id or ""
        record.tenant_id = RequestState.tenant_id
        return True


def _standard_level(record):
    return min(50, max(0, record.levelno)) // 10 * 10


class JsonFormatter(logging.Formatter):
    def __init__(self):
        super().__init__(datefmt=_DATETIME_FORMAT)

    def format(self, record):
        record.levelno = _standard_level(record)
        record.levelname = logging.getLevelName(record.levelno)
        exc_info = record.exc_info
        result = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc_info[2]) if exc_info else None,
            "errorType": exc_info[0].__name__ if exc_info else None,
            "errorMessage": str(exc_info[1]) if exc_info else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": "%s:%s:%s" % (record.pathname, record.funcName, record.lineno) if exc_info else None,
        }
        if getattr(record, "tenant_id", None) is not None:
            result["tenantId"] = record.tenant_id
        result.update((k, v) for k, v in record.__dict__.items() if k not in _RESERVED and k not in result)
        result = {k: v for k, v in result.items() if v is not None}
        return json.dumps(result, ensure_ascii=False, default=str) + "\n"


def setup_logging():
    sys.stdout = Unbuffered(sys.stdout)
    sys.stderr = Unbuffered(sys.stderr)
    logging.Formatter.converter = time.gmtime
    handler = _StdoutHandler()
    if is_json_format():
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(_TEXT_FORMAT, "%Y-%m-%dT%H:%M:%S"))
    handler.addFilter(_RequestFilter())
    root = logging.getLogger()
    level = _level_from_env()
    if level in logging._nameToLevel:
        root.setLevel(level)
    root.addHandler(handler)


def _indent_with_nbsp(line):
    stripped = line.lstrip(" ")
    return _NBSP * (len(line) - len(stripped)) + stripped


def log_error(error):
    """Logs an error body (make_error's) the way AWS's runtime does, as one line on stdout."""
    if is_json_format():
        timestamp = time.strftime(_DATETIME_FORMAT, time.gmtime())
        lines = [to_json({"timestamp": timestamp, "log_level": "ERROR", **error})]
    else:
        description = "[ERROR]"
        if error.get("errorType"):
            description += " " + error["errorType"]
        if error.get("errorMessage"):
            if error.get("errorType"):
                description += ":"
            description += " " + error["errorMessage"]
        lines = [description]
        if error.get("stackTrace") is not None:
            lines.append("Traceback (most recent call last):")
            for element in error["stackTrace"]:
                if element == "":
                    lines.append("")
                else:
                    lines.extend(_indent_with_nbsp(line) for line in element.splitlines())
    sys.stdout.write("\r".join(lines) + "\n")
