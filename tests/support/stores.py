"""Sandbox Cart.com stores served on loopback, shared by the e2e, API and portal suites."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, serve_sandbox

__all__ = ["StartStore", "Store", "serving_stores"]


@dataclass
class Store:
    """A sandbox Cart.com store served on loopback."""

    sandbox: Sandbox
    url: str

    @property
    def token(self) -> str:
        return self.sandbox.full_token


StartStore = Callable[..., Store]


def serving_stores() -> Iterator[StartStore]:
    """Yield a function that starts stores (SandboxConfig keywords); all stop afterwards.

    The stores run on the `unlimited` plan unless the test names one: the sandbox's own default
    is a real plan (steel), which a suite that only needs data would spend its time waiting on.
    """
    with ExitStack() as stack:

        def start(**config: Any) -> Store:
            config.setdefault("plan", "unlimited")
            sandbox = Sandbox(SandboxConfig(**config))
            server = stack.enter_context(serve_sandbox(sandbox, host="127.0.0.1", port=0))
            return Store(sandbox=sandbox, url=server.url)

        yield start
