"""The HTTP client a Cart.com run or connection test uses when none is injected.

Building an `httpx.Client` loads the CA bundle into a new TLS context: about 20 ms of CPU,
paid by every flow run — at thousands of runs a minute, the largest single cost of a run that
finds nothing new. One TLS context per process is built once and shared (an `SSLContext` is
safe to share between clients and threads); each run still gets its own client, so runs share
no cookies or connection state.
"""

from __future__ import annotations

import functools
import ssl

import httpx

__all__ = ["new_http_client"]


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def new_http_client(timeout: httpx.Timeout) -> httpx.Client:
    """A client that verifies certificates with the process's shared TLS context."""
    return httpx.Client(timeout=timeout, verify=_tls_context())
