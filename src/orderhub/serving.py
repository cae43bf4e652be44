"""Serve an ASGI app with uvicorn on a background thread (demo, tests), and stop it cleanly."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

from orderhub.errors import UsageError

__all__ = ["ServedApp", "serve_in_thread"]


@dataclass(frozen=True)
class ServedApp:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextmanager
def serve_in_thread(app: Any, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[ServedApp]:
    """Bind first (so a busy port is a clear error, and port 0 picks a free one), then serve."""
    # IPPROTO_TCP spelled out: asyncio only disables Nagle on sockets that say they are TCP,
    # and without it every small keep-alive response waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as problem:
        sock.close()
        raise UsageError(
            f"Cannot listen on {host}:{port}: {problem.strerror}; choose another port"
        ) from None
    bound_port = sock.getsockname()[1]
    # proxy_headers off: uvicorn would believe X-Forwarded-For from any loopback peer
    # (FORWARDED_ALLOW_IPS); the hub's app decides whom to believe (`orderhub.proxies`).
    # log_config None: uvicorn's records go to the root logger (`orderhub.logs` formats them).
    config = uvicorn.Config(
        app,
        log_level="warning",
        log_config=None,
        access_log=False,
        lifespan="off",
        proxy_headers=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield ServedApp(host, bound_port)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
