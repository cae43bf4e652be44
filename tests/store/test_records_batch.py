"""`upsert_records`: a page of upserts in a few statements, with `upsert_record`'s semantics.

Every test runs on SQLite and PostgreSQL (the `database` fixture). The property test checks
that any chunking of any sequence of writes ends in the state one-by-one upserts reach; the
race test has writers batch-upsert overlapping keys, in different orders, at the same time.
"""

from __future__ import annotations

import itertools
import random
import secrets
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from orderhub.store import Database, EntityKind, Origin
from orderhub.store.feed import changes_since
from orderhub.store.records import (
    UpsertItem,
    UpsertResult,
    content_hash,
    get_record_by_ext,
    upsert_record,
    upsert_records,
)
from orderhub.store.tables import ChangeRow, RecordRow
from orderhub.store.timeline import timeline

T0 = datetime(2026, 3, 1, tzinfo=UTC)
KIND = EntityKind.ORDER
ORIGIN = Origin("int_a", run_id="run_1", flow="orders.pull")


def order(ext_id: str, status: str = "new", **extra: Any) -> dict[str, Any]:
    return {"extOrderId": ext_id, "status": status, "total": 10.5, **extra}


def items(integration: str | None, *orders: dict[str, Any]) -> list[UpsertItem]:
    return [UpsertItem(integration, o["extOrderId"], o, {"raw": o["extOrderId"]}) for o in orders]


def write(database: Database, batch: Sequence[UpsertItem], at: datetime = T0) -> list[UpsertResult]:
    with database.session() as session:
        return upsert_records(session, KIND, batch, origin=ORIGIN, now=at)


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """The SQL statements the block sends (an executemany counts once)."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql)

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", count)


def test_a_batch_creates_updates_and_skips_like_single_upserts(database: Database) -> None:
    first = write(database, items("int_a", order("1"), order("2"), order("3")))
    assert [r.outcome for r in first] == ["created"] * 3
    assert [r.seq for r in first] == sorted(r.seq for r in first if r.seq is not None)
    assert first[0].changed_fields == ("extOrderId", "status", "total")

    later = T0 + timedelta(minutes=1)
    second = write(
        database, items("int_a", order("3"), order("1", "shipped"), order("4")), at=later
    )
    assert [r.outcome for r in second] == ["unchanged", "updated", "created"]
    assert second[0].hub_id == first[2].hub_id
    assert second[0].seq is None
    assert second[1].hub_id == first[0].hub_id
    assert second[1].changed_fields == ("status",)

    with database.read_session() as session:
        stored = get_record_by_ext(session, KIND, "int_a", "1")
        assert stored is not None
        assert stored.data == order("1", "shipped")
        assert stored.source_doc == {"raw": "1"}
        assert stored.content_hash == content_hash(order("1", "shipped"))
        assert stored.seq == second[1].seq
        assert stored.updated_at == later
        assert stored.created_at == T0
        history = timeline(session, KIND, first[0].hub_id)
        feed = changes_since(session, KIND, 0)
    assert [(e.action, e.changed_fields) for e in history] == [
        ("created", ("extOrderId", "status", "total")),
        ("updated", ("status",)),
    ]
    assert [c.seq for c in feed] == sorted(c.seq for c in feed)
    assert len(feed) == 5  # 3 created, 1 updated, 1 created; the unchanged one wrote nothing
    assert {c.run_id for c in feed} == {"run_1"}


def test_a_page_costs_the_same_few_statements_whatever_its_size(database: Database) -> None:
    def page(start: int, size: int, status: str) -> list[UpsertItem]:
        return items("int_a", *(order(str(n), status) for n in range(start, start + size)))

    counts = []
    for start, size in ((0, 5), (100, 80)):
        write(database, page(start, size, "new"))  # warm up: every key exists afterwards
        with statements(database) as created:
            write(database, page(start + 1000, size, "new"))
        half = page(start, size // 2, "shipped") + page(start + size // 2, size - size // 2, "new")
        with statements(database) as mixed:
            write(database, half)
        with statements(database) as unchanged:
            write(database, half)
        counts.append((len(created), len(mixed), len(unchanged)))
    # created: lock-select, changes, records, events; mixed: lock-select, changes, events,
    # update; unchanged: lock-select (each plus the transaction's own BEGIN/COMMIT chatter).
    assert counts[0] == counts[1]
    small_created, small_mixed, small_unchanged = counts[0]
    assert small_created - small_unchanged == 3
    assert small_mixed - small_unchanged == 3


def test_the_same_key_twice_in_a_batch_is_written_in_order(database: Database) -> None:
    results = write(
        database,
        items("int_a", order("7"), order("8"), order("7", "shipped"), order("7", "shipped")),
    )
    assert [r.outcome for r in results] == ["created", "created", "updated", "unchanged"]
    assert results[0].hub_id == results[2].hub_id == results[3].hub_id
    with database.read_session() as session:
        stored = get_record_by_ext(session, KIND, "int_a", "7")
        assert stored is not None
        assert stored.data["status"] == "shipped"
        assert [e.action for e in timeline(session, KIND, results[0].hub_id)] == [
            "created",
            "updated",
        ]


def test_keys_are_per_integration_and_hub_native_records_have_none(database: Database) -> None:
    batch = [*items("int_a", order("1")), *items("int_b", order("1")), *items(None, order("1"))]
    results = write(database, batch)
    assert [r.outcome for r in results] == ["created"] * 3
    assert len({r.hub_id for r in results}) == 3
    again = write(database, batch)
    assert [r.outcome for r in again] == ["unchanged"] * 3
    with database.read_session() as session:
        native = get_record_by_ext(session, KIND, None, "1")
    assert native is not None
    assert native.integration_id is None


def test_hub_fields_in_data_are_dropped_and_the_stored_text_round_trips(
    database: Database,
) -> None:
    data = {**order("9", note="café ☕", lines=[{"sku": "A", "qty": 2}]), "orderId": "x"}
    (created,) = write(database, [UpsertItem("int_a", "9", data, None)])
    with database.read_session() as session:
        stored = get_record_by_ext(session, KIND, "int_a", "9")
    assert stored is not None
    assert stored.source_doc is None
    assert "orderId" not in stored.data
    assert stored.to_wire()["orderId"] == created.hub_id
    (again,) = write(database, [UpsertItem("int_a", "9", stored.to_wire(), None)])
    assert again.outcome == "unchanged"


def test_an_empty_batch_writes_nothing_and_an_empty_id_is_refused(database: Database) -> None:
    with statements(database) as sent:
        assert write(database, []) == []
    assert not [sql for sql in sent if "records" in sql or "changes" in sql]
    with pytest.raises(ValueError, match="non-empty external id"):
        write(database, [UpsertItem("int_a", "", order(""), None)])


# --- property: chunked batches end where one-by-one upserts end ---------------------------

SHARED_DB = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

writes = st.lists(
    st.tuples(
        st.sampled_from(["1", "2", "3", "4"]),
        st.sampled_from(["new", "shipped", "cancelled"]),
        st.sampled_from([None, "gift", "rush"]),
    ),
    min_size=1,
    max_size=16,
)


def _state(database: Database, integration: str) -> dict[str, Any]:
    with database.read_session() as session:
        ext_ids = session.scalars(
            select(RecordRow.ext_id).where(RecordRow.integration_id == integration)
        ).all()
        state: dict[str, Any] = {}
        for ext_id in ext_ids:
            stored = get_record_by_ext(session, KIND, integration, ext_id)
            assert stored is not None
            changes = session.scalar(select(func.count()).where(ChangeRow.hub_id == stored.hub_id))
            events = timeline(session, KIND, stored.hub_id)
            state[ext_id] = (
                stored.data,
                stored.source_doc,
                stored.content_hash,
                changes,
                [(e.action, e.changed_fields) for e in events],
                [e.at for e in events],
            )
    return state


@SHARED_DB
@given(sequence=writes, cuts=st.lists(st.integers(0, 16), max_size=5), shuffle=st.randoms())
def test_any_chunking_ends_in_the_state_of_one_by_one_upserts(
    database: Database, sequence: list[tuple[str, str, str | None]], cuts: list[int], shuffle: Any
) -> None:
    shuffle.shuffle(sequence)
    tag = secrets.token_hex(4)
    single, batched = f"s{tag}", f"b{tag}"

    def item(integration: str, step: tuple[str, str, str | None]) -> UpsertItem:
        ext_id, status, note = step
        data = order(ext_id, status) if note is None else order(ext_id, status, note=note)
        return UpsertItem(integration, ext_id, data, {"status": status})

    one_by_one = []
    for step in sequence:
        with database.session() as session:
            result = upsert_record(
                session,
                KIND,
                integration_id=single,
                ext_id=step[0],
                data=item(single, step).data,
                source_doc=item(single, step).source_doc,
                origin=ORIGIN,
                now=T0,
            )
        one_by_one.append(result.outcome)

    bounds = sorted({0, len(sequence), *(c for c in cuts if c < len(sequence))})
    in_batches: list[str] = []
    for start, end in itertools.pairwise(bounds):
        chunk = [item(batched, step) for step in sequence[start:end]]
        in_batches += [r.outcome for r in write(database, chunk)]

    assert in_batches == one_by_one
    assert _state(database, batched) == _state(database, single)


# --- concurrency: writers racing on overlapping pages -------------------------------------

WORKERS = 4
ROUNDS = 5


def test_racing_batches_make_one_record_per_key_and_no_stray_change(database: Database) -> None:
    writes_made = 0
    for round_ in range(ROUNDS):
        keys = [f"r{round_}-{n}" for n in range(12)]
        # A third of the keys exist before the race: the writers lock them and update them.
        write(database, items("int_a", *(order(k) for k in keys[::3])))
        barrier = threading.Barrier(WORKERS)

        def work(
            worker: int, keys: list[str] = keys, barrier: threading.Barrier = barrier
        ) -> list[UpsertResult]:
            mine = list(keys)
            random.Random(worker).shuffle(mine)
            batch = items("int_a", *(order(k, "shipped", worker=worker % 2) for k in mine))
            with database.session() as session:
                barrier.wait(timeout=30)
                return upsert_records(session, KIND, batch, origin=ORIGIN, now=T0)

        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            outcomes = [r.outcome for results in pool.map(work, range(WORKERS)) for r in results]
        new_keys = len(keys) - len(keys[::3])
        assert outcomes.count("created") == new_keys
        writes_made += len(keys[::3]) + outcomes.count("created") + outcomes.count("updated")
    with database.read_session() as session:
        rows = session.scalar(select(func.count()).select_from(RecordRow))
        feed = changes_since(session, KIND, 0, limit=10_000)
        events = sum(len(timeline(session, KIND, h)) for h in {c.hub_id for c in feed})
        hub_ids = set(session.scalars(select(RecordRow.hub_id)))
    assert rows == 12 * ROUNDS
    # One change and one event per write: a writer that lost an insert race left no change
    # (or event) behind for a record that does not exist.
    assert len(feed) == events == writes_made
    assert {c.hub_id for c in feed} == hub_ids
