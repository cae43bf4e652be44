"""The integration page's Completeness panel and "Verify now", in-process (no server).

The portal app is called through the sync ASGI transport the sandbox tests use; the store it
verifies is a sandbox served on loopback (the verifier builds its own client, as in
production).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from portal_helpers import EMAIL, PASSWORD, csrf_of

from orderhub.connectors.cartcom.sandbox import SandboxTransport
from orderhub.connectors.cartcom.sandbox.timefmt import datetime_to_ms, grid_ms
from orderhub.domain import FlowName
from orderhub.hub import Hub
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.services.users import create_admin
from orderhub.web import create_web_app
from support.stores import StartStore, Store
from support.verify_world import pull_position

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@pytest.fixture
def browser(hub: Hub) -> Iterator[httpx.Client]:
    """A signed-in client of the portal app, in-process."""
    create_admin(hub, email=EMAIL, password=PASSWORD)
    with httpx.Client(
        transport=SandboxTransport(create_web_app(hub)), base_url="http://hub.test", timeout=60
    ) as client:
        page = client.get("/signin")
        signed = client.post(
            "/signin",
            data={
                "email": EMAIL,
                "password": PASSWORD,
                "next": "/",
                "csrf_token": csrf_of(page.text),
            },
        )
        assert signed.status_code == 303, signed.text
        yield client


def connected(hub: Hub, store: Store) -> str:
    added = add_integration(hub, api_url=store.url, api_key=store.token)
    integration_id = added.integration.integration_id
    enable_flow(hub, integration_id, FlowName.ORDERS_PULL, since=LONG_AGO)
    hub.runner().run_flow(integration_id, FlowName.ORDERS_PULL)
    return integration_id


def lose_an_order(hub: Hub, store: Store, integration_id: str, number: str) -> None:
    """An order the pull's cursor has passed already: the hub never gets it by itself."""
    behind = pull_position(hub, integration_id, FlowName.ORDERS_PULL) - timedelta(minutes=5)
    data = store.sandbox.store
    [order_id] = data.burst_orders(1)
    data.update_order(order_id, order_number=number)
    row = data.table("orders").row_of(order_id)
    assert row is not None
    data.touch("orders", row, grid_ms(datetime_to_ms(behind)))


def finished_job(client: httpx.Client, url: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = client.get(url).text
        if "<strong>Done.</strong>" in page or "<strong>Failed.</strong>" in page:
            return page
        time.sleep(0.05)
    raise AssertionError("the verify job did not finish")


def test_verify_now_finds_repairs_and_the_panel_shows_it(
    hub: Hub, browser: httpx.Client, serve_store: StartStore
) -> None:
    store = serve_store(seed=8, orders=15, products=5)
    integration_id = connected(hub, store)
    lose_an_order(hub, store, integration_id, "<script>alert(1)</script>")
    page = browser.get(f"/integrations/{integration_id}").text
    assert 'id="completeness"' in page
    assert "Verify now" in page
    assert "every 24 hours" in page

    started = browser.post(
        f"/integrations/{integration_id}/verify", data={"csrf_token": csrf_of(page)}
    )

    assert started.status_code == 303
    job = finished_job(browser, started.headers["location"])
    assert "<strong>Done.</strong>" in job
    assert "1 missing, 0 stale since 2000-01-01 00:00 UTC" in job
    assert "re-fetched 1, now 0 missing" in job
    # The order number is the store's text: escaped, never markup.
    assert "order &lt;script&gt;alert(1)&lt;/script&gt;: missing" in job
    assert "<script>alert(1)" not in job
    panel = browser.get(f"/integrations/{integration_id}").text
    assert "re-fetched 1, now 0 missing" in panel
    assert 'badge-ok">Complete' in panel
    assert "<script>alert(1)" not in panel


def test_verify_now_is_refused_without_a_pull_flow_on(
    hub: Hub, browser: httpx.Client, serve_store: StartStore
) -> None:
    store = serve_store(seed=9, orders=3, products=3)
    integration_id = add_integration(
        hub, api_url=store.url, api_key=store.token
    ).integration.integration_id
    page = browser.get(f"/integrations/{integration_id}").text
    assert "Verify now" not in page
    assert "No pull flow is on" in page

    refused = browser.post(
        f"/integrations/{integration_id}/verify", data={"csrf_token": csrf_of(page)}
    )

    assert refused.status_code == 303
    assert refused.headers["location"].endswith("#completeness")
    assert "nothing to verify" in browser.get(refused.headers["location"]).text
