"""Nothing invalid gets in: each bad-value kind through each entry point is refused, nothing stored.

Entry points: the REST API, the CLI, the CSV imports (through the CLI) and the portal's forms,
all in-process against one hub home. For each (kind, entry point) the answer is a refusal a
person can read (4xx naming the field / exit 1 with one line / a row error), and the hub holds
exactly what it held before: same records, same change feed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from orderhub.cli.main import app as cli_app
from orderhub.connectors.cartcom.sandbox import SandboxTransport
from orderhub.domain import Fulfillment, FulfillmentLine
from orderhub.hub import Hub, build_hub
from orderhub.services.apikeys import create_api_key
from orderhub.services.fulfillments import create_fulfillment
from orderhub.services.inventory import set_inventory
from orderhub.services.users import create_admin
from orderhub.settings import Settings
from orderhub.store.feed import changes_since
from orderhub.store.records import EntityKind, Origin, count_records, upsert_record
from orderhub.web import create_web_app
from portal.portal_helpers import csrf_of

EMAIL = "matrix@example.com"
PASSWORD = "a long enough password"


@dataclass
class Home:
    path: Path
    hub: Hub
    api: httpx.Client
    portal: httpx.Client
    order_id: str
    location_id: str

    def env(self) -> dict[str, str]:
        return {"ORDERHUB_HOME": str(self.path), "COLUMNS": "200"}

    def footprint(self) -> tuple[int, ...]:
        """Records of every kind and the length of the change feed."""
        with self.hub.db.read_session() as session:
            counts = [count_records(session, kind) for kind in EntityKind]
            feed = sum(len(changes_since(session, kind, 0, limit=100_000)) for kind in EntityKind)
        return (*counts, feed)

    def cli(self, *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli_app, list(args), env=self.env())
        return result.exit_code, result.stderr + result.stdout


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Home]:
    path = tmp_path / "home"
    hub = build_hub(Settings.from_env({"ORDERHUB_HOME": str(path)}))
    _key_id, key = create_api_key(hub, name="matrix")
    create_admin(hub, email=EMAIL, password=PASSWORD)
    order_id = _an_order(hub)
    location_id = set_inventory(hub, sku="SEED-1", quantity=1, actor="api")["locationId"]
    transport = SandboxTransport(create_web_app(hub))
    api = httpx.Client(
        transport=transport, base_url="http://hub.test", headers={"Authorization": f"Bearer {key}"}
    )
    portal = httpx.Client(transport=transport, base_url="http://hub.test")
    token = csrf_of(portal.get("/signin").text)
    signed = portal.post(
        "/signin", data={"email": EMAIL, "password": PASSWORD, "next": "/", "csrf_token": token}
    )
    assert signed.status_code == 303, signed.text
    try:
        yield Home(path, hub, api, portal, order_id, location_id)
    finally:
        api.close()
        portal.close()
        hub.close()


def _an_order(hub: Hub) -> str:
    with hub.db.session() as session:
        result = upsert_record(
            session,
            EntityKind.ORDER,
            integration_id=None,
            ext_id="M-1",
            data={
                "extOrderId": "M-1",
                "extOrderApiId": "1",
                "status": "readyForFulfillment",
                "lineItems": [{"uniqueId": "1", "sku": "MUG-1", "quantity": 5, "itemPrice": 9}],
            },
            source_doc=None,
            origin=Origin(None, actor="api"),
            now=hub.clock.now(),
        )
    return result.hub_id


# --- the bad values -----------------------------------------------------------------------

QUANTITIES = {
    "quantity above 32 bits": "2147483648",
    "quantity beyond 64 bits": "99999999999999999999",
    "quantity in Arabic-Indic digits": "\u0663",
    "negative quantity": "-1",
    "fractional quantity": "2.5",
}
SKUS = {
    "SKU with a NUL": "MUG\x00-1",
    "SKU with a terminal escape": "MUG\x1b[2J",
    "SKU of 1 MB": "S" * 1_000_000,
}
PRICES = {
    "price 1e400": "1e400",
    "price NaN": "NaN",
    "negative price": "-0.01",
    "price with 5 decimals": "1.23456",
    "price in Arabic-Indic digits": "\u0661\u0662",
}
NAMES = {
    "name of 100,000 characters": "N" * 100_000,
    "name with a terminal escape": "Mug\x1b]8;;https://evil.test\x07",
}


# --- the entry points: each returns (refused?, what the person reads) ----------------------


def api_inventory(home: Home, sku: str, quantity: str) -> tuple[bool, str]:
    body = f'{{"sku": {json.dumps(sku)}, "quantity": {quantity_json(quantity)}}}'
    answer = home.api.post(
        "/api/v3/inventory", content=body, headers={"Content-Type": "application/json"}
    )
    return 400 <= answer.status_code < 500, answer.text


def quantity_json(quantity: str) -> str:
    return quantity if quantity.lstrip("-").replace(".", "").isascii() else json.dumps(quantity)


def cli_inventory(home: Home, sku: str, quantity: str) -> tuple[bool, str]:
    if "\x00" in sku or len(sku) > 100_000:
        pytest.skip("a command-line argument cannot hold a NUL or a megabyte")
    code, output = home.cli("inventory", "set", sku, quantity)
    return code in (1, 2), output  # 2: click takes "-1" for an unknown option


def csv_inventory(home: Home, sku: str, quantity: str) -> tuple[bool, str]:
    path = home.path / "stock.csv"
    path.write_text(f"sku,quantity\n{sku},{quantity}\n", encoding="utf-8")
    code, output = home.cli("inventory", "import", str(path))
    return code == 1 and "line 2" in output, output


def portal_inventory(home: Home, sku: str, quantity: str) -> tuple[bool, str]:
    token = csrf_of(home.portal.get("/inventory").text)
    answer = home.portal.post(
        "/inventory",
        data={
            "sku": sku,
            "location_id": home.location_id,
            "on_hand": quantity,
            "csrf_token": token,
        },
    )
    return answer.status_code == 400, answer.text


def api_product(home: Home, sku: str, name: str, price: str) -> tuple[bool, str]:
    body = f'{{"sku": {json.dumps(sku)}, "name": {json.dumps(name)}, "price": {price}}}'
    answer = home.api.post(
        "/api/v3/products", content=body, headers={"Content-Type": "application/json"}
    )
    return 400 <= answer.status_code < 500, answer.text


def csv_product(home: Home, sku: str, name: str, price: str) -> tuple[bool, str]:
    path = home.path / "products.csv"
    path.write_text(f"sku,name,price\n{sku},{name},{price}\n", encoding="utf-8")
    code, output = home.cli("products", "import", str(path))
    return code == 1 and "line 2" in output, output


def api_fulfillment(home: Home, sku: str, quantity: str) -> tuple[bool, str]:
    line = f'{{"sku": {json.dumps(sku)}, "quantity": {quantity_json(quantity)}}}'
    body = f'{{"orderId": "{home.order_id}", "lineItems": [{line}]}}'
    answer = home.api.post(
        "/api/v3/fulfillments", content=body, headers={"Content-Type": "application/json"}
    )
    return 400 <= answer.status_code < 500, answer.text


def cli_fulfillment(home: Home, sku: str, quantity: str) -> tuple[bool, str]:
    if "\x00" in sku or len(sku) > 100_000:
        pytest.skip("a command-line argument cannot hold a NUL or a megabyte")
    code, output = home.cli("fulfillments", "create", home.order_id, "--line", f"{sku}:{quantity}")
    return code in (1, 2), output


INVENTORY_ENTRIES: dict[str, Callable[[Home, str, str], tuple[bool, str]]] = {
    "API": api_inventory,
    "CLI": cli_inventory,
    "CSV": csv_inventory,
    "portal": portal_inventory,
}
PRODUCT_ENTRIES: dict[str, Callable[[Home, str, str, str], tuple[bool, str]]] = {
    "API": api_product,
    "CSV": csv_product,
}
FULFILLMENT_ENTRIES: dict[str, Callable[[Home, str, str], tuple[bool, str]]] = {
    "API": api_fulfillment,
    "CLI": cli_fulfillment,
}


def _cases(values: dict[str, str], entries: dict[str, object]) -> list[object]:
    return [
        pytest.param(entry, value, id=f"{kind}-via-{entry}")
        for kind, value in values.items()
        for entry in entries
    ]


@pytest.mark.parametrize(("entry", "quantity"), _cases(QUANTITIES, INVENTORY_ENTRIES))
def test_stock_with_a_bad_quantity_is_refused_and_nothing_stored(
    home: Home, entry: str, quantity: str
) -> None:
    before = home.footprint()
    refused, words = INVENTORY_ENTRIES[entry](home, "MUG-1", quantity)
    assert refused, words
    assert home.footprint() == before


@pytest.mark.parametrize(("entry", "sku"), _cases(SKUS, INVENTORY_ENTRIES))
def test_stock_with_a_bad_sku_is_refused_and_nothing_stored(
    home: Home, entry: str, sku: str
) -> None:
    before = home.footprint()
    refused, words = INVENTORY_ENTRIES[entry](home, sku, "3")
    assert refused, words[:300]
    assert home.footprint() == before


@pytest.mark.parametrize(("entry", "price"), _cases(PRICES, PRODUCT_ENTRIES))
def test_a_product_with_a_bad_price_is_refused_and_nothing_stored(
    home: Home, entry: str, price: str
) -> None:
    before = home.footprint()
    value = price if price[0] in "-0123456789" and price.isascii() else json.dumps(price)
    if entry == "CSV":
        value = price
    refused, words = PRODUCT_ENTRIES[entry](home, "MUG-2", "Mug", value)
    assert refused, words
    assert home.footprint() == before
    assert home.api.get("/api/v3/products").status_code == 200  # listings never break


@pytest.mark.parametrize(("entry", "name"), _cases(NAMES, PRODUCT_ENTRIES))
def test_a_product_with_a_bad_name_is_refused_and_nothing_stored(
    home: Home, entry: str, name: str
) -> None:
    before = home.footprint()
    refused, words = PRODUCT_ENTRIES[entry](home, "MUG-2", name, "9.5")
    assert refused, words[:300]
    assert home.footprint() == before


@pytest.mark.parametrize(("entry", "sku"), _cases(SKUS, PRODUCT_ENTRIES))
def test_a_product_with_a_bad_sku_is_refused_and_nothing_stored(
    home: Home, entry: str, sku: str
) -> None:
    before = home.footprint()
    refused, words = PRODUCT_ENTRIES[entry](home, sku, "Mug", "9.5")
    assert refused, words[:300]
    assert home.footprint() == before


@pytest.mark.parametrize(("entry", "quantity"), _cases(QUANTITIES, FULFILLMENT_ENTRIES))
def test_a_fulfillment_with_a_bad_quantity_is_refused_and_nothing_stored(
    home: Home, entry: str, quantity: str
) -> None:
    before = home.footprint()
    refused, words = FULFILLMENT_ENTRIES[entry](home, "MUG-1", quantity)
    assert refused, words
    assert home.footprint() == before


def test_the_good_values_go_through_every_entry_point(home: Home) -> None:
    """The matrix's control: the same entry points take a sound value, so a refusal above is
    the value's doing, not a broken entry point."""
    for entry, call in INVENTORY_ENTRIES.items():
        refused, words = call(home, f"OK-{entry}", "3")
        assert not refused, (entry, words)
    for entry, make in PRODUCT_ENTRIES.items():
        refused, words = make(home, f"OK-{entry}", "Mug", "9.5")
        assert not refused, (entry, words)
    made = create_fulfillment(
        home.hub,
        Fulfillment(order_id=home.order_id, line_items=[FulfillmentLine(sku="MUG-1", quantity=1)]),
        actor="api",
    )
    assert made["lineItems"][0]["quantity"] == 1
    for entry, call in FULFILLMENT_ENTRIES.items():
        refused, words = call(home, "MUG-1", "1")
        assert not refused, (entry, words)
