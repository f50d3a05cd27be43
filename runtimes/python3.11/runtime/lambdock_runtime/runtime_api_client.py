"""HTTP client for the Lambda Runtime API (2018-06-01) on one keep-alive connection. No call has a
timeout: the sandbox may be frozen (docker pause) for minutes while /next waits for work."""

import http.client
from urllib.parse import quote

from .marshaller import to_json

_BASE = "/2018-06-01/runtime"
_ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
# The server most likely never saw a request that fails like this on a reused connection.
_STALE_CONNECTION_ERRORS = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class RuntimeApiError(Exception):
    pass


class Invocation:
    def __init__(self, headers, body):
        self.request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.trace_id = headers.get("Lambda-Runtime-Trace-Id")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self.client_context = headers.get("Lambda-Runtime-Client-Context")
        self.cognito_identity = headers.get("Lambda-Runtime-Cognito-Identity")
        self.tenant_id = headers.get("Lambda-Runtime-Aws-Tenant-Id")
        self.content_type = headers.get("Content-Type")
        try:
            self.deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
        except ValueError:
            self.deadline_ms = 0
        self.body = body


class RuntimeApiClient:
    def __init__(self, address):
        host, separator, port = address.rpartition(":")
        if not separator or not host or not port.isdigit() or int(port) <= 0:
            raise RuntimeApiError('AWS_LAMBDA_RUNTIME_API is not host:port: "%s"' % address)
        self._host = host.strip("[]")
        self._port = int(port)
        self._connection = None
        self._used = False

    def next(self):
        """The next invocation (long poll)."""
        status, headers, body = self._send("GET", _BASE + "/invocation/next")
        invocation = Invocation(headers, body)
        if status != 200 or not invocation.request_id:
            raise RuntimeApiError("GET /invocation/next answered %d %s" % (status, body[:200].decode("utf-8", "replace")))
        return invocation

    def post_response(self, request_id, body, content_type):
        return self._send("POST", "%s/invocation/%s/response" % (_BASE, quote(request_id, safe="")), body, {"Content-Type": content_type})

    def post_error(self, request_id, error):
        return self._post_error("%s/invocation/%s/error" % (_BASE, quote(request_id, safe="")), error)

    def post_init_error(self, error):
        return self._post_error(_BASE + "/init/error", error)

    def _post_error(self, path, error):
        body = to_json(error).encode("utf-8")
        headers = {"Content-Type": "application/json", _ERROR_TYPE_HEADER: _header_safe(error.get("errorType", ""))}
        return self._send("POST", path, body, headers)

    def _send(self, method, path, body=None, headers=None, is_retry=False):
        if self._connection is None:
            self._connection = http.client.HTTPConnection(self._host, self._port)
            self._used = False
        reused = self._used
        try:
            self._connection.request(method, path, body=body, headers=headers or {})
            response = self._connection.getresponse()
            data = response.read()
        except _STALE_CONNECTION_ERRORS:
            self._close()
            if reused and not is_retry:
                return self._send(method, path, body, headers, True)
            raise
        except Exception:
            self._close()
            raise
        self._used = True
        if response.will_close:
            self._close()
        return response.status, response.headers, data

    def _close(self):
        if self._connection is not None:
            self._connection.close()
        self._connection = None


def _header_safe(value):
    return "".join(ch for ch in str(value) if ch == "\t" or " " <= ch <= "~")


