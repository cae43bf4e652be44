"""US ZIP codes reach the hub with their leading zeros, however the store sends them (issue #12).

acapi.yaml types `order_addresses.postal_code` as an integer; whether a real store sends
`2187` or `"02187"` is undocumented, so the sandbox's `postal_code_as` switch plays both and
orders.pull must serve the same addresses under each.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from orderhub.domain import FlowName, RunStatus
from orderhub.hub import Hub
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.store.records import EntityKind, list_records
from support.stores import Store

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def pull_orders(hub: Hub, store: Store) -> dict[str, dict[str, Any]]:
    """Connect, run orders.pull once, and return the hub's orders as the REST API shows them."""
    result = add_integration(hub, api_url=store.url, api_key=store.token)
    assert result.report.ok, result.report.summary
    integration_id = result.integration.integration_id
    enable_flow(hub, integration_id, FlowName.ORDERS_PULL, since=LONG_AGO)
    run = hub.runner().run_flow(integration_id, FlowName.ORDERS_PULL, trigger="manual")
    assert run.status is RunStatus.SUCCEEDED, run.error
    assert run.counts.failed == 0
    with hub.db.read_session() as session:
        records = list_records(session, EntityKind.ORDER, limit=10_000)
        return {record.ext_id: record.to_wire() for record in records}


def store_postal_texts(store: Store) -> dict[str, tuple[str, str]]:
    """extOrderApiId -> (shipping, billing) postal code as the store holds them, as text."""
    store.sandbox.realism.postal_code_as = "string"
    headers = {"X-AC-Auth-Token": store.token, "Cache-Control": "no-cache"}
    with httpx.Client(base_url=f"{store.url}/api/v1/", headers=headers) as http:
        addresses = {a["id"]: a["postal_code"] for a in _all(http, "order_addresses")}
        orders = _all(http, "orders")
    return {
        str(o["id"]): (
            addresses[o["order_shipping_address_id"]],
            addresses[o["order_billing_address_id"]],
        )
        for o in orders
    }


def _all(http: httpx.Client, resource: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    page = 1
    while True:
        body = http.get(resource, params={"page": str(page), "count": "250"}).json()
        records.extend(body[resource])
        if "next_page" not in body:
            return records
        page += 1


@pytest.mark.parametrize("postal_code_as", ["integer", "string"])
def test_orders_pull_serves_us_zip_codes_with_their_leading_zeros(
    hub: Hub, serve_store: Callable[..., Store], postal_code_as: str
) -> None:
    store = serve_store(seed=3, orders=60, products=10)
    store.sandbox.realism.postal_code_as = postal_code_as

    held = pull_orders(hub, store)

    shipping = {
        order["shippingAddress"]["address1"]: order["shippingAddress"] for order in held.values()
    }
    assert shipping["1 Federal St"]["zipCodeOrPostalCode"] == "02187"
    assert shipping["100 Summer St"]["zipCodeOrPostalCode"] == "02187-1234"
    assert shipping["1 Gateway Center"]["zipCodeOrPostalCode"] == "07102"
    assert shipping["151 Calle San Francisco"]["zipCodeOrPostalCode"] == "00901"
    assert shipping["Unit 2050 Box 4190"]["zipCodeOrPostalCode"] == "09021"
    assert shipping["80 Wellington St"]["zipCodeOrPostalCode"] == "K1A 0B1"
    assert shipping["80 Wellington St"]["country"] == "CA"
    assert shipping["10 Downing St"]["zipCodeOrPostalCode"] == "SW1A 2AA"
    # Every address of every order, random ZIPs and ZIP+4s included, is the text the store holds.
    texts = store_postal_texts(store)
    assert {
        ext_id: (
            order["shippingAddress"]["zipCodeOrPostalCode"],
            order["billingAddress"]["zipCodeOrPostalCode"],
        )
        for ext_id, order in held.items()
    } == texts
