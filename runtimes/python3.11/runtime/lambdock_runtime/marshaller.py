"""JSON in and out as AWS's Python runtime does it: events decoded when they are JSON, results encoded
with Decimal written as the number it holds (AWS uses simplejson's raw JSON for that; here the stdlib
encoder writes a placeholder that is swapped for the number), NaN allowed, and non-ASCII escaped except
on python3.12 and later."""

import decimal
import json
import math
import os
import re

from .errors import FaultException

_UNESCAPED_RUNTIMES = {"AWS_Lambda_python3.12", "AWS_Lambda_python3.13", "AWS_Lambda_python3.14"}


class _Encoder(json.JSONEncoder):
    def __init__(self):
        ensure_ascii = os.environ.get("AWS_EXECUTION_ENV") not in _UNESCAPED_RUNTIMES
        super().__init__(ensure_ascii=ensure_ascii, allow_nan=True)
        self._nonce = os.urandom(8).hex()
        self._numbers = []

    def default(self, o):
        if isinstance(o, decimal.Decimal):
            if o.is_nan():
                return math.nan
            self._numbers.append(str(o))
            return "\0%s:%d\0" % (self._nonce, len(self._numbers) - 1)
        return super().default(o)

    def encode(self, o):
        text = super().encode(o)
        if not self._numbers:
            return text
        # The NUL is always escaped inside a JSON string, so only our own placeholders match.
        pattern = re.compile(r'"\\u0000%s:(\d+)\\u0000"' % self._nonce)
        return pattern.sub(lambda match: self._numbers[int(match.group(1))], text)


def to_json(obj):
    return _Encoder().encode(obj)


def unmarshal_request(body, content_type):
    if content_type != "application/json":
        return body
    if body == b"":
        return {}
    try:
        return json.loads(body)
    except Exception as error:
        raise FaultException(FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(error))


def marshal_response(response):
    """(body bytes, content type); bytes are passed through as application/unknown."""
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return to_json(response).encode("utf-8"), "application/json"
    except Exception as error:
        raise FaultException(FaultException.MARSHAL_ERROR, "Unable to marshal response: {}".format(error))
