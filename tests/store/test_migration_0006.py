"""Revision 0006 gives stored US ZIP codes their leading zeros back (SQLite and PostgreSQL).

Records are written as the code before the fix stored them, at revision 0005, with plain SQL
(the repository functions track the newest schema, a migration test must not); then the
database is upgraded and checked, and the fixed mapping's output is written again to show the
next pull finds nothing to change.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from hypothesis import given
from hypothesis import strategies as st

from orderhub.connectors.cartcom.mapping import StatusBook, map_order, map_warehouse
from orderhub.connectors.cartcom.mapping.addresses import normalize_postal_code
from orderhub.store import Database, make_engine, upgrade
from orderhub.store.database import MIGRATIONS_DIR, alembic_config
from orderhub.store.dialect import JsonDocument, UtcDateTime
from orderhub.store.records import (
    EntityKind,
    Origin,
    content_hash,
    get_record_by_ext,
    upsert_record,
)

FIXTURES = Path(__file__).parents[1] / "connectors" / "cartcom" / "mapping" / "fixtures"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
CARTCOM = "i0000000000000001"

RECORDS = sa.table(
    "records",
    sa.column("hub_id", sa.String(16)),
    sa.column("kind", sa.String(16)),
    sa.column("integration_id", sa.String(32)),
    sa.column("ext_id", sa.String(255)),
    sa.column("data", JsonDocument),
    sa.column("source_doc", JsonDocument),
    sa.column("content_hash", sa.String(64)),
    sa.column("seq", sa.BigInteger()),
    sa.column("created_at", UtcDateTime()),
    sa.column("updated_at", UtcDateTime()),
)


@functools.cache
def _migration() -> ModuleType:
    path = next((MIGRATIONS_DIR / "versions").glob("0006_*.py"))
    spec = importlib.util.spec_from_file_location("orderhub_migration_0006", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def _cartcom_order() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(old stored data, what the fixed mapping gives, the pulled source document)."""
    order = _fixture("order_full.json")
    addresses = {a["id"]: a for a in _fixture("order_addresses.json")["order_addresses"]}
    customers = {c["id"]: c for c in _fixture("customers.json")["customers"]}
    statuses = StatusBook.from_records(_fixture("order_statuses.json")["order_statuses"])
    mapped = map_order(
        order,
        statuses=statuses,
        addresses=addresses,
        customers=customers,
        store_url="https://shop.example.com",
    ).to_wire()
    assert mapped["shippingAddress"]["zipCodeOrPostalCode"] == "02134"  # Boston, sent as 2134
    old = {
        **mapped,
        "shippingAddress": {**mapped["shippingAddress"], "zipCodeOrPostalCode": "2134"},
    }
    source = {"order": order, "addresses": [addresses[1597], addresses[1598]], "customer": None}
    return old, mapped, source


WAREHOUSE = {"id": 3, "name": "East", "city": "Boston", "country": "United States"}


def _rows() -> list[dict[str, Any]]:
    """(hub_id, kind, integration, data before, source_doc, data after) for every case."""
    old_order, new_order, order_doc = _cartcom_order()
    old_warehouse = map_warehouse({**WAREHOUSE, "postal_code": "2110"}).to_wire()
    old_warehouse["address"]["zipCodeOrPostalCode"] = "2110"  # as the code before the fix kept it
    new_warehouse = map_warehouse({**WAREHOUSE, "postal_code": "2110"}).to_wire()

    def order(ship: Mapping[str, Any], bill: Mapping[str, Any]) -> dict[str, Any]:
        return {"extOrderId": "x", "shippingAddress": dict(ship), "billingAddress": dict(bill)}

    us_2187 = {"zipCodeOrPostalCode": "2187", "country": "US"}
    no_country_doc = {
        "order": {"order_shipping_address_id": 5, "order_billing_address_id": 6},
        "addresses": [{"id": 5, "postal_code": 2187}, {"id": 6, "postal_code": "2187"}],
    }
    cases = [
        ("a-cartcom-order", "order", CARTCOM, old_order, order_doc, new_order),
        (
            "b-zip4-and-pr",
            "order",
            CARTCOM,
            order(
                {"zipCodeOrPostalCode": "21871234", "country": "US"},
                {"zipCodeOrPostalCode": "901", "country": "Puerto Rico"},
            ),
            None,
            order(
                {"zipCodeOrPostalCode": "02187-1234", "country": "US"},
                {"zipCodeOrPostalCode": "00901", "country": "Puerto Rico"},
            ),
        ),
        (
            "c-foreign",
            "order",
            CARTCOM,
            order(
                {"zipCodeOrPostalCode": "K1A 0B1", "country": "CA"},
                {"zipCodeOrPostalCode": "1067", "country": "DE"},
            ),
            None,
            None,
        ),
        (
            "d-no-country",  # shipping came as the integer 2187, billing as the text "2187"
            "order",
            CARTCOM,
            order({"zipCodeOrPostalCode": "2187"}, {"zipCodeOrPostalCode": "2187"}),
            no_country_doc,
            order({"zipCodeOrPostalCode": "02187"}, {"zipCodeOrPostalCode": "2187"}),
        ),
        ("e-no-doc", "order", CARTCOM, order({"zipCodeOrPostalCode": "2187"}, {}), None, None),
        ("f-hub-native", "order", "", order(us_2187, us_2187), None, None),
        (
            "g-zero",
            "order",
            CARTCOM,
            order({"zipCodeOrPostalCode": "0", "country": "US", "city": "Boston"}, us_2187),
            None,
            order({"country": "US", "city": "Boston"}, {**us_2187, "zipCodeOrPostalCode": "02187"}),
        ),
        ("h-warehouse", "location", CARTCOM, old_warehouse, WAREHOUSE, new_warehouse),
        (
            "i-location-ok",
            "location",
            CARTCOM,
            {"name": "West", "address": {"zipCodeOrPostalCode": "02110", "country": "US"}},
            None,
            None,
        ),
        ("j-product", "product", CARTCOM, {"sku": "X", "shippingAddress": us_2187}, None, None),
    ]
    return [
        {
            "hub_id": hub_id,
            "kind": kind,
            "integration_id": integration,
            "ext_id": str(before.get("extOrderApiId") or before.get("extLocationId") or hub_id),
            "data": before,
            "source_doc": doc,
            "after": after if after is not None else before,
        }
        for hub_id, kind, integration, before, doc, after in cases
    ]


@pytest.fixture
def at_0005(empty_database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0005")
        yield engine
    finally:
        engine.dispose()


def _insert(engine: sa.Engine, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        connection.execute(
            RECORDS.insert(),
            [
                {
                    **{k: row[k] for k in ("hub_id", "kind", "integration_id", "ext_id")},
                    "data": row["data"],
                    "source_doc": row["source_doc"],
                    "content_hash": content_hash(row["data"]),
                    "seq": seq,
                    "created_at": T0,
                    "updated_at": T0,
                }
                for seq, row in enumerate(rows, start=1)
            ],
        )


def _stored(engine: sa.Engine) -> dict[str, Any]:
    with engine.connect() as connection:
        rows = connection.execute(sa.select(RECORDS)).all()
    return {row.hub_id: row for row in rows}


def test_upgrade_restores_zip_zeros_and_keeps_hashes_true(at_0005: sa.Engine) -> None:
    rows = _rows()
    _insert(at_0005, rows)

    upgrade(at_0005)

    stored = _stored(at_0005)
    for row in rows:
        held = stored[row["hub_id"]]
        assert held.data == row["after"], row["hub_id"]
        assert held.content_hash == content_hash(held.data), row["hub_id"]
        assert held.source_doc == row["source_doc"], row["hub_id"]  # what Cart.com sent
        rewritten = row["after"] != row["data"]
        assert (held.updated_at > T0) is rewritten, row["hub_id"]
    with at_0005.connect() as connection:
        for table in ("changes", "timeline_events"):
            assert connection.scalar(sa.text(f"SELECT count(*) FROM {table}")) == 0


def test_the_next_pull_of_a_corrected_record_changes_nothing(at_0005: sa.Engine) -> None:
    rows = [row for row in _rows() if row["hub_id"] in ("a-cartcom-order", "h-warehouse")]
    _insert(at_0005, rows)
    upgrade(at_0005)

    database = Database(at_0005)
    origin = Origin(CARTCOM, flow="orders.pull")
    with database.session() as session:
        for row, kind in zip(rows, (EntityKind.ORDER, EntityKind.LOCATION), strict=True):
            held = get_record_by_ext(session, kind, CARTCOM, row["ext_id"])
            assert held is not None
            result = upsert_record(
                session,
                kind,
                integration_id=CARTCOM,
                ext_id=row["ext_id"],
                data=row["after"],  # what the fixed mapping makes of the same Cart.com record
                source_doc=row["source_doc"],
                origin=origin,
                now=datetime.now(UTC),
            )
            assert result.outcome == "unchanged", row["hub_id"]


def test_upgrade_walks_every_page(at_0005: sa.Engine) -> None:
    data = {"extOrderId": "x", "shippingAddress": {"zipCodeOrPostalCode": "7102", "country": "US"}}
    count = 2 * _migration()._PAGE + 7
    rows = [
        {
            "hub_id": f"{n:016x}",
            "kind": "order",
            "integration_id": CARTCOM,
            "ext_id": str(n),
            "data": data,
            "source_doc": None,
        }
        for n in range(count)
    ]
    _insert(at_0005, rows)

    upgrade(at_0005)

    zips = {row.data["shippingAddress"]["zipCodeOrPostalCode"] for row in _stored(at_0005).values()}
    assert zips == {"07102"}


countries = st.one_of(
    st.sampled_from(["US", "usa", "U.S.", "Puerto Rico", "GU", "APO", "CA", "DE", "", "  "]),
    st.none(),
    st.text(max_size=12),
)
values = st.one_of(
    st.none(),
    st.integers(min_value=-10, max_value=10**11),
    st.text(alphabet="0123456789 -AKBx", max_size=12),
)


@given(value=values, country=countries)
def test_the_frozen_copy_agrees_with_the_mapping(
    value: str | int | None, country: str | None
) -> None:
    """True when 0006 was written; if the live rule changes on purpose, pin 0006's cases here."""
    assert _migration().normalize_postal_code(value, country) == normalize_postal_code(
        value, country
    )
