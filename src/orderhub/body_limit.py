"""A cap on request bodies that never holds more than the cap (`ORDERHUB_MAX_BODY_BYTES`).

Starlette and FastAPI read a whole body into memory before a handler or a validator sees it,
so without a cap any client can make the hub hold hundreds of megabytes. A body declared
larger than the cap (`Content-Length`) is answered 413 before a byte of it is read. A body of
unknown length (chunked) is counted as the app reads it, and the read that passes the cap
raises `BodyTooLarge` (an HTTP 413 error): the app's own handler for HTTP errors answers it,
so the API answers with its error envelope, or this middleware does if nothing did.

Starlette 1.10 and FastAPI 0.165 have a `max_body_size` of their own, but it answers in plain
text, and FastAPI's sits outside the app's middleware, so it would answer 413 where the API
must first answer 401 to a client without a key (`orderhub.api.gate`).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimitMiddleware", "BodyTooLarge", "describe_size", "too_large_message"]

Respond = Callable[[str], Response]
"""Builds the 413 response from its one-line message (the API: its JSON envelope)."""


class BodyTooLarge(HTTPException):
    """The request body passed the cap while it was being read."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=too_large_message(limit))


def too_large_message(limit: int) -> str:
    return f"The request body is larger than the {describe_size(limit)} this hub accepts"


def describe_size(size: int) -> str:
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} bytes"


class BodyLimitMiddleware:
    """Answers 413 to a body over `max_bytes`; `respond` builds the answer from its message."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, respond: Respond) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.respond = respond

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self.respond(too_large_message(self.max_bytes))(scope, receive, send)
            return

        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge as problem:
            if started:
                raise
            await self.respond(str(problem.detail))(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    # A malformed value never gets here (the server refuses the request); None: chunked.
    value = Headers(scope=scope).get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
