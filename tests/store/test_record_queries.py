"""The one record list query: every filter, the sorts, paging with a total, in one SELECT."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from orderhub.store import Database
from orderhub.store.record_queries import (
    RecordFilter,
    UpdatedWindow,
    count_records,
    find_by_ext,
    find_records,
    fulfillments_of_order,
    variants_of,
)
from orderhub.store.records import EntityKind, Origin, UpsertItem, upsert_records
from store.conftest import T0

FLOW = Origin(integration_id=None, actor="flow")


def _orders(database: Database, integration_id: str, n: int, *, at_once: bool = True) -> None:
    """`n` orders #1000…, statuses cycling new/fulfilled/canceled; with `at_once` all share
    one update time (as a pulled page does), so only the hub id breaks the ties."""
    statuses = ["new", "fulfilled", "canceled"]
    for number in range(n):
        items = [
            UpsertItem(
                integration_id,
                str(number),
                {
                    "extOrderId": f"#{1000 + number}",
                    "status": statuses[number % 3],
                    "extOrderUpdatedAt": (T0 - timedelta(days=number)).isoformat(),
                    "lineItems": [],
                },
                {"raw": "x" * 100},
            )
        ]
        now = T0 if at_once else T0 + timedelta(seconds=number)
        with database.session() as session:
            upsert_records(session, EntityKind.ORDER, items, origin=FLOW, now=now)


@contextmanager
def _statements(database: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", count)


def _selects(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")]


def test_a_page_and_its_total_come_from_one_select_in_a_stable_order(
    database: Database, integration_id: str
) -> None:
    _orders(database, integration_id, 12)
    where = RecordFilter(EntityKind.ORDER)
    with database.read_session() as session, _statements(database) as seen:
        pages = [find_records(session, where, skip=skip, count=5) for skip in (0, 5, 10)]
        assert len(_selects(seen)) == 3
    assert [page.total for page in pages] == [12, 12, 12]
    ids = [record.hub_id for page in pages for record in page.records]
    assert len(ids) == len(set(ids)) == 12
    assert ids == sorted(ids, reverse=True)  # one update time: the hub id decides, newest first
    assert all(record.source_doc is None for page in pages for record in page.records)
    with database.read_session() as session:
        oldest_first = find_records(session, where, count=12, sort="updatedAt")
    assert [r.hub_id for r in oldest_first.records] == sorted(ids)


def test_a_page_past_the_end_still_knows_the_total(database: Database, integration_id: str) -> None:
    _orders(database, integration_id, 3)
    with database.read_session() as session:
        past = find_records(session, RecordFilter(EntityKind.ORDER), skip=10, count=5)
        empty = find_records(session, RecordFilter(EntityKind.PRODUCT), count=5)
        everything = find_records(session, RecordFilter(EntityKind.ORDER), count=None)
    assert (past.records, past.total) == ([], 3)
    assert (empty.records, empty.total) == ([], 0)
    assert len(everything.records) == everything.total == 3


def test_filters_combine_statuses_integration_reference_search_and_window(
    database: Database, integration_id: str
) -> None:
    _orders(database, integration_id, 9, at_once=False)
    with database.read_session() as session:

        def numbers(where: RecordFilter) -> list[str]:
            page = find_records(session, where, count=100, sort="createdAt")
            assert page.total == len(page.records) == count_records(session, where)
            return [str(r.data["extOrderId"]) for r in page.records]

        assert numbers(RecordFilter(EntityKind.ORDER, statuses=("new", "canceled"))) == [
            "#1000", "#1002", "#1003", "#1005", "#1006", "#1008",
        ]  # fmt: skip
        assert numbers(RecordFilter(EntityKind.ORDER, integration="other")) == []
        assert numbers(RecordFilter(EntityKind.ORDER, ext_ref="#1004")) == ["#1004"]
        # A prefix of the reference; `%` and `_` are literal characters, not wildcards.
        assert numbers(RecordFilter(EntityKind.ORDER, search="#100")) == [
            f"#{1000 + n}" for n in range(9)
        ]
        assert numbers(RecordFilter(EntityKind.ORDER, search="#10_")) == []
        # The hub's update time, both ends included (the API's updatedSince/updatedUntil).
        hub_window = UpdatedWindow(since=T0 + timedelta(seconds=2), until=T0 + timedelta(seconds=4))
        assert numbers(RecordFilter(EntityKind.ORDER, window=hub_window)) == [
            "#1002", "#1003", "#1004",
        ]  # fmt: skip
        # The source's update time, end excluded (the portal's whole days).
        days = UpdatedWindow(
            since=T0 - timedelta(days=3),
            until=T0 - timedelta(days=1),
            until_inclusive=False,
            by_source_time=True,
        )
        assert numbers(RecordFilter(EntityKind.ORDER, window=days)) == ["#1002", "#1003"]


def _product(ext_id: str, sku: str, parent: str | None = None) -> UpsertItem:
    data: dict[str, Any] = {"extProductId": ext_id, "sku": sku, "name": sku}
    if parent is not None:
        data["parentExtProductId"] = parent
    else:
        data["types"] = ["parent"]
    return UpsertItem(None, ext_id, data, None)


def test_products_by_sku_without_variants_then_their_variants_in_one_query(
    database: Database,
) -> None:
    items = [
        _product("1", "B-SHIRT"),
        _product("2", "A-MUG"),
        _product("11", "B-SHIRT-L", parent="1"),
        _product("12", "B-SHIRT-M", parent="1"),
        _product("21", "A-MUG-RED", parent="2"),
    ]
    with database.session() as session:
        upsert_records(session, EntityKind.PRODUCT, items, origin=FLOW, now=T0)
    with database.read_session() as session:
        tops = find_records(
            session, RecordFilter(EntityKind.PRODUCT, top_level_only=True), sort="sku"
        )
        with _statements(database) as seen:
            variants = variants_of(session, tops.records)
            assert len(_selects(seen)) == 1
    assert [r.data["sku"] for r in tops.records] == ["A-MUG", "B-SHIRT"]
    by_parent = {
        parent.data["sku"]: [v.data["sku"] for v in variants[parent.hub_id]]
        for parent in tops.records
    }
    assert by_parent == {"A-MUG": ["A-MUG-RED"], "B-SHIRT": ["B-SHIRT-L", "B-SHIRT-M"]}


def test_lookups_by_external_id_and_an_orders_fulfillments(
    database: Database, integration_id: str
) -> None:
    _orders(database, integration_id, 2)
    with database.read_session() as session:
        [order] = find_by_ext(session, EntityKind.ORDER, "#1001", integration=None)
        assert find_by_ext(session, EntityKind.ORDER, "1", integration=integration_id) == [order]
        by_source_id = find_by_ext(
            session, EntityKind.ORDER, "#1001", integration=None, source_id_only=True
        )
        assert by_source_id == []
    fulfillment = UpsertItem(None, "f1", {"orderId": order.hub_id, "lineItems": []}, None)
    with database.session() as session:
        upsert_records(session, EntityKind.FULFILLMENT, [fulfillment], origin=FLOW, now=T0)
    with database.read_session() as session:
        found = fulfillments_of_order(session, order.hub_id)
        assert [r.data["orderId"] for r in found] == [order.hub_id]
        assert fulfillments_of_order(session, "nope") == []
