"""Past its in-flight limit the web app answers 503 with Retry-After at once, not later."""

from __future__ import annotations

import asyncio

import httpx
from starlette.types import Receive, Scope, Send

from orderhub.load_shedding import LoadShedding


class _Slow:
    """An app whose requests finish only when the test says so."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.entered += 1
        if scope["path"] != "/healthz":
            await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def test_requests_past_the_limit_get_503_with_retry_after_and_health_checks_pass() -> None:
    async def scenario() -> None:
        slow = _Slow()
        app = LoadShedding(slow, limit=2)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            admitted = [asyncio.create_task(client.get("/api/v3/orders")) for _ in range(2)]
            while slow.entered < 2:
                await asyncio.sleep(0)
            refused = await client.get("/api/v3/orders")
            health = await client.get("/healthz")
            slow.release.set()
            answers = await asyncio.gather(*admitted)
            after = await client.get("/api/v3/orders")
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.json() == {
            "success": False,
            "code": 503,
            "message": "The hub is busy; retry in a moment",
        }
        assert health.status_code == 200
        assert [a.status_code for a in answers] == [200, 200]
        assert after.status_code == 200  # the slots were given back
        assert (app.shed, app.in_flight) == (1, 0)

    asyncio.run(scenario())
