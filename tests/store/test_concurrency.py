"""Writers racing on the same key: one record, one lease holder, one open exception.

Each thread has its own session (its own connection and transaction); a barrier releases
them together so the writes really overlap. On PostgreSQL this exercises `ON CONFLICT` and
row locks; on SQLite, `BEGIN IMMEDIATE` and the busy timeout.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orderhub.domain import ExceptionStatus, FlowName
from orderhub.store import Database, EntityKind, Origin
from orderhub.store.exceptions import list_exceptions, raise_exception
from orderhub.store.feed import changes_since
from orderhub.store.leases import try_acquire
from orderhub.store.records import upsert_record
from orderhub.store.tables import RecordRow
from orderhub.store.timeline import timeline

T0 = datetime(2026, 3, 1, tzinfo=UTC)
WORKERS = 4
ROUNDS = 10
R = TypeVar("R")


def race(database: Database, work: Callable[[Session, int], R], workers: int = WORKERS) -> list[R]:
    """Run `work(session, index)` in `workers` threads at once, each in its own transaction."""
    barrier = threading.Barrier(workers)

    def one(index: int) -> R:
        with database.session() as session:
            barrier.wait(timeout=30)
            return work(session, index)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, range(workers)))


def test_concurrent_upserts_of_one_key_make_one_record(database: Database) -> None:
    writes = 0
    for round_ in range(ROUNDS):
        ext_id = f"order-{round_}"

        def upsert(session: Session, worker: int, ext_id: str = ext_id) -> str:
            return upsert_record(
                session,
                EntityKind.ORDER,
                integration_id="int_a",
                ext_id=ext_id,
                data={"extOrderId": ext_id, "status": "new", "worker": worker % 2},
                source_doc=None,
                origin=Origin("int_a", flow="orders.pull"),
                now=T0,
            ).outcome

        outcomes = race(database, upsert)
        assert outcomes.count("created") == 1
        assert set(outcomes) <= {"created", "updated", "unchanged"}
        writes += len(outcomes) - outcomes.count("unchanged")
    with database.read_session() as session:
        rows = session.scalar(select(func.count()).select_from(RecordRow))
        feed = changes_since(session, EntityKind.ORDER, 0, limit=10_000)
        events = sum(
            len(timeline(session, EntityKind.ORDER, hub_id)) for hub_id in {c.hub_id for c in feed}
        )
    assert rows == ROUNDS
    # Exactly one change and one event per write: a writer that lost the insert race
    # leaves no stray change behind.
    assert len(feed) == events == writes


def test_concurrent_lease_attempts_have_one_winner(database: Database) -> None:
    for round_ in range(ROUNDS):

        def acquire(session: Session, worker: int, key: str = f"flow:x:{round_}") -> bool:
            return try_acquire(
                session, key=key, owner=f"other-host:1:{worker}", ttl_seconds=60, now=T0
            )

        assert sorted(race(database, acquire)) == [False] * (WORKERS - 1) + [True]


def test_concurrent_failures_of_one_record_make_one_open_exception(
    database: Database, integration_id: str
) -> None:
    def fail(session: Session, worker: int) -> str:
        return raise_exception(
            session,
            integration_id=integration_id,
            flow=FlowName.ORDERS_PULL,
            entity_type="order",
            ext_entity_id="bad-1",
            exception_type="mapping",
            message=f"worker {worker}",
            raw=None,
            now=T0,
        ).exception_id

    assert len(set(race(database, fail))) == 1
    with database.read_session() as session:
        (exception,) = list_exceptions(session, status=ExceptionStatus.OPEN)
    assert exception.attempts == WORKERS
