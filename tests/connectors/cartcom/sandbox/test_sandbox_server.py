"""Over a real loopback socket: serve_sandbox, page links, connection-level faults."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from cartcom_sandbox_support import make_sandbox

from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxServer, serve_sandbox


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Sandbox, SandboxServer]]:
    sb = make_sandbox(orders=120)
    with serve_sandbox(sb) as server:
        yield sb, server


def test_served_api_answers_with_absolute_page_links(served: tuple[Sandbox, SandboxServer]) -> None:
    sb, server = served
    assert server.url.startswith("http://127.0.0.1:")
    assert server.port > 0
    headers = {"X-AC-Auth-Token": sb.full_token, "Cache-Control": "no-cache"}
    with httpx.Client(headers=headers, timeout=5) as c:
        first = c.get(server.api_url + "orders", params={"count": "50", "expand": "items"})
        assert first.status_code == 200
        assert first.headers["X-AC-Call-Limit"].endswith("/10000")
        body = first.json()
        assert body["next_page"].startswith(server.url + "/api/v1/orders?")
        second = c.get(body["next_page"]).json()
        assert second["orders"][0]["id"] == 100050
        assert "previous_page" in second


def test_controls_over_http(served: tuple[Sandbox, SandboxServer]) -> None:
    _, server = served
    with httpx.Client(timeout=5) as c:
        before = c.get(server.url + "/_sandbox/calls").json()["total"]
        c.get(server.url + "/api/v1/orders")  # 401, still a call
        assert c.get(server.url + "/_sandbox/calls").json()["total"] == before + 1
        assert c.get(server.url + "/_sandbox/orders/count").json()["count"] >= 120


def test_reset_and_truncated_faults_break_the_connection(
    served: tuple[Sandbox, SandboxServer],
) -> None:
    sb, server = served
    headers = {"X-AC-Auth-Token": sb.full_token}
    with httpx.Client(headers=headers, timeout=5) as c:
        sb.faults.fail_next(1, "reset", endpoint="GET /order_statuses")
        with pytest.raises(httpx.TransportError):
            c.get(server.api_url + "order_statuses")
        sb.faults.fail_next(1, "truncated", endpoint="GET /order_statuses")
        with pytest.raises(httpx.TransportError):
            c.get(server.api_url + "order_statuses")
        assert c.get(server.api_url + "order_statuses").status_code == 200


def test_slow_fault_trips_a_client_timeout(served: tuple[Sandbox, SandboxServer]) -> None:
    sb, server = served
    sb.faults.slow_seconds = 1.0
    sb.faults.fail_next(1, "slow", endpoint="GET /stores")
    with (
        httpx.Client(headers={"X-AC-Auth-Token": sb.full_token}, timeout=0.2) as c,
        pytest.raises(httpx.ReadTimeout),
    ):
        c.get(server.api_url + "stores")
