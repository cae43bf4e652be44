"""Many sandbox stores behind one uvicorn server: one event loop, one listening socket per store.

A store is told apart by the local address a connection came in on (ASGI `scope["server"]`),
so each keeps its own URL, token, data, call budget and call log, exactly as if it ran alone.
Addresses are either consecutive ports on one host (`port+i`) or, for hundreds of stores,
consecutive loopback addresses on one port (`127.0.0.1+i`; Linux routes all of 127.0.0.0/8
to the loopback interface). One server instead of one per store keeps a process of 1,000
stores at one thread and one event loop rather than 1,000 of each.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from .server import TransportAwareH11

if TYPE_CHECKING:
    from .sandbox import Sandbox
    from .tls import TlsFiles

__all__ = [
    "Address",
    "StoreRouter",
    "StoresInUseError",
    "consecutive_hosts",
    "consecutive_ports",
    "serve_stores",
]

Address = tuple[str, int]


def consecutive_ports(host: str, port: int, count: int) -> list[Address]:
    """Store i at `host:port+i`."""
    return [(host, port + i) for i in range(count)]


def consecutive_hosts(host: str, port: int, count: int) -> list[Address]:
    """Store i at `host+i:port` (host an IPv4 loopback address, e.g. 127.0.0.1 -> 127.0.0.2 …)."""
    first = ipaddress.IPv4Address(host)
    last = first + (count - 1)
    if not (first.is_loopback and last.is_loopback):
        raise ValueError(f"{host} + {count - 1} leaves the loopback range 127.0.0.0/8")
    return [(str(first + i), port) for i in range(count)]


class StoreRouter:
    """ASGI app that hands each request to the store listening on the address it reached."""

    def __init__(self, apps: dict[Address, ASGIApp]) -> None:
        self.apps = apps

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server")
        app = self.apps.get((str(server[0]), int(server[1]))) if server else None
        if app is None:  # pragma: no cover - every socket is bound to a known store
            if scope["type"] == "http":
                await send({"type": "http.response.start", "status": 404, "headers": []})
                await send({"type": "http.response.body", "body": b""})
            return
        await app(scope, receive, send)


class StoresInUseError(RuntimeError):
    """An address was taken; `address` names it."""

    def __init__(self, address: Address) -> None:
        super().__init__(f"{address[0]}:{address[1]} is in use")
        self.address = address


def _bind(addresses: Sequence[Address]) -> list[socket.socket]:
    sockets: list[socket.socket] = []
    try:
        for address in addresses:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(address)
            except OSError as exc:
                raise StoresInUseError(address) from exc
            sock.listen(2048)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


@contextmanager
def serve_stores(
    sandboxes: Sequence[Sandbox],
    addresses: Sequence[Address],
    *,
    timeout: float = 30.0,
    tls: TlsFiles | None = None,
) -> Iterator[None]:
    """Serve store i at `addresses[i]` from one server on a background thread, for the block;
    HTTPS with `tls` (`make_tls_files`).

    Raises `StoresInUseError` (naming the address) if one cannot be bound; nothing is left
    listening then.
    """
    if len(sandboxes) != len(addresses):
        raise ValueError("one address per store")
    sockets = _bind(addresses)
    router = StoreRouter({addr: sb.app for addr, sb in zip(addresses, sandboxes, strict=True)})
    config = uvicorn.Config(
        router,
        log_level="warning",
        lifespan="off",
        http=TransportAwareH11,
        access_log=False,
        backlog=2048,
        ssl_certfile=str(tls.cert) if tls is not None else None,
        ssl_keyfile=str(tls.key) if tls is not None else None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": sockets}, name="cartcom-sandboxes", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.01)
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        for sock in sockets:
            sock.close()
