"""The query syntax: every op, +AND+/+OR+, the leading OR+, %2B offsets, types, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from cartcom_sandbox_support import all_records

from orderhub.connectors.cartcom.timestamps import parse_cartcom_time

FIELDS = "id,grand_total,order_status_id,updated_at,is_gift,entered_by,order_number,channel"


@pytest.fixture(scope="module")
def orders(api: httpx.Client) -> list[dict[str, object]]:
    return all_records(api, "orders", fields=FIELDS)


def ids(api: httpx.Client, query: str) -> list[int]:
    response = api.get(f"orders?{query}&fields=id&count=250")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total_count"] <= 250
    return [o["id"] for o in body["orders"]]


def test_numeric_ops(api: httpx.Client, orders: list[dict[str, object]]) -> None:
    totals = {o["id"]: float(o["grand_total"]) for o in orders}  # type: ignore[arg-type]
    pivot = sorted(totals.values())[len(totals) // 2]
    cases = {
        "gt": lambda v: v > pivot,
        "gte": lambda v: v >= pivot,
        "lt": lambda v: v < pivot,
        "lte": lambda v: v <= pivot,
        "eq": lambda v: v == pivot,
        "not": lambda v: v != pivot,
    }
    for op, test in cases.items():
        expected = sorted(i for i, v in totals.items() if test(v))
        if len(expected) > 250:
            response = api.get(f"orders?grand_total={op}:{pivot}&fields=id&count=1").json()
            assert response["total_count"] == len(expected), op
        else:
            assert ids(api, f"grand_total={op}:{pivot}") == expected, op


def test_eq_is_the_default_op(api: httpx.Client, orders: list[dict[str, object]]) -> None:
    status = orders[0]["order_status_id"]
    expected = [o["id"] for o in orders if o["order_status_id"] == status]
    body = api.get(f"orders?order_status_id={status}&fields=id&count=1").json()
    assert body["total_count"] == len(expected)


def test_like_and_startwith_are_case_insensitive(
    api: httpx.Client, orders: list[dict[str, object]]
) -> None:
    expected = sorted(o["id"] for o in orders if "gmail" in str(o["entered_by"]))  # type: ignore[misc]
    assert ids(api, "entered_by=like:GMAIL") == expected
    first = str(orders[0]["entered_by"])[:4]
    starting = sorted(
        o["id"]
        for o in orders  # type: ignore[misc]
        if str(o["entered_by"]).lower().startswith(first.lower())
    )
    assert ids(api, f"entered_by=startwith:{first.upper()}") == starting


def test_and_within_a_field(api: httpx.Client, orders: list[dict[str, object]]) -> None:
    expected = sorted(
        o["id"]
        for o in orders  # type: ignore[misc]
        if 50 < float(o["grand_total"]) <= 100
    )  # type: ignore[arg-type]
    assert ids(api, "grand_total=gt:50+AND+lte:100") == expected


def test_or_within_a_field_and_and_binds_before_or(api: httpx.Client) -> None:
    assert ids(api, "id=eq:100001+OR+eq:100005") == [100001, 100005]
    # (id > 100290 AND id < 100293) OR id = 100003
    assert ids(api, "id=gt:100290+AND+lt:100293+OR+eq:100003") == [100003, 100291, 100292]


def test_fields_are_anded_unless_the_first_value_starts_with_or(api: httpx.Client) -> None:
    assert ids(api, "id=lt:100003&grand_total=gt:0") == [100000, 100001, 100002]
    assert ids(api, "id=eq:100001&order_status_id=eq:-5") == []
    assert ids(api, "id=OR+eq:100001&order_status_id=eq:-5") == [100001]


def test_datetime_compares_as_instants_in_any_offset(
    api: httpx.Client, orders: list[dict[str, object]]
) -> None:
    stamps = sorted(parse_cartcom_time(o["updated_at"]) for o in orders)  # type: ignore[type-var]
    pivot = stamps[len(stamps) // 2]
    assert pivot is not None
    expected = sum(1 for s in stamps if s is not None and s >= pivot)
    utc = pivot.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    india = pivot.astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat()
    for value in (utc, india.replace("+", "%2B")):
        body = api.get(f"orders?updated_at=gte:{value}&fields=id&count=1").json()
        assert body["total_count"] == expected, value
    unescaped = api.get(f"orders?updated_at=gte:{india}")  # '+' decodes to a space
    assert unescaped.status_code == 400
    assert "%2B" in unescaped.json()["details"]


def test_a_timestamp_read_back_matches_eq_exactly(
    api: httpx.Client, orders: list[dict[str, object]]
) -> None:
    sample = orders[17]
    stamp = str(sample["updated_at"]).replace("+", "%2B")
    matches = ids(api, f"updated_at=eq:{stamp}")
    assert sample["id"] in matches
    everything_equal = [o["id"] for o in orders if o["updated_at"] == sample["updated_at"]]
    assert matches == sorted(everything_equal)  # type: ignore[type-var]


def test_booleans_strings_and_null(api: httpx.Client, orders: list[dict[str, object]]) -> None:
    gifts = sorted(o["id"] for o in orders if o["is_gift"])  # type: ignore[misc]
    assert ids(api, "is_gift=true") == gifts
    empty_numbers = sum(1 for o in orders if o["order_number"] == "")
    body = api.get("orders?order_number=eq:&fields=id&count=1").json()
    assert body["total_count"] == empty_numbers
    assert api.get("orders?location_id=eq:null&count=1").json()["total_count"] == 300
    assert api.get("orders?location_id=not:null").json()["total_count"] == 0
    assert api.get("orders?channel=phone&count=1").json()["total_count"] == sum(
        1 for o in orders if o["channel"] == "Phone"
    )


def test_filter_errors_are_400(api: httpx.Client) -> None:
    for query in (
        "bogus=1",
        "items=1",
        "grand_total=gt:abc",
        "is_gift=maybe",
        "updated_at=gt:yesterday",
    ):
        response = api.get(f"orders?{query}")
        assert response.status_code == 400, query
        assert response.json()["status_code"] == 400


def test_filters_on_child_resources_use_the_foreign_key(api: httpx.Client) -> None:
    body = api.get("order_items?order_id=eq:100001+OR+eq:100002&fields=order_id").json()
    assert {i["order_id"] for i in body["order_items"]} == {100001, 100002}
    one = api.get("orders/100001/items").json()["total_count"]
    two = api.get("orders/100002/items").json()["total_count"]
    assert body["total_count"] == one + two


def test_updated_at_range_walk_in_cursor_order(
    api: httpx.Client, orders: list[dict[str, object]]
) -> None:
    """The incremental-sync query returns (updated_at, id) order with correct totals."""
    since = datetime(2026, 3, 1, tzinfo=UTC)
    expected = sorted(
        (
            (parse_cartcom_time(o["updated_at"]), o["id"])
            for o in orders
            if (parse_cartcom_time(o["updated_at"]) or since) >= since
        ),  # type: ignore[operator]
    )
    got = all_records(
        api,
        "orders",
        updated_at="gte:2026-03-01T00:00:00Z",
        sort="updated_at,id",
        fields="id,updated_at",
    )
    assert [(parse_cartcom_time(o["updated_at"]), o["id"]) for o in got] == expected
