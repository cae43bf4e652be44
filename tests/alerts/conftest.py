"""Fixtures of the alert suites: a real HTTP receiver on loopback for the signed webhook."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from orderhub.serving import serve_in_thread


@dataclass
class Receiver:
    url: str
    received: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found: list[tuple[bytes, dict[str, str]]] = []

    async def hook(request: Request) -> Response:
        found.append((await request.body(), dict(request.headers)))
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/orderhub-alerts", hook, methods=["POST"])])
    with serve_in_thread(app) as served:
        yield Receiver(f"{served.url}/orderhub-alerts", found)
