"""Webhook deliveries to a local receiver, live activity, and the CLI command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from cartcom_sandbox_support import client_for, make_sandbox

from orderhub.connectors.cartcom.sandbox import Sandbox
from orderhub.connectors.cartcom.sandbox.live import start_live_activity


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str, dict[str, object]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length))
        type(self).received.append((self.path, body))
        self.send_response(500 if self.path == "/fail" else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[str, dict[str, object]]]]]:
    received: list[tuple[str, dict[str, object]]] = []
    handler = type("Receiver", (_Receiver,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def test_subscriptions_receive_order_and_product_events(
    sb: Sandbox,
    client: httpx.Client,
    receiver: tuple[str, list[tuple[str, dict[str, object]]]],
) -> None:
    url, received = receiver
    for event in (
        "NewOrder",
        "NewValidOrder",
        "OrderStatusChanged",
        "OrderShipped",
        "ProductUpdated",
    ):
        created = client.post(
            "webhooks", json={"event_type": event, "url": f"{url}/{event}", "store_id": 1}
        )
        assert created.status_code == 201
    order = sb.store.create_order()
    client.put(f"orders/{order['id']}/status", json={"order_status_id": 5})
    client.put("products/2", json={"price": 99.5})
    assert sb.webhooks.wait_idle()
    paths = [p for p, _ in received]
    assert paths.count("/NewOrder") == 1
    assert paths.count("/NewValidOrder") == 1
    assert "/OrderShipped" in paths
    changed = next(body for path, body in received if path == "/OrderStatusChanged")
    assert changed["order"]["id"] == order["id"]  # type: ignore[index]
    assert changed["new_status"]["is_shipped"] is True  # type: ignore[index]
    assert any(
        b["product"]["id"] == 2
        for p, b in received  # type: ignore[index]
        if p == "/ProductUpdated"
    )
    assert all(d["status_code"] == 200 for d in sb.webhooks.deliveries)


def test_fallback_url_on_failure(
    sb: Sandbox, client: httpx.Client, receiver: tuple[str, list[tuple[str, dict[str, object]]]]
) -> None:
    url, received = receiver
    client.post(
        "webhooks",
        json={
            "event_type": "OrderUpdated",
            "url": f"{url}/fail",
            "failure_type": "Fallback",
            "fallback_url": f"{url}/backup",
        },
    )
    sb.store.update_order(100001, admin_comments="x")
    assert sb.webhooks.wait_idle()
    assert [p for p, _ in received] == ["/fail", "/backup"]
    deliveries = client.get("http://store.test/_sandbox/webhooks/deliveries").json()
    assert [d["status_code"] for d in deliveries["deliveries"]] == [500, 200]


def test_webhooks_need_orders_and_system_scopes(sb: Sandbox) -> None:
    with client_for(sb, token=sb.mint_token(["orders"])) as c:
        response = c.get("webhooks")
    assert response.status_code == 403
    assert "'orders' and 'system'" in response.json()["details"]


def test_live_activity_places_and_moves_orders() -> None:
    from orderhub.clock import SystemClock

    sb = make_sandbox(orders=50, clock=SystemClock())
    stop = threading.Event()
    thread = start_live_activity(sb, orders_per_minute=3000, stop=stop)
    deadline = time.monotonic() + 5
    while sb.store.order_count() < 56 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert sb.store.order_count() >= 56
    with client_for(sb) as c:
        recent = c.get(
            "orders", params={"updated_at": "gte:2026-01-01T00:00:00Z", "count": "1"}
        ).json()
    assert recent["total_count"] >= 6


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_cli_prints_url_and_token_then_serves() -> None:
    code = (
        "import typer\n"
        "from orderhub.cli.sandbox_cmd import sandbox_command\n"
        "app = typer.Typer()\n"
        "app.command()(sandbox_command)\n"
        "app()\n"
    )
    port = _free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    args = ["--port", str(port), "--orders", "30", "--token", "tok123", "--plan", "steel"]
    with subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    ) as proc:
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == f"API URL: http://127.0.0.1:{port}"
            assert proc.stdout.readline().strip() == "API token: tok123"
            deadline = time.monotonic() + 10
            while True:
                try:
                    response = httpx.get(
                        f"http://127.0.0.1:{port}/api/v1/stores",
                        headers={"X-AC-Auth-Token": "tok123"},
                    )
                    break
                except httpx.ConnectError:
                    assert time.monotonic() < deadline
                    time.sleep(0.05)
            assert response.status_code == 200
            assert response.headers["X-AC-Call-Limit"] == "1/5"
        finally:
            proc.terminate()
            proc.wait(timeout=10)
