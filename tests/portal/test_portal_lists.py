"""The portal's lists answer the merchant's question (issue #15): orders sort by every column
they show, products show the hub's stock and one row per product, inventory names its
locations, "Test fulfill" offers only what is left to ship, exception groups read in words.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from portal_helpers import Portal, post_form, selects

from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, serve_sandbox
from orderhub.connectors.registry import default_connectors
from orderhub.domain import FlowName, Fulfillment, FulfillmentLine, RunStatus
from orderhub.errors import UsageError
from orderhub.hub import Hub, build_hub
from orderhub.portal.views_orders import ORDER_COLUMNS
from orderhub.services.apikeys import create_api_key
from orderhub.services.exception_views import REASON_WORDS, connector_reason_words, reason_words
from orderhub.services.fulfillments import create_fulfillment
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.services.inventory import set_inventory
from orderhub.services.products import import_products_csv
from orderhub.serving import serve_in_thread
from orderhub.settings import Settings
from orderhub.store import exceptions as exception_store
from orderhub.store.records import EntityKind, StoredRecord, list_records
from orderhub.web import create_web_app

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
REPRICED = "12.34"


@dataclass
class Shop:
    hub: Hub
    integration_id: str
    client: httpx.Client
    api_key: str
    repriced_sku: str
    stocked: dict[str, int]
    """SKU → the hub's available stock over its locations, as set up."""


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Shop]:
    """A hub filled from a sandbox store (orders, products, locations), with hub stock at two
    locations and one pulled product repriced in the hub; built once for the module."""
    home = tmp_path_factory.mktemp("lists") / "home"
    home.mkdir()
    shutil.copyfile(sqlite_template, home / "orderhub.db")
    hub = build_hub(Settings.from_env({"ORDERHUB_HOME": str(home)}), migrate=False)
    sandbox = Sandbox(SandboxConfig(seed=5, orders=20, products=12, plan="unlimited"))
    with (
        serve_sandbox(sandbox, host="127.0.0.1", port=0) as server,
        serve_in_thread(create_web_app(hub)) as web,
    ):
        added = add_integration(hub, api_url=server.url, api_key=sandbox.full_token)
        integration_id = added.integration.integration_id
        runner = hub.runner()
        for flow in (FlowName.ORDERS_PULL, FlowName.PRODUCTS_PULL, FlowName.LOCATIONS_PULL):
            enable_flow(hub, integration_id, flow, since=LONG_AGO)
            assert runner.run_flow(integration_id, flow).status is RunStatus.SUCCEEDED
        with hub.db.read_session() as session:
            products = list_records(session, EntityKind.PRODUCT, limit=100)
            locations = list_records(session, EntityKind.LOCATION, limit=100)
        simple = sorted(p.data["sku"] for p in products if p.data["types"] == ["simple"])
        stocked = {simple[0]: 7 + 5, simple[1]: 3}
        set_inventory(hub, sku=simple[0], quantity=7, location_id=locations[0].hub_id, actor="api")
        set_inventory(hub, sku=simple[0], quantity=5, location_id=locations[1].hub_id, actor="api")
        set_inventory(hub, sku=simple[1], quantity=3, location_id=locations[1].hub_id, actor="api")
        repriced = simple[2]
        report = import_products_csv(hub, f"sku,price\n{repriced},{REPRICED}\n", actor="cli")
        assert report.created == 1
        _, api_key = create_api_key(hub, name="lists", scope="read")
        portal = Portal(hub=hub, url=web.url)
        yield Shop(hub, integration_id, portal.signed_in(), api_key, repriced, stocked)
        portal.close()
    hub.close()


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r"<tr.*?</tr>", body, flags=re.S)


def _listed_orders(html: str) -> list[str]:
    return [re.findall(r'href="/orders/([0-9a-f]+)"', row)[0] for row in _rows(html)]


def _header_link(html: str, label: str) -> str:
    found = re.search(rf'<a href="([^"]+)" class="sort">{re.escape(label)}<', html)
    assert found, f"no sort link on the {label!r} header"
    return found.group(1).replace("&amp;", "&")


def _sort_key(column: str, record: StoredRecord) -> Any:
    data = record.data
    customer = data.get("customer") or {}
    name = f"{customer.get('firstName') or ''} {customer.get('lastName') or ''}".strip()
    return {
        "number": (len(data["extOrderId"]), data["extOrderId"]),
        "date": data["extOrderCreatedAt"],
        "customer": (name.lower(), (data.get("email") or "").lower()),
        "status": data["status"],
        "lines": len(data["lineItems"]),
        "total": data["totalPrice"],
        "integration": 0,  # one store: every row ties, the hub id decides
        "updated": data["extOrderUpdatedAt"],
    }[column]


LABELS = {
    "number": "Order",
    "date": "Date",
    "customer": "Customer",
    "status": "Status",
    "lines": "Lines",
    "total": "Total",
    "integration": "Integration",
    "updated": "Updated in store",
}


def test_orders_sort_by_every_column_both_ways_by_their_headers(shop: Shop) -> None:
    with shop.hub.db.read_session() as session:
        orders = {o.hub_id: o for o in list_records(session, EntityKind.ORDER, limit=100)}
    assert set(LABELS) == set(ORDER_COLUMNS)
    listing = shop.client.get("/orders").text
    for column, label in LABELS.items():
        ascending_page = shop.client.get("/orders" + _header_link(listing, label)).text
        assert f'aria-sort="ascending"><a href="?sort=-{column}" class="sort">{label}<' in (
            ascending_page
        )
        descending_page = shop.client.get(
            "/orders" + _header_link(ascending_page, label)  # a second click: the other way
        ).text
        assert 'aria-sort="descending"' in descending_page
        for page, descending in ((ascending_page, False), (descending_page, True)):
            listed = _listed_orders(page)
            assert sorted(listed) == sorted(orders), column
            keys = [(_sort_key(column, orders[i]), i) for i in listed]
            assert keys == sorted(keys, reverse=descending), (column, descending)


def test_orders_show_their_date_and_an_unknown_sort_is_ignored(shop: Shop) -> None:
    with shop.hub.db.read_session() as session:
        newest = list_records(session, EntityKind.ORDER, limit=100)
    plain = shop.client.get("/orders")
    assert plain.status_code == 200
    first = _rows(plain.text)[0]
    placed = datetime.fromisoformat(newest[0].data["extOrderCreatedAt"].replace("Z", "+00:00"))
    assert f"{placed:%Y-%m-%d %H:%M}" in first  # the order date, in the second column
    for unknown in ("bogus", "-", "--total", "data", "total;drop"):
        answer = shop.client.get("/orders", params={"sort": unknown})
        assert answer.status_code == 200
        assert _listed_orders(answer.text) == [o.hub_id for o in newest]  # the default order
    # Filtering keeps the sort; paging links keep it too.
    sorted_page = shop.client.get("/orders", params={"sort": "-total", "q": "1"}).text
    assert '<input type="hidden" name="sort" value="-total">' in sorted_page


def test_products_show_one_row_per_product_with_its_source_and_the_hubs_stock(
    shop: Shop,
) -> None:
    listing = shop.client.get("/products").text
    rows = _rows(listing)
    skus = [re.findall(r'<td><a href="/products/[0-9a-f]+">([^<]+)</a>', row)[0] for row in rows]
    assert len(skus) == len(set(skus))  # the repriced product once, not twice
    repriced = next(row for row in rows if f">{shop.repriced_sku}</a>" in row)
    assert REPRICED in repriced  # the hub's price, the one products.push sends
    assert "<td>hub, " in repriced  # the hub's own record, also held by the store
    for sku, available in shop.stocked.items():
        row = next(row for row in rows if f">{sku}</a>" in row)
        assert f'<td class="num">{available}</td>' in row
    # The detail page the row links to and the API show the same product.
    hub_id = re.findall(r'href="/products/([0-9a-f]+)"', repriced)[0]
    detail = shop.client.get(f"/products/{hub_id}").text
    api = httpx.get(
        f"{str(shop.client.base_url).rstrip('/')}/api/v3/products/{hub_id}",
        headers={"Authorization": f"Bearer {shop.api_key}"},
    ).json()["product"]
    assert api["sku"] == shop.repriced_sku
    assert api["price"] == float(REPRICED)
    assert "integration" not in api  # the hub's own record
    assert f"<dd>{REPRICED}" in detail
    assert "The hub&#39;s own record" not in detail
    assert "Other records of" in detail  # the store's copy, one link away


def test_the_api_lists_a_repriced_product_once_as_the_portal_does(shop: Shop) -> None:
    """List, detail and portal agree on the repriced product: one record, the hub's price;
    `copies=all` and `integration` still reach the store's copy."""

    def listed(**params: Any) -> dict[str, Any]:
        answer = httpx.get(
            f"{str(shop.client.base_url).rstrip('/')}/api/v3/products",
            params={"count": 1000, **params},
            headers={"Authorization": f"Bearer {shop.api_key}"},
        )
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    one_each = listed()
    every = listed(copies="all")
    skus = [p["sku"] for p in one_each["products"]]
    assert len(skus) == len(set(skus)) == one_each["pagination"]["total"]
    assert every["pagination"]["total"] == one_each["pagination"]["total"] + 1
    (product,) = [p for p in one_each["products"] if p["sku"] == shop.repriced_sku]
    assert product["price"] == float(REPRICED)
    assert "integration" not in product  # the hub's own record
    assert listed(sku=shop.repriced_sku)["products"] == [product]
    both = listed(sku=shop.repriced_sku, copies="all")["products"]
    assert sorted(p.get("integration", "hub") for p in both) == sorted(["hub", shop.integration_id])
    (store_copy,) = listed(sku=shop.repriced_sku, integration=shop.integration_id)["products"]
    assert store_copy["integration"] == shop.integration_id
    assert store_copy["price"] != float(REPRICED)

    row = next(r for r in _rows(shop.client.get("/products").text) if shop.repriced_sku in r)
    assert f'href="/products/{product["productId"]}"' in row
    assert REPRICED in row
    detail = httpx.get(
        f"{str(shop.client.base_url).rstrip('/')}/api/v3/products/{product['productId']}",
        headers={"Authorization": f"Bearer {shop.api_key}"},
    ).json()["product"]
    assert detail["price"] == product["price"]
    refused = httpx.get(
        f"{str(shop.client.base_url).rstrip('/')}/api/v3/products",
        params={"copies": "some"},
        headers={"Authorization": f"Bearer {shop.api_key}"},
    )
    assert refused.status_code == 400


def test_product_and_inventory_pages_cost_the_same_queries_for_one_row_or_many(
    shop: Shop,
) -> None:
    with shop.hub.db.read_session() as session:
        products = list_records(session, EntityKind.PRODUCT, limit=100)
    family = next(p.data["sku"] for p in products if "parent" in p.data["types"])
    for path, one in (
        ("/products", family),  # a parent and its variants, the rest left out
        ("/inventory", next(iter(shop.stocked))),
    ):
        with selects(shop.hub) as few:
            narrow = shop.client.get(path, params={"q": one}).text
        with selects(shop.hub) as many:
            wide = shop.client.get(path).text
        assert len(_rows(narrow)) < len(_rows(wide))
        assert len(many) == len(few), path  # no query per row


def test_the_exceptions_page_costs_the_same_queries_for_one_exception_or_many(
    shop: Shop,
) -> None:
    """Each exception is titled from its record, read a kind at a time, not one per row."""
    with shop.hub.db.read_session() as session:
        orders = list_records(session, EntityKind.ORDER, limit=12)
        products = list_records(session, EntityKind.PRODUCT, limit=8)
        stock = list_records(session, EntityKind.INVENTORY, limit=3)
    raised: list[str] = []

    def fail(flow: FlowName, kind: EntityKind, ext_id: str) -> None:
        with shop.hub.db.session() as session:
            item = exception_store.raise_exception(
                session,
                integration_id=shop.integration_id,
                flow=flow,
                entity_type=kind.value,
                ext_entity_id=ext_id,
                exception_type="invalidRecord",
                message="test",
                raw=None,
                now=shop.hub.clock.now(),
            )
        raised.append(item.exception_id)

    def fail_each(start: int, end: int) -> None:
        for order in orders[start:end]:
            fail(FlowName.ORDERS_PULL, EntityKind.ORDER, order.ext_id)
        for product in products[start:end]:  # a pull's exception: the store's id
            fail(FlowName.PRODUCTS_PULL, EntityKind.PRODUCT, product.ext_id)
        for record in stock[start:end]:  # a push's: the hub's id
            fail(FlowName.INVENTORY_PUSH, EntityKind.INVENTORY, record.hub_id)
        for number in range(start, min(end, 2)):
            fail(FlowName.FULFILLMENTS_PUSH, EntityKind.FULFILLMENT, f"not-a-record-{number}")

    try:
        fail_each(0, 1)  # one of each kind
        with selects(shop.hub) as few:
            one = shop.client.get("/exceptions").text
        fail_each(1, len(orders))
        with selects(shop.hub) as many:
            every = shop.client.get("/exceptions").text
    finally:
        with shop.hub.db.session() as session:
            for exception_id in raised:
                exception_store.resolve_exception(session, exception_id, now=shop.hub.clock.now())
    assert f">Order {orders[0].data['extOrderId']}</a>" in one
    for order in orders:
        assert f">Order {order.data['extOrderId']}</a>" in every
    for product in products:
        assert f"Product {product.data['sku']}" in every
    for record in stock:
        assert f"Stock of {record.data['sku']}" in every
    assert len(raised) == len(orders) + len(products) + len(stock) + 2
    assert len(many) == len(few), "\n".join(many)  # no query per exception


def test_inventory_names_each_rows_location(shop: Shop) -> None:
    with shop.hub.db.read_session() as session:
        names = {
            r.hub_id: r.data["name"] for r in list_records(session, EntityKind.LOCATION, limit=50)
        }
        stock = list_records(session, EntityKind.INVENTORY, limit=50)
    rows = _rows(shop.client.get("/inventory").text)
    assert len(rows) == len(stock) == 3
    for record in stock:
        row = next(
            r
            for r in rows
            if f'value="{record.data["locationId"]}"' in r and record.data["sku"] in r
        )
        assert f"<td>{names[record.data['locationId']]}</td>" in row


def _order_with(shop: Shop, wanted: Any) -> StoredRecord:
    with shop.hub.db.read_session() as session:
        orders = list_records(session, EntityKind.ORDER, limit=100)
    return next(o for o in orders if wanted(o))


def test_test_fulfill_offers_only_what_is_left_and_none_once_all_has_shipped(
    shop: Shop,
) -> None:
    order = _order_with(
        shop,
        lambda o: (
            o.data["status"] not in ("canceled", "fulfilled")
            and all(not line["shippedQuantity"] for line in o.data["lineItems"])
            and o.data["lineItems"][0]["quantity"] > 1
        ),
    )
    path = f"/orders/{order.hub_id}"
    first = order.data["lineItems"][0]
    create_fulfillment(  # one unit of the first line ships, from the hub
        shop.hub,
        Fulfillment(
            order_id=order.hub_id,
            line_items=[FulfillmentLine(unique_id=first["uniqueId"], sku=first["sku"], quantity=1)],
        ),
        actor="api",
    )
    page = shop.client.get(path).text
    form = page.split('id="fulfill-title"', 1)[1].split("</form>", 1)[0]
    left = first["quantity"] - 1
    assert f'name="qty-0" type="number" min="0" max="{left}" step="1" value="{left}"' in form
    over = post_form(shop.client, f"{path}/fulfill", {"qty-0": str(left + 1)}, page=path)
    assert over.status_code == 400
    assert f"Only {left} left to ship." in over.text

    everything = {f"qty-{i}": str(n) for i, n in enumerate(_left(page, order))}
    done = post_form(shop.client, f"{path}/fulfill", everything, page=path)
    assert done.status_code == 303, done.text
    shipped = shop.client.get(path).text
    assert "nothing left to ship" in shipped
    assert f'action="{path}/fulfill"' not in shipped
    again = post_form(shop.client, f"{path}/fulfill", {"qty-0": "1"}, page=path)
    assert again.status_code == 400
    with pytest.raises(UsageError, match="left to fulfil"):  # the service refuses it too
        create_fulfillment(
            shop.hub,
            Fulfillment(
                order_id=order.hub_id,
                line_items=[FulfillmentLine(sku=first["sku"], quantity=1)],
            ),
            actor="api",
        )


def _left(page: str, order: StoredRecord) -> list[int]:
    form = page.split('id="fulfill-title"', 1)[1].split("</form>", 1)[0]
    values = dict(re.findall(r'name="(qty-\d+)" type="number"[^>]* value="(\d+)"', form))
    return [int(values.get(f"qty-{i}", "0")) for i in range(len(order.data["lineItems"]))]


def test_a_canceled_order_offers_no_test_fulfill(shop: Shop) -> None:
    order = _order_with(shop, lambda o: o.data["status"] == "canceled")
    page = shop.client.get(f"/orders/{order.hub_id}").text
    assert "This order is canceled: there is nothing to ship." in page
    assert f'action="/orders/{order.hub_id}/fulfill"' not in page


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("missingSku", "Product has no SKU in Acme Shop"),
        ("skuNotFound", "SKU not found in Acme Shop"),
        ("noShippingMethod", "No matching shipping method"),
        ("someNewCode", "Some new code"),  # a code the table does not know yet: its words
        ("", "Unknown problem"),
    ],
)
def test_an_exception_reason_reads_in_words(code: str, words: str) -> None:
    assert reason_words(code, "Acme Shop") == words


def test_every_reason_in_the_table_is_a_sentence_naming_the_store_only_by_its_placeholder() -> None:
    for code, words in REASON_WORDS.items():
        shown = reason_words(code, "Acme Shop")
        assert shown[0].isupper(), code
        assert "{" not in shown, code
        assert "Cart" not in words, code  # the platform comes from the connector


def test_a_connector_names_its_own_exception_codes_in_words() -> None:
    words = connector_reason_words(default_connectors())
    assert reason_words("cartcomError", "Cart.com", words) == "Cart.com answered with an error"
    assert reason_words("rejectedByCartcom", "Cart.com", words) == "Stock refused by Cart.com"
    assert reason_words("missingSku", "Cart.com", words) == "Product has no SKU in Cart.com"
