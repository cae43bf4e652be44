"""Per-record sync exceptions: raise, count attempts, resolve, and fail again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from orderhub.domain import ExceptionStatus, FlowName
from orderhub.store import Database
from orderhub.store.exceptions import (
    get_exception,
    list_exceptions,
    open_exception_ids,
    raise_exception,
    resolve_exception,
    resolve_exceptions,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ORDERS = FlowName.ORDERS_PULL


def fail(
    session: Session, integration_id: str, ext_id: str, *, at: datetime = T0, **overrides: Any
) -> Any:
    arguments: dict[str, Any] = {
        "integration_id": integration_id,
        "flow": ORDERS,
        "entity_type": "order",
        "ext_entity_id": ext_id,
        "exception_type": "mapping",
        "message": "line item without a price",
        "raw": {"id": ext_id, "items": []},
        "now": at,
    }
    arguments.update(overrides)
    return raise_exception(session, **arguments)


def test_a_failure_opens_an_exception_and_repeats_count_attempts(
    database: Database, integration_id: str
) -> None:
    with database.session() as session:
        first = fail(session, integration_id, "1001")
    assert first.status is ExceptionStatus.OPEN
    assert first.attempts == 1
    assert (first.integration, first.flow, first.entity_type, first.ext_entity_id) == (
        integration_id,
        ORDERS,
        "order",
        "1001",
    )
    assert first.raw == {"id": "1001", "items": []}
    later = T0 + timedelta(minutes=1)
    with database.session() as session:
        second = fail(
            session,
            integration_id,
            "1001",
            at=later,
            message="unknown status 99",
            exception_type="unknownStatus",
            raw={"id": "1001", "status": 99},
        )
    assert second.exception_id == first.exception_id
    assert second.attempts == 2
    assert (second.message, second.exception_type, second.raw) == (
        "unknown status 99",
        "unknownStatus",
        {"id": "1001", "status": 99},
    )
    assert (second.created_at, second.updated_at) == (T0, later)


def test_records_that_sync_again_resolve_their_exceptions(
    database: Database, integration_id: str
) -> None:
    with database.session() as session:
        for ext_id in ("1", "2", "3"):
            fail(session, integration_id, ext_id)
        fail(session, integration_id, "1", entity_type="customer")  # another entity type
        assert open_exception_ids(session, integration_id, ORDERS, "order") == ["1", "2", "3"]
    with database.session() as session:
        resolved = resolve_exceptions(
            session,
            integration_id=integration_id,
            flow=ORDERS,
            entity_type="order",
            ext_entity_ids=iter(["1", "3", "3", "never-failed"]),
            now=T0 + timedelta(hours=1),
        )
    assert resolved == 2
    with database.read_session() as session:
        assert open_exception_ids(session, integration_id, ORDERS, "order") == ["2"]
        assert open_exception_ids(session, integration_id, ORDERS, "customer") == ["1"]
        closed = list_exceptions(session, status=ExceptionStatus.RESOLVED)
    assert {e.ext_entity_id for e in closed} == {"1", "3"}
    assert all(e.resolved_at == T0 + timedelta(hours=1) for e in closed)


def test_a_resolved_record_that_fails_again_opens_a_new_exception(
    database: Database, integration_id: str
) -> None:
    with database.session() as session:
        old = fail(session, integration_id, "1001")
        fail(session, integration_id, "1001")
        resolve_exceptions(
            session,
            integration_id=integration_id,
            flow=ORDERS,
            entity_type="order",
            ext_entity_ids=["1001"],
            now=T0 + timedelta(hours=1),
        )
        new = fail(session, integration_id, "1001", at=T0 + timedelta(hours=2))
    assert new.exception_id != old.exception_id
    assert (new.status, new.attempts, new.created_at) == (
        ExceptionStatus.OPEN,
        1,
        T0 + timedelta(hours=2),
    )
    with database.read_session() as session:
        history = get_exception(session, old.exception_id)
    assert history is not None
    assert (history.status, history.attempts) == (ExceptionStatus.RESOLVED, 2)


def test_manual_resolve(database: Database, integration_id: str) -> None:
    with database.session() as session:
        exception = fail(session, integration_id, "1001")
        assert resolve_exception(session, exception.exception_id, now=T0) is True
        assert (
            resolve_exception(session, exception.exception_id, now=T0) is False
        )  # already resolved
        assert resolve_exception(session, "0" * 16, now=T0) is False
        resolved = get_exception(session, exception.exception_id)
    assert resolved is not None
    assert resolved.status is ExceptionStatus.RESOLVED
    with database.read_session() as session:
        assert open_exception_ids(session, integration_id, ORDERS, "order") == []


def test_list_filters_most_recent_failure_first(database: Database, integration_id: str) -> None:
    with database.session() as session:
        a = fail(session, integration_id, "a", at=T0)
        b = fail(
            session,
            integration_id,
            "b",
            at=T0 + timedelta(minutes=1),
            flow=FlowName.PRODUCTS_PULL,
            entity_type="product",
        )
        c = fail(session, integration_id, "c", at=T0 + timedelta(minutes=2))
        fail(
            session, integration_id, "a", at=T0 + timedelta(minutes=3)
        )  # a fails again: now the latest
        resolve_exception(session, c.exception_id, now=T0 + timedelta(minutes=4))
    with database.read_session() as session:
        everything = [e.exception_id for e in list_exceptions(session)]
        open_ = [e.exception_id for e in list_exceptions(session, status=ExceptionStatus.OPEN)]
        orders = [e.exception_id for e in list_exceptions(session, flow=ORDERS)]
        assert [e.exception_id for e in list_exceptions(session, limit=1)] == [c.exception_id]
        assert list_exceptions(session, integration_id="other") == []
    assert everything == [c.exception_id, a.exception_id, b.exception_id]
    assert open_ == [a.exception_id, b.exception_id]
    assert orders == [c.exception_id, a.exception_id]
