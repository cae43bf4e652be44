"""The HTTP face of the sandbox: `/api/v1/…` like a Cart.com store, `/_sandbox/…` for tests.

Each API call goes through, in order: call log, fault pick, auth (401), rate limit (429),
scope (403), the GET cache, the handler; every answer carries `X-AC-Call-Limit`. The API part
is a plain ASGI callable so injected faults can cut a response short or drop the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
from typing import TYPE_CHECKING, Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

from .cache import CachedResponse
from .calls import endpoint_template
from .control import control_routes
from .errors import ApiError, envelope
from .handlers import handle
from .poison import answer_ids, keys_only, request_ids
from .retry_after import retry_after_headers
from .timefmt import format_http_date

if TYPE_CHECKING:
    from .parts import SandboxParts

__all__ = ["build_app"]

API_PREFIX = "/api/v1"
_log = logging.getLogger(__name__)


def _json(data: Any) -> bytes:
    # orjson: a 100-order expanded page is ~0.6 MB, and encoding it with the standard library
    # took half the sandbox's time per page.
    return orjson.dumps(data)


class ApiApp:
    """The Cart.com API under /api/v1 (a raw ASGI app)."""

    def __init__(self, sandbox: SandboxParts) -> None:
        self.sb = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        method = request.method.upper()
        path = scope.get("path", "")
        sub = path[len(API_PREFIX) :] if path.startswith(API_PREFIX) else path
        endpoint = endpoint_template(method, sub)
        sb = self.sb
        sb.call_log.record(endpoint)
        raw = await request.body()
        fault = sb.faults.pick(endpoint) or sb.faults.poisoned(
            endpoint, request_ids(sub, request.query_params.multi_items(), raw)
        )
        headers: dict[str, str] = {}
        status, body = await self._answer(request, method, sub, raw, endpoint, fault, headers)
        sb.call_log.answered(status)
        if fault == "slow":
            await asyncio.sleep(sb.faults.slow_seconds)
        await self._send(scope, send, status, body, headers, fault)
        if status == 200 and method == "GET" and endpoint == "GET /orders":
            sb.realism.after_orders_page()

    async def _answer(
        self,
        request: Request,
        method: str,
        sub: str,
        raw: bytes,
        endpoint: str,
        fault: str | None,
        headers: dict[str, str],
    ) -> tuple[int, bytes]:
        sb = self.sb
        token = request.headers.get("x-ac-auth-token")
        try:
            scopes = sb.tokens.scopes(token)
        except ApiError as exc:
            headers["X-AC-Call-Limit"] = sb.limiter.peek().header
            return exc.status, _json(envelope(exc.status, exc.details))
        decision = sb.limiter.take()
        headers["X-AC-Call-Limit"] = decision.header
        if not decision.allowed or fault == "429":
            headers.update(retry_after_headers(sb, max(1, decision.retry_after)))
            return 429, _json(
                envelope(429, "API call limit exceeded; retry after the window resets")
            )
        if fault == "500":
            return _server_error()
        assert token is not None
        url = str(request.url)
        no_cache = "no-cache" in request.headers.get("cache-control", "").lower()
        if method == "GET":
            cached = sb.cache.get(token, url)
            if cached is not None and not no_cache:
                self._cache_headers(headers, cached.stored_ms, sb.cache.remaining(cached))
                return cached.status, cached.body
        try:
            status, data = handle(sb, request, method, sub, raw, scopes)
        except ApiError as exc:
            headers.update(exc.headers)
            return exc.status, _json(envelope(exc.status, exc.details))
        except Exception:  # a sandbox bug: still Cart.com's JSON envelope, never a bare 500
            _log.exception("sandbox: %s %s failed", method, endpoint)
            return 500, _json(envelope(500, "The request could not be processed"))
        query = request.query_params.multi_items()
        if (
            method == "GET"
            and not keys_only(query)
            and sb.faults.poisoned(endpoint, answer_ids(data))
        ):
            return _server_error()  # a list holding a poisoned record fails as a whole
        body = b"" if data is None else _json(data)
        if method == "GET" and status == 200:
            now_ms = sb.store.now_ms()
            sb.cache.put(token, url, CachedResponse(body, status, sb.clock.monotonic(), now_ms))
            self._cache_headers(headers, now_ms, sb.cache.ttl)
        else:
            headers["Cache-Control"] = "no-cache"
        return status, body

    def _cache_headers(self, headers: dict[str, str], stored_ms: int, remaining: float) -> None:
        seconds = int(remaining)
        headers["Cache-Control"] = f"private, max-age={seconds}"
        headers["Last-Modified"] = format_http_date(stored_ms)
        headers["Expires"] = format_http_date(self.sb.store.now_ms() + seconds * 1000)

    async def _send(
        self,
        scope: Scope,
        send: Send,
        status: int,
        body: bytes,
        headers: dict[str, str],
        fault: str | None,
    ) -> None:
        if fault == "reset":
            if _abort(scope):
                return
            raise ConnectionResetError("sandbox fault: connection reset")
        if fault == "malformed" and body:
            body = body[: max(1, len(body) // 2)] + b"<html><body>Service Unavailable"
        raw_headers = [(b"content-type", b"application/json; charset=utf-8")]
        raw_headers += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        if status == 204:
            body = b""
        raw_headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        if fault == "truncated" and len(body) > 1:
            await send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
            if _abort(scope):
                return
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await send({"type": "http.response.body", "body": body, "more_body": False})


def _server_error() -> tuple[int, bytes]:
    return 500, _json(
        envelope(
            500,
            "Orders Class - Base GET failed - CommandText: "
            "Orders_Select - Status: Err - Transaction (Process "
            "ID 61) was deadlocked on lock resources",
        )
    )


def _abort(scope: Scope) -> bool:
    """Drop the TCP connection with a RST when served by `serve_sandbox` (else False)."""
    transport = scope.get("extensions", {}).get("orderhub.transport")
    if transport is None:
        return False
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    return True


def build_app(sandbox: SandboxParts) -> Starlette:
    return Starlette(routes=[*control_routes(sandbox), Mount(API_PREFIX, app=ApiApp(sandbox))])
