"""The connection test against real HTTP servers: each failure is one clear line."""

from __future__ import annotations

import socket
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from orderhub.connectors.cartcom.connection import check_connection
from orderhub.connectors.cartcom.permissions import needed_for
from orderhub.domain import FlowName
from orderhub.serving import serve_in_thread
from support.stores import Store


def test_a_full_scope_token_connects(serve_store: Callable[..., Store]) -> None:
    store = serve_store(orders=5)
    report = check_connection(store.url, store.token)
    assert report.ok
    assert report.connected
    assert all(check.ok for check in report.checks)


def test_a_wrong_token_is_explained_in_one_line(serve_store: Callable[..., Store]) -> None:
    store = serve_store(orders=5)
    report = check_connection(store.url, "not-a-real-token")
    assert not report.connected
    assert "rejected the API token" in report.summary
    assert "\n" not in report.summary
    assert "not-a-real-token" not in report.summary


def test_a_missing_permission_is_named_in_cartcom_words_with_the_flows_it_blocks(
    serve_store: Callable[..., Store],
) -> None:
    store = serve_store(orders=5)
    token = store.sandbox.mint_token({"read_orders", "catalog", "settings", "system"})
    report = check_connection(store.url, token)
    assert report.connected
    assert not report.ok
    missing = {c.permission: c for c in report.checks if not c.ok}
    assert set(missing) == {
        "People: View customer, user, or profile data",
        "Orders: View and change order data",
    }
    orders = missing["Orders: View and change order data"]
    assert FlowName.FULFILLMENTS_PUSH in orders.blocked_flows
    assert "orders.pull" in report.summary
    assert "fulfillments.push" in report.summary


def test_plain_http_is_refused_except_on_loopback() -> None:
    report = check_connection("http://yourstore.americommerce.com", "token")
    assert not report.connected
    assert "https" in report.summary


def test_an_unreachable_host_is_explained() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    report = check_connection(f"http://127.0.0.1:{port}", "token")
    assert not report.connected
    assert report.summary.startswith("Cannot reach")


def test_a_host_that_is_not_cartcom_is_explained() -> None:
    async def page(request: Request) -> Response:
        return HTMLResponse("<html><body>Welcome to my blog</body></html>")

    app = Starlette(routes=[Route("/{path:path}", page, methods=["GET", "PUT"])])
    with serve_in_thread(app) as web:
        report = check_connection(web.url, "token")
    assert not report.connected
    assert "does not answer like a Cart.com store API" in report.summary


def test_a_token_without_settings_names_what_fulfillments_push_needs_for_shipping_methods(
    serve_store: Callable[..., Store],
) -> None:
    """fulfillments.push reads the store's shipping providers, services and custom methods
    (Cart.com's "configuration settings"); a token without them is told so at connect time."""
    store = serve_store(orders=5)
    token = store.sandbox.mint_token({"read_people", "orders", "catalog", "system"})
    report = check_connection(store.url, token)
    assert report.connected
    [missing] = [c for c in report.checks if not c.ok]
    assert missing.permission == "Other: View and change configuration settings"
    assert set(missing.blocked_flows) == {FlowName.LOCATIONS_PULL, FlowName.FULFILLMENTS_PUSH}
    assert "fulfillments.push" in report.summary


def test_a_refused_reference_call_names_the_permission_in_cartcom_words() -> None:
    settings = ["Other: View and change configuration settings"]
    for path in (
        "shipping_providers",
        "/api/v1/shipping_provider_services",
        "custom_shipping_methods",
    ):
        assert needed_for(path) == settings
    assert needed_for("categories") == ["Catalog: View and change catalog data"]
