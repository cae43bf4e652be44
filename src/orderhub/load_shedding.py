"""Past capacity, answer 503 at once rather than queue for seconds or drop connections.

A process can only work on so many requests at a time; without a bound, every request
beyond that waits in a queue (the thread pool's, then the socket's) that grows for as long
as the overload lasts, until clients time out or the kernel resets connections. This
middleware keeps at most `limit` requests in flight in the process and answers the next one
`503 Service Unavailable` with `Retry-After` before doing any work for it: the requests it
admits keep a short wait, and a client (or a load balancer) knows to come back.

Health checks (`/healthz`, `/readyz`) and `/metrics` are always admitted, so a busy server is
not taken for a dead one. Nothing here blocks: the count is kept on the event loop.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["LoadShedding"]

_ALWAYS = frozenset({"/healthz", "/readyz", "/metrics"})
_BODY = b'{"success":false,"code":503,"message":"The hub is busy; retry in a moment"}'


class LoadShedding:
    """At most `limit` requests in flight (`ORDERHUB_MAX_IN_FLIGHT`, 32 by default: most
    take a few milliseconds of CPU, so the last one admitted waits about 32 x 3 ms)."""

    def __init__(self, app: ASGIApp, *, limit: int, retry_after_seconds: int = 1) -> None:
        if limit < 1:
            raise ValueError("the in-flight limit must be at least 1")
        self.app = app
        self.limit = limit
        self.retry_after = str(retry_after_seconds).encode()
        self.in_flight = 0
        self.shed = 0
        """Requests answered 503 since the start (for tests and metrics)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in _ALWAYS:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            self.shed += 1
            await _busy(send, self.retry_after)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


async def _busy(send: Send, retry_after: bytes) -> None:
    start: Message = {
        "type": "http.response.start",
        "status": 503,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(_BODY)).encode()),
            (b"retry-after", retry_after),
            (b"cache-control", b"no-store"),
        ],
    }
    await send(start)
    await send({"type": "http.response.body", "body": _BODY})
