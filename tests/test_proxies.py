"""Forwarding headers are believed from configured proxies only."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from orderhub.errors import UsageError
from orderhub.proxies import ForwardedHeadersMiddleware, TrustedProxies
from orderhub.settings import Settings


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    body = f"{scope['client'][0]} {scope['scheme']}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def seen(trusted: str, peer: str, headers: dict[str, str]) -> str:
    app = ForwardedHeadersMiddleware(echo, proxies=TrustedProxies.parse(trusted))

    async def call() -> str:
        transport = httpx.ASGITransport(app=app, client=(peer, 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            return (await client.get("/", headers=headers)).text

    return asyncio.run(call())


XFF = "X-Forwarded-For"
PROTO = "X-Forwarded-Proto"


@pytest.mark.parametrize(
    ("trusted", "peer", "headers", "expected"),
    [
        # Nobody is trusted by default, loopback included.
        ("", "127.0.0.1", {XFF: "203.0.113.9", PROTO: "https"}, "127.0.0.1 http"),
        ("10.0.0.5", "127.0.0.1", {XFF: "203.0.113.9", PROTO: "https"}, "127.0.0.1 http"),
        # A trusted proxy names the client and the scheme.
        ("10.0.0.5", "10.0.0.5", {XFF: "203.0.113.9", PROTO: "https"}, "203.0.113.9 https"),
        ("10.0.0.0/8", "10.2.3.4", {XFF: "203.0.113.9"}, "203.0.113.9 http"),
        ("::1", "::1", {XFF: "2001:db8::7"}, "2001:db8::7 http"),
        ("127.0.0.1", "::ffff:127.0.0.1", {XFF: "203.0.113.9"}, "203.0.113.9 http"),
        # What the client wrote in front of the proxy's own entry is not believed.
        ("10.0.0.5", "10.0.0.5", {XFF: "1.2.3.4, 203.0.113.9"}, "203.0.113.9 http"),
        # A chain of trusted proxies is walked back to the first untrusted hop.
        ("10.0.0.0/8", "10.0.0.5", {XFF: "203.0.113.9, 10.0.0.6"}, "203.0.113.9 http"),
        # Garbage from a confused proxy, or an odd scheme: keep what the socket said.
        ("10.0.0.5", "10.0.0.5", {XFF: "not-an-address", PROTO: "gopher"}, "10.0.0.5 http"),
    ],
)
def test_whose_forwarding_headers_are_believed(
    trusted: str, peer: str, headers: dict[str, str], expected: str
) -> None:
    assert seen(trusted, peer, headers) == expected


def test_the_setting_is_read_and_checked(tmp_path: Path) -> None:
    home = {"ORDERHUB_HOME": str(tmp_path)}
    settings = Settings.from_env({**home, "ORDERHUB_TRUSTED_PROXIES": " 10.0.0.5, 10.1.0.0/16 ,"})
    assert "10.1.2.3" in settings.trusted_proxies
    assert "10.0.0.6" not in settings.trusted_proxies
    assert not Settings.from_env(home).trusted_proxies
    with pytest.raises(UsageError, match=r"'lb\.internal' is not an IP address"):
        Settings.from_env({**home, "ORDERHUB_TRUSTED_PROXIES": "lb.internal"})
