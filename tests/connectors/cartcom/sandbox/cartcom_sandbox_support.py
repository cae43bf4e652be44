"""Helpers for the Cart.com sandbox tests (imported by conftest and the tests)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from orderhub.clock import FakeClock
from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, SandboxTransport

START = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)  # DST in US Central began 2026-03-08


def make_sandbox(**overrides: object) -> Sandbox:
    clock = overrides.pop("clock", None) or FakeClock(START)
    config = SandboxConfig(
        seed=7, orders=300, products=40, plan="unlimited", clock=clock, cache_ttl_seconds=0
    )
    for key, value in overrides.items():
        setattr(config, key, value)
    return Sandbox(config)


def client_for(sb: Sandbox, token: str | None = None, **headers: str) -> httpx.Client:
    base = {"X-AC-Auth-Token": token if token is not None else sb.full_token, **headers}
    return httpx.Client(
        transport=SandboxTransport(sb.app), base_url="http://store.test/api/v1/", headers=base
    )


def all_records(client: httpx.Client, resource: str, **params: str) -> list[dict[str, object]]:
    """Every record of a list, walking pages by number."""
    out: list[dict[str, object]] = []
    page = 1
    while True:
        response = client.get(resource, params={**params, "count": "250", "page": str(page)})
        assert response.status_code == 200, response.text
        body = response.json()
        out.extend(body[resource])
        if "next_page" not in body:
            return out
        page += 1
