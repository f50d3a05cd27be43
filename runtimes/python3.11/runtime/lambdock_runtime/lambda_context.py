"""The `context` a handler receives, with the attributes of AWS's LambdaContext."""

import json
import os
import sys
import time

from .errors import FaultException


class LambdaContext:
    def __init__(self, request_id, client_context, cognito_identity, deadline_ms, invoked_function_arn, tenant_id):
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self.client_context = _from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _from_dict(Client, self.client_context.client)
        self.identity = _from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        remaining = self._deadline_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        fields = (
            "aws_request_id", "log_group_name", "log_stream_name", "function_name", "memory_limit_in_mb",
            "function_version", "invoked_function_arn", "client_context", "identity", "tenant_id",
        )
        return "%s([%s])" % (type(self).__name__, ",".join("%s=%s" % (f, getattr(self, f)) for f in fields))


class _Slots:
    __slots__ = ()

    def __repr__(self):
        return "%s([%s])" % (type(self).__name__, ",".join("%s=%s" % (f, getattr(self, f)) for f in self.__slots__))


class CognitoIdentity(_Slots):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]


class Client(_Slots):
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]


class ClientContext(_Slots):
    __slots__ = ["custom", "env", "client"]


def _from_dict(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field))
    return obj


def parse_json_header(value, name):
    if not value:
        return None
    try:
        return json.loads(value)
    except Exception as error:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR, "Unable to parse {} JSON: {}".format(name, error)
        )


def create_context(invocation):
    return LambdaContext(
        invocation.request_id,
        parse_json_header(invocation.client_context, "Client Context"),
        parse_json_header(invocation.cognito_identity, "Cognito Identity"),
        invocation.deadline_ms,
        invocation.invoked_function_arn,
        invocation.tenant_id,
    )


