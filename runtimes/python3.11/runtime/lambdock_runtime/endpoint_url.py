"""AWS_ENDPOINT_URL for the boto3 this image carries.

boto3 1.28.57 (botocore 1.31.57) and later read AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> by
themselves, and lambdock sets AWS_ENDPOINT_URL in every environment so that a function's SDK reaches
lambdock. The offline python3.11 image carries Debian's boto3 1.26, which predates that: this gives it the
same behaviour. Nothing is imported at start: an import hook patches botocore.session when (and if) the
function imports it, and only an older botocore is patched.
"""

import importlib.abc
import importlib.util
import os
import sys

FIRST_WITH_ENDPOINT_URL = (1, 31, 57)


def _version(text):
    parts = []
    for part in text.split(".")[:3]:
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def _endpoint_for(service_name):
    specific = os.environ.get("AWS_ENDPOINT_URL_" + service_name.upper().replace("-", "_").replace(" ", "_"))
    return specific or os.environ.get("AWS_ENDPOINT_URL") or None


def _patch(session_module):
    import botocore

    if _version(botocore.__version__) >= FIRST_WITH_ENDPOINT_URL:
        return
    original = session_module.Session.create_client

    def create_client(self, service_name, *args, **kwargs):
        # endpoint_url is create_client's sixth parameter (after region_name, api_version, use_ssl, verify).
        if len(args) < 5 and kwargs.get("endpoint_url") is None:
            endpoint = _endpoint_for(service_name)
            if endpoint is not None:
                kwargs["endpoint_url"] = endpoint
        return original(self, service_name, *args, **kwargs)

    session_module.Session.create_client = create_client


class _Loader(importlib.abc.Loader):
    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        _patch(module)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != "botocore.session":
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _Loader(spec.loader)
        return spec


def install():
    """Patches botocore when it is imported, if AWS_ENDPOINT_URL is set (once per process)."""
    if os.environ.get("AWS_ENDPOINT_URL") and not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
