"""A synchronous httpx transport that calls the sandbox app in-process (no socket).

`httpx.ASGITransport` is async-only and Starlette's TestClient is deprecated with httpx, so
sync clients (the connector's `httpx.Client`) get this: each request runs the ASGI app on a
private event loop. Faults that need a real socket degrade gracefully: a reset becomes
`httpx.ReadError`.
"""

from __future__ import annotations

import asyncio

import httpx
from starlette.types import ASGIApp

__all__ = ["SandboxTransport"]


class SandboxTransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp, client: tuple[str, int] = ("127.0.0.1", 50000)) -> None:
        self._inner = httpx.ASGITransport(app=app, client=client)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def run() -> httpx.Response:
            response = await self._inner.handle_async_request(request)
            body = await response.aread()
            return httpx.Response(
                response.status_code, headers=response.headers, content=body, request=request
            )

        try:
            return asyncio.run(run())
        except ConnectionResetError as exc:
            raise httpx.ReadError(str(exc), request=request) from exc
