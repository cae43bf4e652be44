"""KeysetPaginator and UpdatedCursor, against hand-built pages and an in-test list server."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderhub.connectors.cartcom.errors import FatalError
from orderhub.connectors.cartcom.pagination import (
    KeysetPaginator,
    PaginationLoopError,
    UpdatedCursor,
    record_key,
)
from orderhub.connectors.cartcom.timestamps import parse_cartcom_time

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
CENTRAL = timezone(timedelta(hours=-6))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def cartcom_time(when: datetime) -> str:
    """How Cart.com writes a time: the store's offset, milliseconds."""
    local = when.astimezone(CENTRAL)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}-06:00"


def rec(record_id: int, seconds: float) -> dict[str, Any]:
    return {"id": record_id, "updated_at": cartcom_time(at(seconds))}


# --- a list server implementing the query syntax the walk uses ----------------------------


def _matches(value: Any, condition: str, parse: Any) -> bool:
    op, _, raw = condition.partition(":")
    if value is None:
        return False
    target = parse(raw)
    return {
        "eq": value == target,
        "gt": value > target,
        "gte": value >= target,
        "lt": value < target,
        "lte": value <= target,
    }[op]


class ListServer:
    """Serves `records` with gte/gt/eq filters on updated_at and id, sort and count."""

    def __init__(self, records: list[dict[str, Any]], *, max_count: int | None = None) -> None:
        self.records = records
        self.max_count = max_count
        self.requests: list[dict[str, str]] = []

    def __call__(self, params: Mapping[str, str]) -> tuple[list[dict[str, Any]], int]:
        self.requests.append(dict(params))
        rows = list(self.records)
        if "updated_at" in params:
            rows = [
                r
                for r in rows
                if _matches(
                    parse_cartcom_time(r["updated_at"]), params["updated_at"], parse_cartcom_time
                )
            ]
        if "id" in params:
            rows = [r for r in rows if _matches(r["id"], params["id"], int)]
        if params.get("sort") == "updated_at,id":
            rows.sort(key=lambda r: (parse_cartcom_time(r["updated_at"]), r["id"]))
        elif params.get("sort") == "id":
            rows.sort(key=lambda r: r["id"])
        count = int(params["count"])
        if self.max_count is not None:
            count = min(count, self.max_count)
        return [dict(r) for r in rows[:count]], len(rows)


def walk(paginator: KeysetPaginator, server: ListServer, limit: int = 10_000) -> list[dict]:
    out: list[dict[str, Any]] = []
    for _ in range(limit):
        if not paginator.has_next:
            return out
        page, total = server(paginator.next_params())
        out.extend(paginator.update(page, total_count=total))
    raise AssertionError("walk did not end")


# --- UpdatedCursor ----------------------------------------------------------------------


def test_cursor_orders_by_time_then_id() -> None:
    assert UpdatedCursor(at(0), 9) < UpdatedCursor(at(1), 1)
    assert UpdatedCursor(at(1), 1) < UpdatedCursor(at(1), 2)
    assert max(UpdatedCursor(at(1), 2), UpdatedCursor(at(1), 10)).id == 10


def test_cursor_normalises_offsets_to_utc_and_round_trips() -> None:
    cursor = UpdatedCursor(at(0).astimezone(CENTRAL), 42)
    assert cursor.updated_at.tzinfo is UTC
    assert cursor == UpdatedCursor(at(0), 42)
    data = cursor.to_json()
    assert data == {"updated_at": "2026-03-01T12:00:00+00:00", "id": 42}
    assert UpdatedCursor.from_json(data) == cursor
    assert UpdatedCursor.from_json({"updated_at": "2026-03-01T12:00:00Z", "id": "42"}) == cursor


@pytest.mark.parametrize(
    "data",
    [
        {"updated_at": "2026-03-01T12:00:00", "id": 1},  # naive
        {"updated_at": None, "id": 1},
        {"updated_at": "2026-03-01T12:00:00Z", "id": 1.5},
        {"updated_at": "2026-03-01T12:00:00Z", "id": True},
    ],
)
def test_cursor_from_json_rejects_bad_data(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        UpdatedCursor.from_json(data)


def test_cursor_rejects_naive_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        UpdatedCursor(datetime(2026, 1, 1), 1)


def test_record_key_handles_offsets_nulls_and_garbage() -> None:
    assert record_key(rec(5, 1.5)) == UpdatedCursor(at(1.5), 5)
    assert record_key({"id": 5, "updated_at": None}) is None
    assert record_key({"id": 5, "updated_at": ""}) is None
    assert record_key({"id": 5, "updated_at": "not a time"}) is None
    assert record_key({"updated_at": cartcom_time(at(0))}) is None
    assert record_key("nope") is None


# --- requests ---------------------------------------------------------------------------


def test_first_request_reads_back_the_overlap() -> None:
    paginator = KeysetPaginator(
        UpdatedCursor(at(60), 7), page_size=50, overlap=timedelta(seconds=60)
    )
    assert paginator.next_params() == {
        "updated_at": "gte:2026-03-01T12:00:00.000Z",
        "sort": "updated_at,id",
        "count": "50",
    }


def test_next_params_is_stable_until_fed() -> None:
    paginator = KeysetPaginator(UpdatedCursor(at(0), 0), page_size=2)
    assert paginator.next_params() == paginator.next_params()


def test_later_pages_start_at_the_last_key_without_overlap() -> None:
    paginator = KeysetPaginator(UpdatedCursor(at(10), 0), page_size=3, overlap=timedelta(seconds=5))
    paginator.next_params()
    new = paginator.update([rec(1, 5), rec(2, 12), rec(3, 20.25)])
    assert [r["id"] for r in new] == [1, 2, 3]  # first page keeps the overlap record
    assert paginator.position == UpdatedCursor(at(20.25), 3)
    assert paginator.next_params()["updated_at"] == "gte:2026-03-01T12:00:20.250Z"
    # The boundary record comes back: it is dropped, the rest are new.
    new = paginator.update([rec(3, 20.25), rec(9, 20.25), rec(4, 21)])
    assert [r["id"] for r in new] == [9, 4]
    assert paginator.position == UpdatedCursor(at(21), 4)


def test_short_page_ends_the_walk() -> None:
    paginator = KeysetPaginator(UpdatedCursor(at(0), 0), page_size=3)
    paginator.next_params()
    paginator.update([rec(1, 1), rec(2, 2)])
    assert not paginator.has_next
    with pytest.raises(RuntimeError):
        paginator.next_params()


def test_empty_page_ends_the_walk_and_keeps_the_start() -> None:
    start = UpdatedCursor(at(0), 17)
    paginator = KeysetPaginator(start, page_size=3)
    paginator.next_params()
    assert paginator.update([]) == []
    assert not paginator.has_next
    assert paginator.position == start


def test_full_page_on_one_timestamp_switches_to_tie_mode() -> None:
    paginator = KeysetPaginator(UpdatedCursor(at(0), 0), page_size=3)
    paginator.next_params()
    paginator.update([rec(4, 5), rec(8, 5), rec(9, 5)])
    assert paginator.next_params() == {
        "updated_at": "eq:2026-03-01T12:00:05.000Z",
        "id": "gt:9",
        "sort": "id",
        "count": "3",
    }
    assert [r["id"] for r in paginator.update([rec(10, 5), rec(11, 5), rec(12, 5)])] == [
        10,
        11,
        12,
    ]
    assert paginator.next_params()["id"] == "gt:12"
    assert [r["id"] for r in paginator.update([rec(13, 5)])] == [13]  # short: tie exhausted
    assert paginator.next_params() == {
        "updated_at": "gt:2026-03-01T12:00:05.000Z",
        "sort": "updated_at,id",
        "count": "3",
    }
    assert [r["id"] for r in paginator.update([rec(1, 6)])] == [1]
    assert not paginator.has_next
    assert paginator.position == UpdatedCursor(at(6), 1)


def test_a_server_ignoring_filters_raises_a_loop_error() -> None:
    paginator = KeysetPaginator(UpdatedCursor(at(0), 0), page_size=2)
    same_page = [rec(1, 1), rec(2, 2)]
    sent: list[dict[str, str]] = []

    def serve_the_same_page_forever() -> None:
        for _ in range(10):
            sent.append(paginator.next_params())
            paginator.update(same_page)

    with pytest.raises(PaginationLoopError) as caught:
        serve_the_same_page_forever()
    # gte:t0, gte:t2 (nothing new: tie mode), eq:t2&id>2 (nothing new), then it would repeat.
    assert [p["updated_at"][:3] for p in sent] == ["gte", "gte", "eq:"]
    assert isinstance(caught.value, FatalError)
    assert "again" in str(caught.value)


def test_records_without_updated_at_are_kept_once_and_do_not_move_the_position() -> None:
    start = UpdatedCursor(at(0), 0)
    paginator = KeysetPaginator(start, page_size=3)
    paginator.next_params()
    broken = [{"id": 50, "updated_at": None}, {"id": 51, "updated_at": "garbage"}]
    new = paginator.update([*broken, rec(1, 3)])
    assert [r["id"] for r in new] == [50, 51, 1]
    assert paginator.position == UpdatedCursor(at(3), 1)
    paginator.next_params()
    new = paginator.update([{"id": 50, "updated_at": None}, rec(1, 3), rec(2, 4)])
    assert [r["id"] for r in new] == [2]


def test_position_is_capped_at_until_and_the_walk_stops_past_it() -> None:
    until = at(10)
    paginator = KeysetPaginator(UpdatedCursor(at(0), 0), page_size=3, until=until)
    paginator.next_params()
    new = paginator.update([rec(1, 8), rec(2, 10), rec(3, 11)])
    assert [r["id"] for r in new] == [1, 2, 3]  # records after `until` are still handed over
    assert paginator.position == UpdatedCursor(until, 2)
    assert not paginator.has_next


def test_position_never_goes_backwards_even_with_until_before_start() -> None:
    start = UpdatedCursor(at(100), 5)
    paginator = KeysetPaginator(start, page_size=2, until=at(50))
    paginator.next_params()
    paginator.update([rec(1, 101), rec(2, 102)])
    assert paginator.position == start


def test_total_count_keeps_walking_when_the_server_caps_count() -> None:
    records = [rec(i, i) for i in range(1, 12)]
    server = ListServer(records, max_count=3)
    paginator = KeysetPaginator(UpdatedCursor(at(0), 0), page_size=5)
    ids = [r["id"] for r in walk(paginator, server)]
    assert ids == list(range(1, 12))


def test_walk_meets_records_updated_mid_walk() -> None:
    """A record updated during the walk moves ahead of it, never behind: nothing is lost."""
    records = [rec(i, i) for i in range(1, 10)]
    server = ListServer(records)
    paginator = KeysetPaginator(UpdatedCursor(at(0), 0), page_size=3)
    seen: list[int] = []
    page, total = server(paginator.next_params())
    seen += [r["id"] for r in paginator.update(page, total_count=total)]
    # Record 2 (already read) and record 5 (not yet read) are updated now.
    records[1]["updated_at"] = cartcom_time(at(100))
    records[4]["updated_at"] = cartcom_time(at(101))
    seen += [r["id"] for r in walk(paginator, server)]
    assert Counter(seen) == Counter([1, 2, 3, 4, 6, 7, 8, 9, 2, 5])


def test_fields_needed_by_the_walk_cannot_be_lost_by_invalid_page_size() -> None:
    with pytest.raises(ValueError, match="page_size"):
        KeysetPaginator(UpdatedCursor(at(0), 0), page_size=0)
    with pytest.raises(ValueError, match="overlap"):
        KeysetPaginator(UpdatedCursor(at(0), 0), overlap=timedelta(seconds=-1))


# --- property: every record exactly once ------------------------------------------------


@st.composite
def record_sets(draw: st.DrawFn) -> list[dict[str, Any]]:
    n = draw(st.integers(min_value=0, max_value=60))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    distinct_times = draw(st.integers(min_value=1, max_value=6))
    # Millisecond times, a few of them, so that many records share one timestamp.
    offsets = draw(
        st.lists(st.integers(0, 86_400_000), min_size=distinct_times, max_size=distinct_times)
    )
    return [rec(record_id, draw(st.sampled_from(offsets)) / 1000) for record_id in ids]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=record_sets(),
    page_size=st.integers(min_value=1, max_value=8),
    max_count=st.one_of(st.none(), st.integers(min_value=1, max_value=8)),
)
def test_walk_yields_every_record_exactly_once(
    records: list[dict[str, Any]], page_size: int, max_count: int | None
) -> None:
    server = ListServer(records, max_count=max_count)
    paginator = KeysetPaginator(UpdatedCursor(T0 - timedelta(days=1), 0), page_size=page_size)
    out = walk(paginator, server)
    assert Counter(r["id"] for r in out) == Counter(r["id"] for r in records)
    if records:
        assert paginator.position == max(k for r in records if (k := record_key(r)))
    # Each request moves the walk on: no more requests than records plus the tie switches.
    distinct = len({r["updated_at"] for r in records})
    assert len(server.requests) <= len(records) + 2 * distinct + 1


@settings(max_examples=200, deadline=None)
@given(
    records=record_sets(),
    page_size=st.integers(min_value=1, max_value=8),
    overlap_seconds=st.integers(min_value=0, max_value=86_400),
    data=st.data(),
)
def test_walk_from_a_cursor_covers_everything_after_it(
    records: list[dict[str, Any]], page_size: int, overlap_seconds: int, data: st.DataObject
) -> None:
    keys = sorted(k for r in records if (k := record_key(r)))
    start = data.draw(st.sampled_from(keys)) if keys else UpdatedCursor(T0, 0)
    overlap = timedelta(seconds=overlap_seconds)
    paginator = KeysetPaginator(start, page_size=page_size, overlap=overlap)
    out = walk(paginator, ListServer(records))
    got = Counter(r["id"] for r in out)
    assert all(count == 1 for count in got.values())
    after = {r["id"] for r in records if (record_key(r) or start) > start}
    assert after <= set(got)
    assert all(record_key(r).updated_at >= start.updated_at - overlap for r in out)  # type: ignore[union-attr]
    assert paginator.position >= start
