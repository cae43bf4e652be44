"""Reads a push page makes without documents (SKUs, who holds a SKU), and a page's notes at once.

Every test runs on SQLite and PostgreSQL (the `database` fixture).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orderhub.store import Database, EntityKind, Origin
from orderhub.store.errors import NotFoundError
from orderhub.store.feed import changes_since
from orderhub.store.records import UpsertItem, all_skus, holders_of_skus, skus_of, upsert_records
from orderhub.store.timeline import add_timeline_notes, timeline

T0 = datetime(2026, 3, 1, tzinfo=UTC)
HUB = Origin(None, actor="cli")


def product(sku: str, name: str = "Mug") -> dict[str, str]:
    return {"sku": sku, "name": name}


def write(database: Database, integration: str | None, *skus: str) -> dict[str, str]:
    items = [UpsertItem(integration, sku, product(sku), None) for sku in skus]
    origin = Origin(integration, flow="products.pull") if integration else HUB
    with database.session() as session:
        results = upsert_records(session, EntityKind.PRODUCT, items, origin=origin, now=T0)
    return {sku: result.hub_id for sku, result in zip(skus, results, strict=True)}


def test_skus_and_their_holders_come_from_the_sku_column(database: Database) -> None:
    hub = write(database, None, "MUG-1", "MUG-2")
    store_a = write(database, "int_a", "MUG-2", "CUP-9")
    write(database, "int_b", "MUG-2")
    with database.session() as session:
        wanted = [hub["MUG-1"], store_a["CUP-9"], "0000000000000000"]
        assert skus_of(session, EntityKind.PRODUCT, wanted) == {
            hub["MUG-1"]: "MUG-1",
            store_a["CUP-9"]: "CUP-9",
        }
        assert all_skus(session, EntityKind.PRODUCT) == {"MUG-1", "MUG-2", "CUP-9"}
        assert all_skus(session, EntityKind.INVENTORY) == set()
        holders = holders_of_skus(session, EntityKind.PRODUCT, ["MUG-2", "CUP-9", "NONE"])
    assert holders == {"MUG-2": {None, "int_a", "int_b"}, "CUP-9": {"int_a"}}


def test_many_ids_are_read_in_chunks(database: Database) -> None:
    skus = [f"SKU-{n:04d}" for n in range(1_100)]  # more than two IN lists of 500
    ids = write(database, None, *skus)
    with database.session() as session:
        found = skus_of(session, EntityKind.PRODUCT, list(ids.values()))
        holders = holders_of_skus(session, EntityKind.PRODUCT, skus)
    assert found == {hub_id: sku for sku, hub_id in ids.items()}
    assert holders == {sku: {None} for sku in skus}


def test_a_pages_notes_land_in_order_and_are_not_changes(database: Database) -> None:
    ids = write(database, None, "MUG-1", "MUG-2")
    origin = Origin("int_a", run_id="run_1", flow="products.push")
    notes = [(ids["MUG-1"], "first"), (ids["MUG-2"], "other"), (ids["MUG-1"], "second")]
    with database.session() as session:
        before = len(changes_since(session, EntityKind.PRODUCT, 0))
        add_timeline_notes(session, EntityKind.PRODUCT, notes, origin=origin, now=T0)
    with database.session() as session:
        first = [e.note for e in timeline(session, EntityKind.PRODUCT, ids["MUG-1"])]
        other = timeline(session, EntityKind.PRODUCT, ids["MUG-2"])
        after = len(changes_since(session, EntityKind.PRODUCT, 0))
    assert first == [None, "first", "second"]  # the creation, then the notes
    assert [(e.action, e.note, e.run_id) for e in other[1:]] == [("note", "other", "run_1")]
    assert after == before


def test_a_note_on_a_missing_record_writes_none_of_the_page(database: Database) -> None:
    ids = write(database, None, "MUG-1")
    notes = [(ids["MUG-1"], "kept?"), ("ffffffffffffffff", "lost")]
    with pytest.raises(NotFoundError, match="ffffffffffffffff"), database.session() as session:
        add_timeline_notes(session, EntityKind.PRODUCT, notes, origin=HUB, now=T0)
    with database.session() as session:
        assert [e.note for e in timeline(session, EntityKind.PRODUCT, ids["MUG-1"])] == [None]
