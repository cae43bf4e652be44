"""Records: idempotent upserts by content hash, reads and filters, change feed, timelines."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orderhub.domain import LineItem, Order, OrderStatus
from orderhub.store import Database, EntityKind, NotFoundError, Origin
from orderhub.store.feed import changes_since
from orderhub.store.records import (
    content_hash,
    count_records,
    get_record,
    get_record_by_ext,
    list_records,
    upsert_record,
)
from orderhub.store.tables import ChangeRow, TimelineRow
from orderhub.store.timeline import add_timeline_note, timeline

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
PULL = Origin("int_a", run_id="run0000000000001", flow="orders.pull")
ORDER = EntityKind.ORDER


def order_data(number: str = "1001", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "extOrderId": number,
        "extOrderApiId": f"api-{number}",
        "status": "new",
        "extOrderUpdatedAt": "2026-02-28T10:00:00.000Z",
        "lineItems": [{"uniqueId": "1", "sku": "SKU-1", "quantity": 2, "itemPrice": 9.5}],
    }
    data.update(changes)
    return data


def upsert(
    session: Session,
    data: dict[str, Any],
    *,
    ext_id: str = "5001",
    integration_id: str | None = "int_a",
    origin: Origin = PULL,
    now: datetime = T0,
    kind: EntityKind = ORDER,
) -> Any:
    return upsert_record(
        session,
        kind,
        integration_id=integration_id,
        ext_id=ext_id,
        data=data,
        source_doc={"id": ext_id, "raw": True},
        origin=origin,
        now=now,
    )


def feed_size(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ChangeRow)) or 0


def event_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(TimelineRow)) or 0


def test_first_upsert_creates_the_record(database: Database) -> None:
    with database.session() as session:
        result = upsert(session, order_data())
    assert result.outcome == "created"
    assert re.fullmatch(r"[0-9a-f]{16}", result.hub_id)
    assert result.seq is not None
    assert result.seq >= 1
    assert result.changed_fields == tuple(sorted(order_data()))
    with database.read_session() as session:
        record = get_record(session, ORDER, result.hub_id)
    assert record is not None
    assert record.data == order_data()
    assert record.source_doc == {"id": "5001", "raw": True}
    assert record.integration_id == "int_a"
    assert record.ext_id == "5001"
    assert record.seq == result.seq
    assert record.content_hash == content_hash(order_data())
    assert record.created_at == record.updated_at == T0


def test_same_content_is_unchanged_and_writes_nothing(database: Database) -> None:
    with database.session() as session:
        created = upsert(session, order_data())
    with database.session() as session:
        before = (feed_size(session), event_count(session))
        # Key order must not matter: the hash is of canonical JSON.
        again = upsert(
            session, dict(reversed(list(order_data().items()))), now=T0 + timedelta(hours=1)
        )
        after = (feed_size(session), event_count(session))
    assert again.outcome == "unchanged"
    assert again.hub_id == created.hub_id
    assert again.seq is None
    assert again.changed_fields == ()
    assert after == before
    with database.read_session() as session:
        record = get_record(session, ORDER, created.hub_id)
    assert record is not None
    assert record.seq == created.seq
    assert record.updated_at == T0


def test_changed_content_updates_with_the_fields_that_changed(database: Database) -> None:
    with database.session() as session:
        created = upsert(session, order_data())
    changed = order_data(status="canceled", email="a@example.com")
    del changed["extOrderUpdatedAt"]
    later = T0 + timedelta(minutes=5)
    with database.session() as session:
        updated = upsert(session, changed, now=later)
    assert updated.outcome == "updated"
    assert updated.hub_id == created.hub_id
    assert updated.changed_fields == ("email", "extOrderUpdatedAt", "status")
    assert updated.seq is not None
    assert created.seq is not None
    assert updated.seq > created.seq
    with database.read_session() as session:
        record = get_record(session, ORDER, created.hub_id)
    assert record is not None
    assert record.data == changed
    assert (record.created_at, record.updated_at, record.seq) == (T0, later, updated.seq)


def test_hub_fields_in_the_data_are_ignored(database: Database) -> None:
    with database.session() as session:
        created = upsert(session, order_data())
        record = get_record(session, ORDER, created.hub_id)
        assert record is not None
        # Writing back what was read (with orderId, integration, createdAt…) is no change.
        again = upsert(session, record.to_wire(), now=T0 + timedelta(days=1))
    assert again.outcome == "unchanged"


def test_to_wire_adds_the_hub_fields(database: Database) -> None:
    with database.session() as session:
        created = upsert(session, order_data())
        native = upsert(session, order_data("H-1"), integration_id=None, ext_id="H-1")
        wire = get_record(session, ORDER, created.hub_id)
        native_wire = get_record(session, ORDER, native.hub_id)
    assert wire is not None
    assert native_wire is not None
    assert wire.to_wire() == {
        "orderId": created.hub_id,
        **order_data(),
        "integration": "int_a",
        "createdAt": "2026-03-01T12:00:00.123Z",
        "updatedAt": "2026-03-01T12:00:00.123Z",
    }
    assert "integration" not in native_wire.to_wire()


def test_a_domain_order_round_trips_through_the_store(database: Database) -> None:
    order = Order(
        ext_order_id="#1001",
        ext_order_api_id="1001",
        status=OrderStatus.NEW,
        total_price=Decimal("19.99"),
        ext_order_updated_at=datetime(2026, 2, 1, 8, 30, tzinfo=UTC),
        line_items=[LineItem(unique_id="7", sku="A-1", quantity=1, item_price=Decimal("19.99"))],
    )
    with database.session() as session:
        created = upsert(session, order.to_wire(), ext_id="1001")
        record = get_record(session, ORDER, created.hub_id)
    assert record is not None
    back = Order.model_validate(record.to_wire())
    assert back.order_id == created.hub_id
    assert back.integration == "int_a"
    assert (
        back.model_copy(
            update={"order_id": None, "integration": None, "created_at": None, "updated_at": None}
        )
        == order
    )


def test_the_key_is_kind_integration_and_external_id(database: Database) -> None:
    with database.session() as session:
        a = upsert(session, order_data(), integration_id="int_a")
        b = upsert(session, order_data(), integration_id="int_b")
        native = upsert(session, order_data(), integration_id=None)
        native_again = upsert(session, order_data(status="onHold"), integration_id=None)
        product = upsert(session, {"sku": "S", "name": "S"}, kind=EntityKind.PRODUCT)
    assert len({a.hub_id, b.hub_id, native.hub_id, product.hub_id}) == 4
    assert native_again.hub_id == native.hub_id
    assert native_again.outcome == "updated"
    with database.read_session() as session:
        assert count_records(session, ORDER) == 3
        found = get_record_by_ext(session, ORDER, None, "5001")
        assert found is not None
        assert found.hub_id == native.hub_id
        assert found.integration_id is None
        b_found = get_record_by_ext(session, ORDER, "int_b", "5001")
        assert b_found is not None
        assert b_found.hub_id == b.hub_id
        assert get_record_by_ext(session, ORDER, "int_c", "5001") is None
        assert get_record(session, EntityKind.PRODUCT, a.hub_id) is None  # wrong kind


def test_list_filters_and_orders(database: Database) -> None:
    with database.session() as session:
        ids = []
        for index in range(5):
            status = "fulfilled" if index % 2 else "new"
            result = upsert(
                session,
                order_data(str(1000 + index), status=status),
                ext_id=str(index),
                integration_id="int_a" if index < 4 else "int_b",
                now=T0 + timedelta(minutes=index),
            )
            ids.append(result.hub_id)
    with database.read_session() as session:
        assert [r.hub_id for r in list_records(session, ORDER)] == ids[::-1]
        assert [r.hub_id for r in list_records(session, ORDER, newest_first=False)] == ids
        assert [r.hub_id for r in list_records(session, ORDER, limit=2, offset=1)] == ids[3:1:-1]
        assert {r.hub_id for r in list_records(session, ORDER, status="fulfilled")} == {
            ids[1],
            ids[3],
        }
        assert {r.hub_id for r in list_records(session, ORDER, integration_id="int_b")} == {ids[4]}
        since = list_records(session, ORDER, updated_since=T0 + timedelta(minutes=3))
        assert {r.hub_id for r in since} == {ids[3], ids[4]}
        assert [r.hub_id for r in list_records(session, ORDER, ext_ref="1002")] == [ids[2]]
        assert count_records(session, ORDER, status="new") == 3
        assert count_records(session, ORDER, integration_id="int_a", status="new") == 2
        assert count_records(session, EntityKind.PRODUCT) == 0


def test_products_and_inventory_are_found_by_sku(database: Database) -> None:
    with database.session() as session:
        upsert(session, {"sku": "A", "name": "A"}, ext_id="p1", kind=EntityKind.PRODUCT)
        wanted = upsert(session, {"sku": "B", "name": "B"}, ext_id="p2", kind=EntityKind.PRODUCT)
        upsert(
            session,
            {"sku": "B", "locationId": "L", "onHand": 3},
            ext_id="B@L",
            kind=EntityKind.INVENTORY,
        )
    with database.read_session() as session:
        found = list_records(session, EntityKind.PRODUCT, sku="B")
        assert [r.hub_id for r in found] == [wanted.hub_id]
        assert count_records(session, EntityKind.INVENTORY, sku="B") == 1


def test_returned_data_is_a_private_copy(database: Database) -> None:
    with database.session() as session:
        created = upsert(session, order_data())
        record = get_record(session, ORDER, created.hub_id)
        assert record is not None
        record.data["status"] = "tampered"
        again = get_record(session, ORDER, created.hub_id)
    assert again is not None
    assert again.data["status"] == "new"


def test_change_feed_is_monotonic_and_skips_unchanged(database: Database) -> None:
    with database.session() as session:
        first = upsert(session, order_data(), ext_id="1")
        upsert(session, order_data(), ext_id="1")  # unchanged: no entry
        second = upsert(session, order_data(status="closed"), ext_id="1")
        third = upsert(session, order_data("2"), ext_id="2")
        upsert(session, {"sku": "S", "name": "S"}, kind=EntityKind.PRODUCT)
    with database.read_session() as session:
        feed = changes_since(session, ORDER, 0)
    assert [c.hub_id for c in feed] == [first.hub_id, first.hub_id, third.hub_id]
    assert [c.seq for c in feed] == [first.seq, second.seq, third.seq]
    assert [c.seq for c in feed] == sorted({c.seq for c in feed})
    assert feed[0].integration_id == "int_a"
    assert feed[0].run_id == "run0000000000001"
    assert feed[0].flow == "orders.pull"
    assert feed[0].at == T0
    with database.read_session() as session:
        assert [c.seq for c in changes_since(session, ORDER, feed[0].seq)] == [
            c.seq for c in feed[1:]
        ]
        assert [c.seq for c in changes_since(session, ORDER, 0, limit=1)] == [feed[0].seq]
        assert changes_since(session, ORDER, feed[-1].seq) == []


def test_change_feed_excludes_the_integrations_own_changes(database: Database) -> None:
    api = Origin(None, actor="api")
    other = Origin("int_b", flow="products.pull")
    product = EntityKind.PRODUCT
    with database.session() as session:
        pulled = upsert(session, {"sku": "A", "name": "A"}, kind=product, origin=PULL)
        upsert(session, {"sku": "A", "name": "A2"}, kind=product, origin=api)
        upsert(session, {"sku": "A", "name": "A3"}, kind=product, origin=other)
    with database.read_session() as session:
        everything = changes_since(session, product, 0)
        for_a = changes_since(session, product, 0, exclude_integration="int_a")
        for_b = changes_since(session, product, 0, exclude_integration="int_b")
    assert [c.integration_id for c in everything] == ["int_a", None, "int_b"]
    assert [c.integration_id for c in for_a] == [None, "int_b"]
    assert [c.integration_id for c in for_b] == ["int_a", None]
    assert {c.hub_id for c in everything} == {pulled.hub_id}
    assert everything[1].actor == "api"


def test_timeline_tells_what_changed_and_who_changed_it(database: Database) -> None:
    api = Origin(None, actor="api")
    with database.session() as session:
        created = upsert(session, order_data())
        upsert(session, order_data(), now=T0 + timedelta(minutes=1))  # unchanged: no event
        upsert(session, order_data(status="canceled"), origin=api, now=T0 + timedelta(minutes=2))
        add_timeline_note(
            session,
            ORDER,
            created.hub_id,
            note="called the customer",
            origin=Origin(None, actor="portal"),
            now=T0 + timedelta(minutes=3),
        )
    with database.read_session() as session:
        events = timeline(session, ORDER, created.hub_id)
    assert [e.action for e in events] == ["created", "updated", "note"]
    assert [e.at for e in events] == [T0, T0 + timedelta(minutes=2), T0 + timedelta(minutes=3)]
    assert events[0].changed_fields == tuple(sorted(order_data()))
    assert (events[0].integration_id, events[0].run_id, events[0].flow, events[0].actor) == (
        "int_a",
        "run0000000000001",
        "orders.pull",
        "flow",
    )
    assert events[1].changed_fields == ("status",)
    assert (events[1].integration_id, events[1].actor) == (None, "api")
    assert (events[2].note, events[2].actor, events[2].changed_fields) == (
        "called the customer",
        "portal",
        (),
    )


def test_a_note_does_not_enter_the_change_feed(database: Database) -> None:
    with database.session() as session:
        created = upsert(session, order_data())
        add_timeline_note(
            session, ORDER, created.hub_id, note="n", origin=Origin(None, actor="cli"), now=T0
        )
    with database.read_session() as session:
        assert len(changes_since(session, ORDER, 0)) == 1


def test_a_note_on_a_missing_record_is_refused(database: Database) -> None:
    with pytest.raises(NotFoundError), database.session() as session:
        add_timeline_note(
            session, ORDER, "0" * 16, note="n", origin=Origin(None, actor="cli"), now=T0
        )


def test_origin_actor_is_checked() -> None:
    with pytest.raises(ValueError, match="actor"):
        Origin(None, actor="robot")


def test_an_upsert_rolls_back_with_its_transaction(database: Database) -> None:

    def crash_after_the_upsert() -> None:
        with database.session() as session:
            upsert(session, order_data())
            raise RuntimeError("crash")

    with pytest.raises(RuntimeError, match="crash"):
        crash_after_the_upsert()
    with database.read_session() as session:
        assert count_records(session, ORDER) == 0
        assert changes_since(session, ORDER, 0) == []
        assert event_count(session) == 0
