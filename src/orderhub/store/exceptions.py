"""Per-record sync exceptions: one bad record is named, kept, retried, and cleared on success.

There is at most one *open* exception per `(integration, flow, entity type, external id)`,
enforced by a partial unique index. Raising it again while open bumps `attempts` and replaces
the message and raw record (one atomic `INSERT … ON CONFLICT DO UPDATE`, safe across
workers). Once resolved, a row is history: if the same record fails again later, a new open
exception (a new id, `attempts` back to 1) is created rather than the old one reopened, so
the list shows each incident with its own dates.

None of these functions commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, func, select, text, update
from sqlalchemy.orm import Session

from orderhub.domain import ExceptionStatus, FlowName, SyncException
from orderhub.store.dialect import dialect_insert, in_chunks, rowcount, utc
from orderhub.store.tables import ExceptionRow

__all__ = [
    "ExceptionFilter",
    "OpenAttempt",
    "count_exceptions",
    "get_exception",
    "list_exceptions",
    "open_exception_attempts",
    "open_exception_ids",
    "open_exception_types",
    "open_flows",
    "page_exceptions",
    "raise_exception",
    "resolve_exception",
    "resolve_exceptions",
]

_KEY = ["integration_id", "flow", "entity_type", "ext_entity_id"]
# Must be written exactly as the partial index's predicate, as a literal: PostgreSQL infers
# the arbiter index of ON CONFLICT only from a predicate it can prove at plan time.
_OPEN_PREDICATE = text("status = 'open'")


def raise_exception(
    session: Session,
    *,
    integration_id: str,
    flow: FlowName,
    entity_type: str,
    ext_entity_id: str,
    exception_type: str,
    message: str,
    raw: Mapping[str, Any] | None,
    now: datetime,
) -> SyncException:
    """Open an exception on a record, or count one more failed attempt of an open one."""
    now = utc(now)
    table = ExceptionRow.__table__
    insert = dialect_insert(session, ExceptionRow).values(
        exception_id=secrets.token_hex(8),
        integration_id=integration_id,
        flow=FlowName(flow).value,
        entity_type=entity_type,
        ext_entity_id=ext_entity_id,
        exception_type=exception_type,
        message=message,
        status=ExceptionStatus.OPEN.value,
        attempts=1,
        raw=dict(raw) if raw is not None else None,
        created_at=now,
        updated_at=now,
        resolved_at=None,
    )
    insert = insert.on_conflict_do_update(
        index_elements=_KEY,
        index_where=_OPEN_PREDICATE,
        set_={
            "attempts": table.c.attempts + 1,
            "exception_type": insert.excluded.exception_type,
            "message": insert.excluded.message,
            "raw": insert.excluded.raw,
            "updated_at": insert.excluded.updated_at,
        },
    ).returning(table.c.exception_id)
    exception_id = session.execute(insert).scalar_one()
    exception = get_exception(session, exception_id)
    assert exception is not None
    return exception


def resolve_exceptions(
    session: Session,
    *,
    integration_id: str,
    flow: FlowName,
    entity_type: str,
    ext_entity_ids: Iterable[str],
    now: datetime,
) -> int:
    """Resolve the open exceptions of records that have now synced; returns how many."""
    now = utc(now)
    resolved = 0
    for chunk in in_chunks(ext_entity_ids):
        result = session.execute(
            update(ExceptionRow)
            .where(
                ExceptionRow.status == ExceptionStatus.OPEN.value,
                ExceptionRow.integration_id == integration_id,
                ExceptionRow.flow == FlowName(flow).value,
                ExceptionRow.entity_type == entity_type,
                ExceptionRow.ext_entity_id.in_(chunk),
            )
            .values(_resolved_values(now))
            .execution_options(synchronize_session=False)
        )
        resolved += rowcount(result)
    return resolved


def resolve_exception(session: Session, exception_id: str, *, now: datetime) -> bool:
    """Resolve one open exception by hand; False if it is unknown or already resolved."""
    result = session.execute(
        update(ExceptionRow)
        .where(
            ExceptionRow.exception_id == exception_id,
            ExceptionRow.status == ExceptionStatus.OPEN.value,
        )
        .values(_resolved_values(utc(now)))
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def list_exceptions(
    session: Session,
    *,
    status: ExceptionStatus | None = None,
    integration_id: str | None = None,
    flow: FlowName | None = None,
    limit: int = 100,
) -> list[SyncException]:
    """Exceptions, most recently failed first."""
    query = select(ExceptionRow)
    if status is not None:
        query = query.where(ExceptionRow.status == ExceptionStatus(status).value)
    if integration_id is not None:
        query = query.where(ExceptionRow.integration_id == integration_id)
    if flow is not None:
        query = query.where(ExceptionRow.flow == FlowName(flow).value)
    query = query.order_by(ExceptionRow.updated_at.desc(), ExceptionRow.id.desc()).limit(limit)
    rows = session.scalars(query.execution_options(populate_existing=True))
    return [_exception(row) for row in rows]


def count_exceptions(session: Session, *, status: ExceptionStatus) -> int:
    """How many exceptions are in `status` (one indexed count, however many there are)."""
    query = select(func.count()).where(ExceptionRow.status == ExceptionStatus(status).value)
    return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class ExceptionFilter:
    integration: str | None = None
    flows: Sequence[str] = ()
    statuses: Sequence[str] = ()
    updated_since: datetime | None = None
    updated_until: datetime | None = None
    reasons: Sequence[str] = ()
    """Any of these exception codes (`missingSku`)."""

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.integration is not None:
            found.append(ExceptionRow.integration_id == self.integration)
        if self.flows:
            found.append(ExceptionRow.flow.in_(list(self.flows)))
        if self.statuses:
            found.append(ExceptionRow.status.in_(list(self.statuses)))
        if self.reasons:
            found.append(ExceptionRow.exception_type.in_(list(self.reasons)))
        if self.updated_since is not None:
            found.append(ExceptionRow.updated_at >= utc(self.updated_since))
        if self.updated_until is not None:
            found.append(ExceptionRow.updated_at <= utc(self.updated_until))
        return found


def page_exceptions(
    session: Session, where: ExceptionFilter, *, skip: int, count: int
) -> tuple[list[SyncException], int]:
    """One page of exceptions, most recently failed first, and how many match `where`."""
    conditions = where.conditions()
    total = session.scalar(select(func.count()).select_from(ExceptionRow).where(*conditions))
    rows = session.scalars(
        select(ExceptionRow)
        .where(*conditions)
        .order_by(ExceptionRow.updated_at.desc(), ExceptionRow.id.desc())
        .limit(count)
        .offset(skip)
        .execution_options(populate_existing=True)
    )
    return [_exception(row) for row in rows], total or 0


def get_exception(session: Session, exception_id: str) -> SyncException | None:
    row = session.scalars(
        select(ExceptionRow)
        .where(ExceptionRow.exception_id == exception_id)
        .execution_options(populate_existing=True)
    ).one_or_none()
    return _exception(row) if row is not None else None


def open_exception_ids(
    session: Session, integration_id: str, flow: FlowName, entity_type: str
) -> list[str]:
    """External ids of the records with an open exception, oldest first."""
    return [
        attempt.ext_id
        for attempt in open_exception_attempts(session, integration_id, flow, [entity_type])
    ]


class OpenAttempt(NamedTuple):
    """What a retry needs of an open exception."""

    ext_id: str
    attempts: int
    failed_at: datetime
    """The last failure."""
    reason: str
    """The exception code (`missingSku`)."""


def open_exception_attempts(
    session: Session, integration_id: str, flow: FlowName, entity_types: Sequence[str]
) -> list[OpenAttempt]:
    """Every open exception of these entity types, oldest first (one query, whatever the
    number of types)."""
    rows = session.execute(
        select(
            ExceptionRow.ext_entity_id,
            ExceptionRow.attempts,
            ExceptionRow.updated_at,
            ExceptionRow.exception_type,
        )
        .where(*_open_of(integration_id, flow, entity_types))
        .order_by(ExceptionRow.id)
    ).all()
    return [OpenAttempt(*row) for row in rows]


def open_flows(
    session: Session,
    entity_types: Sequence[str],
    *,
    integration_id: str | None = None,
    flow: FlowName | None = None,
    reason: str | None = None,
) -> list[tuple[str, FlowName]]:
    """(integration, flow) pairs with open exceptions of these entity types, narrowed to one
    integration, flow or exception code when given; one query."""
    where = ExceptionFilter(
        integration=integration_id,
        flows=(FlowName(flow).value,) if flow is not None else (),
        statuses=(ExceptionStatus.OPEN.value,),
        reasons=(reason,) if reason is not None else (),
    )
    rows = session.execute(
        select(ExceptionRow.integration_id, ExceptionRow.flow)
        .where(*where.conditions(), ExceptionRow.entity_type.in_(list(entity_types)))
        .distinct()
        .order_by(ExceptionRow.integration_id, ExceptionRow.flow)
    ).all()
    return [(integration, FlowName(name)) for integration, name in rows]


def open_exception_types(
    session: Session, integration_id: str, flow: FlowName, entity_types: Sequence[str]
) -> dict[tuple[str, str], str]:
    """`(entity type, external id) -> exception type` of every open exception of these types."""
    rows = session.execute(
        select(ExceptionRow.entity_type, ExceptionRow.ext_entity_id, ExceptionRow.exception_type)
        .where(*_open_of(integration_id, flow, entity_types))
        .order_by(ExceptionRow.id)
    ).all()
    return {(entity_type, ext_id): kind for entity_type, ext_id, kind in rows}


def _open_of(
    integration_id: str, flow: FlowName, entity_types: Sequence[str]
) -> tuple[ColumnElement[bool], ...]:
    """The open exceptions of one flow of one integration, of these entity types."""
    return (
        ExceptionRow.status == ExceptionStatus.OPEN.value,
        ExceptionRow.integration_id == integration_id,
        ExceptionRow.flow == FlowName(flow).value,
        ExceptionRow.entity_type.in_(list(entity_types)),
    )


def _resolved_values(now: datetime) -> dict[str, Any]:
    return {"status": ExceptionStatus.RESOLVED.value, "resolved_at": now, "updated_at": now}


def _exception(row: ExceptionRow) -> SyncException:
    return SyncException(
        exception_id=row.exception_id,
        integration=row.integration_id,
        flow=FlowName(row.flow),
        entity_type=row.entity_type,
        ext_entity_id=row.ext_entity_id,
        exception_type=row.exception_type,
        message=row.message,
        status=ExceptionStatus(row.status),
        attempts=row.attempts,
        raw=row.raw,
        created_at=row.created_at,
        updated_at=row.updated_at,
        resolved_at=row.resolved_at,
    )
