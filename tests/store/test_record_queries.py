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
    RecordSort,
    UpdatedWindow,
    available_by_sku,
    count_records,
    find_by_ext,
    find_records,
    fulfillments_of_order,
    variants_of,
)
from orderhub.store.record_sorts import SORT_FIELDS
from orderhub.store.records import EntityKind, Origin, UpsertItem, upsert_records
from orderhub.store.tables import IntegrationRow
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
        oldest_first = find_records(session, where, count=12, sort=RecordSort("updatedAt"))
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
            page = find_records(session, where, count=100, sort=RecordSort("createdAt"))
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
            session, RecordFilter(EntityKind.PRODUCT, top_level_only=True), sort=RecordSort("sku")
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


def _sortable_orders(database: Database, integration_id: str) -> str:
    """17 orders over two integrations, each sort field with ties and missing values; returns
    the second integration's id (named "A store", before "Test store")."""
    with database.session() as session:
        session.add(
            IntegrationRow(
                integration_id="second",
                connector="cartcom",
                name="A store",
                api_url="https://a.example.com/api/v1",
                api_token_encrypted="x",
                status="active",
                created_at=T0,
                updated_at=T0,
            )
        )
    names = [("Ann", "Lee"), ("bob", "Adams"), None, ("Cy", "Zed")]
    items = []
    for n in range(17):
        data: dict[str, Any] = {
            "extOrderId": f"#{[9, 10, 99, 100, 1000][n % 5] + n // 5}",
            "status": ["new", "fulfilled", "canceled"][n % 3],
            "extOrderCreatedAt": f"2025-0{1 + n % 4}-01T00:00:00Z" if n % 6 else None,
            "email": f"{n}@example.com",
            "totalPrice": [5.5, 100.0, 20.25, None][n % 4],
            "lineItems": [{"sku": "X", "quantity": 1}] * (n % 3),
        }
        who = names[n % 4]
        if who is not None:
            data["customer"] = {"firstName": who[0], "lastName": who[1]}
        owner = integration_id if n % 2 else "second"
        items.append((owner, UpsertItem(owner, str(n), data, None)))
    for n, (_, item) in enumerate(items):
        with database.session() as session:
            now = T0 + timedelta(seconds=n % 4)  # ties on the hub's times too
            upsert_records(session, EntityKind.ORDER, [item], origin=FLOW, now=now)
    return "second"


def _expected_key(field: str, record: Any, names: dict[str | None, str]) -> Any:
    data = record.data
    if field == "updatedAt":
        return (record.updated_at,)
    if field == "createdAt":
        return (record.created_at,)
    if field == "extRef":
        return (len(data["extOrderId"]), data["extOrderId"])
    if field == "status":
        return (data["status"],)
    if field == "integration":
        return (names[record.integration_id].lower(), record.integration_id)
    if field == "sourceCreatedAt":
        return (data.get("extOrderCreatedAt"),)
    if field == "customer":
        c = data.get("customer")
        return ((f"{c['firstName']} {c['lastName']}".lower() if c else None), data["email"])
    if field == "totalPrice":
        return (data.get("totalPrice"),)
    if field == "lineCount":
        return (len(data["lineItems"]),)
    raise AssertionError(field)


def test_every_sort_field_sorts_both_ways_empty_values_last_and_pages_stably(
    database: Database, integration_id: str
) -> None:
    second = _sortable_orders(database, integration_id)
    names = {integration_id: "Test store", second: "A store"}
    where = RecordFilter(EntityKind.ORDER)
    with database.read_session() as session:
        every = find_records(session, where, count=None).records
    for field in SORT_FIELDS:
        if field in ("sku", "sourceUpdatedAt"):
            continue  # orders have no SKU; the source update time has its own filter tests
        for descending in (False, True):
            sort = RecordSort(field, descending)
            with database.read_session() as session:
                paged = [
                    record.hub_id
                    for skip in range(0, 17, 4)
                    for record in find_records(
                        session, where, skip=skip, count=4, sort=sort
                    ).records
                ]

            # Python's answer: each part of the key in turn (stable sorts, least significant
            # first), empty values last either way, after the hub id.
            present = sorted(every, key=lambda r: r.hub_id, reverse=descending)
            parts = len(_expected_key(field, every[0], names))
            for part in reversed(range(parts)):

                def value(record: Any, field: str = field, part: int = part) -> Any:
                    return _expected_key(field, record, names)[part]

                filled = [r for r in present if value(r) is not None]
                empty = [r for r in present if value(r) is None]
                present = sorted(filled, key=value, reverse=descending) + empty
            assert paged == [r.hub_id for r in present], str(sort)
            assert len(set(paged)) == 17


def test_a_sort_is_read_from_known_fields_only() -> None:
    assert RecordSort.parse("-totalPrice") == RecordSort("totalPrice", descending=True)
    assert RecordSort.parse("extRef") == RecordSort("extRef")
    assert str(RecordSort("lineCount", descending=True)) == "-lineCount"
    for unknown in ("", None, "-", "data", "totalPrice; DROP TABLE records", "--updatedAt"):
        assert RecordSort.parse(unknown) is None


def test_the_hub_view_lists_one_record_per_sku_the_hub_holds_and_stock_sums_in_one_query(
    database: Database, integration_id: str
) -> None:
    copies = [
        UpsertItem(integration_id, "1", {"sku": "MUG", "name": "Mug", "price": 5.0}, None),
        UpsertItem(integration_id, "2", {"sku": "CUP", "name": "Cup", "price": 3.0}, None),
    ]
    own = [UpsertItem(None, "MUG", {"sku": "MUG", "name": "Mug", "price": 6.5}, None)]
    stock = [
        UpsertItem(None, f"{loc}:{sku}", {"sku": sku, "locationId": loc, "available": n}, None)
        for loc, sku, n in (("a", "MUG", 4), ("b", "MUG", 3), ("a", "CUP", 0))
    ]
    with database.session() as session:
        upsert_records(session, EntityKind.PRODUCT, [*copies, *own], origin=FLOW, now=T0)
        upsert_records(session, EntityKind.INVENTORY, stock, origin=FLOW, now=T0)
    with database.read_session() as session:
        view = find_records(
            session, RecordFilter(EntityKind.PRODUCT, hub_view=True), sort=RecordSort("sku")
        )
        everything = count_records(session, RecordFilter(EntityKind.PRODUCT))
        with _statements(database) as seen:
            available = available_by_sku(session, ["MUG", "CUP", "NONE"])
            assert len(_selects(seen)) == 1
    listed = [(r.data["sku"], r.integration_id, r.data["price"]) for r in view.records]
    assert listed == [("CUP", integration_id, 3.0), ("MUG", None, 6.5)]
    assert (view.total, everything) == (2, 3)
    assert available == {"MUG": 7, "CUP": 0}
