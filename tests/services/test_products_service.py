"""upsert_hub_product and import_products_csv: hub-native products for products.push to carry."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from orderhub.clock import FakeClock
from orderhub.domain.product import Product, ProductStatus
from orderhub.errors import UsageError
from orderhub.hub import Hub, default_registry
from orderhub.secrets import SecretBox
from orderhub.services.products import import_products_csv, upsert_hub_product
from orderhub.services.results import RowError
from orderhub.settings import Settings
from orderhub.store.database import Database
from orderhub.store.feed import changes_since
from orderhub.store.records import EntityKind, Origin, get_record_by_ext, upsert_record

KEY = "products-service-test-secret-key"
NOW = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def hub(database: Database, tmp_path: Path) -> Hub:
    settings = Settings(home=tmp_path, database_url="unused://", secret_key=KEY)
    return Hub(
        settings=settings,
        db=database,
        box=SecretBox(KEY),
        registry=default_registry(),
        clock=FakeClock(NOW),
    )


def held(hub: Hub, sku: str) -> dict[str, Any] | None:
    with hub.db.read_session() as session:
        record = get_record_by_ext(session, EntityKind.PRODUCT, None, sku)
    return record.to_wire() if record is not None else None


def test_a_hub_product_is_keyed_by_its_sku_and_has_no_integration(hub: Hub) -> None:
    made = upsert_hub_product(
        hub, Product(sku=" MUG-1 ", name="Mug", price=Decimal("9.5")), actor="api"
    )
    again = upsert_hub_product(
        hub, Product(sku="MUG-1", name="Mug", price=Decimal("9.50")), actor="api"
    )

    assert made["sku"] == "MUG-1"
    assert "integration" not in made
    assert again["productId"] == made["productId"]
    with hub.db.read_session() as session:
        changes = changes_since(session, EntityKind.PRODUCT, 0)
    assert [(c.integration_id, c.actor) for c in changes] == [(None, "api")]  # same content: 1


def test_a_product_without_sku_or_name_is_refused(hub: Hub) -> None:
    with pytest.raises(ValidationError, match="sku"):
        Product(sku="  ", name="x")  # the domain refuses a blank SKU before any service
    with pytest.raises(UsageError, match="needs a name"):
        upsert_hub_product(hub, Product(sku="A", name=" "), actor="api")


def test_csv_rows_land_and_a_bad_row_is_reported_by_its_line(hub: Hub) -> None:
    text = (
        "SKU,Name,Price,retail,weight,weightUnit,status,categories,imageUrls,taxable\n"
        "A-1,Teapot,19.90,25,1.2,LB,active,Kitchen|Tea,https://x.test/a.jpg,yes\n"
        "A-2,Cup,abc,,,,,,,\n"
        '"A-3","Saucer, blue\nwith a second line",4,,,,,,,\n'
        "A-4,Plate,3,,,,sold out,,,\n"
        ",No sku,3,,,,,,,\n"
        ",,,,,,,,,\n"
        "A-5,,,,,,,,,\n"
        "A-6,Bowl,2,,,,inactive,,,no\n"
    )

    report = import_products_csv(hub, text, actor="cli")

    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert report.errors == [
        RowError(3, "price: 'abc' is not a number"),
        RowError(4, "name: holds a control character (line break at position 13); remove it"),
        RowError(6, "status: 'sold out' is not one of active, inactive"),
        RowError(7, "sku is required"),
        RowError(9, "name is required for a new product (A-5)"),
    ]
    teapot = held(hub, "A-1")
    assert teapot is not None
    assert (teapot["price"], teapot["retailPrice"], teapot["weightUnit"]) == (19.9, 25.0, "lb")
    assert teapot["categories"] == ["Kitchen", "Tea"]
    assert teapot["imageUrls"] == ["https://x.test/a.jpg"]
    assert teapot["taxable"] is True
    assert held(hub, "A-3") is None  # a name is one line: the quoted line break is refused
    bowl = held(hub, "A-6")
    assert bowl is not None
    assert (bowl["status"], bowl["taxable"]) == (ProductStatus.INACTIVE.value, False)


def test_a_blank_cell_keeps_the_value_and_a_slash_clears_it(hub: Hub) -> None:
    import_products_csv(
        hub, "sku,name,description,upc,cost,categories\nB-1,Jug,Tall,0123,2,Kitchen\n", actor="cli"
    )

    report = import_products_csv(
        hub, "sku,name,description,upc,cost,categories\nB-1,,/,,/,/\n", actor="cli"
    )

    assert (report.updated, report.errors) == (1, [])
    jug = held(hub, "B-1")
    assert jug is not None
    assert (jug["name"], jug["upc"]) == ("Jug", "0123")  # blank: kept
    assert "description" not in jug  # "/": cleared
    assert "cost" not in jug
    assert jug["categories"] == []
    again = import_products_csv(hub, "sku,name\nB-1,Jug\n", actor="cli")
    assert (again.unchanged, again.updated) == (1, 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty"),
        ("sku,prise\nA,1\n", "Unknown column(s) 'prise'"),
        ("name,price\nA,1\n", "no sku column"),
    ],
)
def test_a_bad_header_stops_the_import_before_any_row(hub: Hub, text: str, message: str) -> None:
    report = import_products_csv(hub, text, actor="cli")

    assert len(report.errors) == 1
    assert report.errors[0].line == 1
    assert message in report.errors[0].message
    assert report.created == 0


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("C-1,Cup,-1", "price: must be 0 or more, got '-1'"),
        ("C-1,/,1", "name cannot be cleared"),
        ("C-1,Cup,1,extra", "4 cells but only 3 columns"),
    ],
)
def test_bad_cells_name_their_field(hub: Hub, row: str, message: str) -> None:
    report = import_products_csv(hub, f"sku,name,price\n{row}\n", actor="cli")

    assert report.errors == [RowError(2, message)]


def test_a_row_for_a_sku_only_pulled_from_a_store_starts_from_that_copy(hub: Hub) -> None:
    pulled = Product(
        sku="P-1",
        name="Pulled lamp",
        price=Decimal("30"),
        cost=Decimal("12"),
        ext_product_id="77",
        ext_product_api_id="products/77",
    )
    with hub.db.session() as session:
        upsert_record(
            session,
            EntityKind.PRODUCT,
            integration_id="int_a",
            ext_id="77",
            data=pulled.to_wire(),
            source_doc=None,
            origin=Origin("int_a", run_id="r1", flow="products.pull"),
            now=NOW,
        )

    report = import_products_csv(hub, "sku,price\nP-1,25\n", actor="cli")

    assert (report.created, report.errors) == (1, [])
    native = held(hub, "P-1")
    assert native is not None
    assert (native["name"], native["price"], native["cost"]) == ("Pulled lamp", 25.0, 12.0)
    assert "extProductId" not in native
    assert "integration" not in native


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("C\x00-1,Cup,1", "sku: holds a control character (NUL at position 2); remove it"),
        ("C-1,Cup,\u0663", "price: '\u0663' is not a number"),
        ("C-1,Cup,99999999999999999999", "price: '99999999999999999999' has more than 15 digits"),
    ],
)
def test_cells_the_bounds_refuse_name_their_field(hub: Hub, row: str, message: str) -> None:
    report = import_products_csv(hub, f"sku,name,price\n{row}\nD-1,Dish,2\n", actor="cli")

    assert report.errors == [RowError(2, message)]
    assert report.created == 1


def test_a_field_over_the_csv_limit_refuses_its_row_and_the_others_land(hub: Hub) -> None:
    text = (
        "sku,name,description\n"
        "L-1,Lamp,short\n"
        f'L-2,Lamp two,"{"d" * 131_073}\nsecond line"\n'
        "L-3,Lamp three,\n"
    )

    report = import_products_csv(hub, text, actor="cli")

    assert report.errors == [
        RowError(3, "a field is longer than 131,072 characters (the description column)")
    ]
    assert report.created == 2
    assert held(hub, "L-1") is not None
    assert held(hub, "L-2") is None
    assert held(hub, "L-3") is not None
