"""Serve a sandbox over real HTTP with uvicorn: in a background thread, or blocking (CLI)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .sandbox import Sandbox

if TYPE_CHECKING:
    from .tls import TlsFiles

__all__ = ["SandboxServer", "TransportAwareH11", "run_sandbox", "serve_sandbox"]


class TransportAwareH11(H11Protocol):
    """h11 protocol that hands the app its TCP transport, so a fault can reset the connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        inner = self.app

        async def app(scope: Any, receive: Any, send: Any) -> None:
            scope.setdefault("extensions", {})["orderhub.transport"] = transport
            await inner(scope, receive, send)

        self.app = app


def _config(sb: Sandbox, host: str, port: int, tls: TlsFiles | None = None) -> uvicorn.Config:
    return uvicorn.Config(
        sb.app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="off",
        http=TransportAwareH11,
        access_log=False,
        ssl_certfile=str(tls.cert) if tls is not None else None,
        ssl_keyfile=str(tls.key) if tls is not None else None,
    )


class SandboxServer:
    """A running server; `url` is the store URL as a merchant would type it."""

    def __init__(self, sb: Sandbox, host: str, port: int, tls: TlsFiles | None = None) -> None:
        self.sandbox = sb
        self.host = host
        self.tls = tls
        self._server = uvicorn.Server(_config(sb, host, port, tls))
        self._thread = threading.Thread(
            target=self._server.run, name="cartcom-sandbox", daemon=True
        )
        self.port = port

    @property
    def url(self) -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.url + "/api/v1/"

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.01)
        servers = getattr(self._server, "servers", [])
        for server in servers:
            for sock in server.sockets:
                self.port = int(sock.getsockname()[1])
                return

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@contextmanager
def serve_sandbox(
    sb: Sandbox, host: str = "127.0.0.1", port: int = 0, tls: TlsFiles | None = None
) -> Iterator[SandboxServer]:
    """Serve `sb` in a background thread (port 0: a free port) for the `with` block; over
    HTTPS with `tls` (`make_tls_files`)."""
    server = SandboxServer(sb, host, port, tls)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def run_sandbox(sb: Sandbox, host: str, port: int, tls: TlsFiles | None = None) -> None:
    """Serve in the foreground until Ctrl-C / SIGTERM (uvicorn handles the signals)."""
    uvicorn.Server(_config(sb, host, port, tls)).run()
