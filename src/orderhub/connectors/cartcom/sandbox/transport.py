"""A synchronous httpx transport that calls the sandbox app in-process (no socket).

`httpx.ASGITransport` is async-only and Starlette's TestClient is deprecated with httpx, so
sync clients (the connector's `httpx.Client`) get this: each request runs the ASGI app on an
event loop of the transport's own, in a thread of its own. So it works from any thread, also
one whose event loop is running already (Playwright's sync API keeps one running in the main
thread), and it skips building a loop per request. Faults that need a real socket degrade
gracefully: a reset becomes `httpx.ReadError`.
"""

from __future__ import annotations

import asyncio
import threading

import httpx
from starlette.types import ASGIApp

__all__ = ["SandboxTransport"]


class SandboxTransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp, client: tuple[str, int] = ("127.0.0.1", 50000)) -> None:
        self._inner = httpx.ASGITransport(app=app, client=client)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def run() -> httpx.Response:
            response = await self._inner.handle_async_request(request)
            body = await response.aread()
            return httpx.Response(
                response.status_code, headers=response.headers, content=body, request=request
            )

        future = asyncio.run_coroutine_threadsafe(run(), self._running_loop())
        try:
            return future.result()
        except ConnectionResetError as exc:
            raise httpx.ReadError(str(exc), request=request) from exc

    def close(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            loop.close()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="sandbox-transport", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop
