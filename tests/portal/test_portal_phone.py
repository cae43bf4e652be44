"""The portal on a phone (390 px wide, in Chromium): no page is wider than the screen.

Wide tables scroll inside their own box; the page itself never needs sideways scrolling.
Screenshots go to test-artifacts/phone/.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from portal_helpers import EMAIL, PASSWORD, Portal

from orderhub.domain import FlowName, RunStatus
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.services.inventory import set_inventory
from orderhub.services.users import create_admin
from orderhub.store.records import EntityKind, list_records
from support.stock import stock_location
from support.stores import Store

ROOT = Path(__file__).resolve().parents[2]
PHONE = {"width": 390, "height": 844}


@pytest.mark.slow
def test_every_main_page_fits_a_phone_screen(
    portal: Portal, serve_store: Callable[..., Store], chromium: Any
) -> None:
    hub = portal.hub
    store = serve_store(seed=8, orders=12)
    integration_id = add_integration(
        hub, api_url=store.url, api_key=store.token
    ).integration.integration_id
    # Every list with rows: orders, products (with variants and stock) and inventory.
    for flow in (FlowName.ORDERS_PULL, FlowName.PRODUCTS_PULL, FlowName.LOCATIONS_PULL):
        enable_flow(hub, integration_id, flow, since=datetime(2000, 1, 1, tzinfo=UTC))
        run = hub.runner().run_flow(integration_id, flow)
        assert run.status is RunStatus.SUCCEEDED, run.error
    with hub.db.read_session() as session:
        order = list_records(session, EntityKind.ORDER, limit=1)[0]
        product = list_records(session, EntityKind.PRODUCT, limit=1)[0]
    set_inventory(
        hub, sku=product.data["sku"], quantity=12, location_id=stock_location(hub), actor="api"
    )
    create_admin(hub, email=EMAIL, password=PASSWORD)
    artifacts = Path(os.environ.get("ORDERHUB_TEST_ARTIFACTS") or ROOT / "test-artifacts") / "phone"
    artifacts.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport=PHONE, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(portal.url + "/signin")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(portal.url + "/")
        too_wide = {}
        for path in (
            "/",
            "/integrations",
            f"/integrations/{integration_id}",
            "/orders",
            "/orders?sort=-total",
            f"/orders/{order.hub_id}",
            "/products",
            "/inventory",
            "/exceptions",
            "/runs",
        ):
            page.goto(portal.url + path)
            name = path.strip("/").replace("/", "-").replace("?sort=", "-by") or "dashboard"
            page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide[path] = width
        assert too_wide == {}
    finally:
        context.close()
