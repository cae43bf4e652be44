"""The HTTP client a Cart.com run or connection test uses when none is injected.

Building an `httpx.Client` loads the CA bundle into a new TLS context: about 20 ms of CPU,
paid by every flow run — at thousands of runs a minute, the largest single cost of a run that
finds nothing new. One TLS context per process is built once and shared (an `SSLContext` is
safe to share between clients and threads); each run still gets its own client, so runs share
no cookies or connection state.

`ORDERHUB_CA_BUNDLE` names a PEM file of certificate authorities to trust besides the usual
ones (certifi's): the sandbox served with `--tls` prints its own, so tests and a developer can
run the connector's https path against it. It adds trust, it never turns verification off.
"""

from __future__ import annotations

import functools
import os
import ssl

import httpx

__all__ = ["CA_BUNDLE_ENV", "new_http_client"]


CA_BUNDLE_ENV = "ORDERHUB_CA_BUNDLE"


@functools.cache
def _tls_context(extra_ca: str | None) -> ssl.SSLContext:
    context = httpx.create_ssl_context()
    if extra_ca:
        context.load_verify_locations(cafile=extra_ca)
    return context


def new_http_client(timeout: httpx.Timeout) -> httpx.Client:
    """A client that verifies certificates with the process's shared TLS context (plus the
    authorities in `ORDERHUB_CA_BUNDLE`, read when the client is made, not at import)."""
    extra = (os.environ.get(CA_BUNDLE_ENV) or "").strip() or None
    return httpx.Client(timeout=timeout, verify=_tls_context(extra))
