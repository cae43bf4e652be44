"""The API's list queries: filter, count and page records, runs and exceptions.

The store's list functions answer "the newest N"; the API needs more: a total that honours
every filter (for `pagination.last`), a time window on both ends, several statuses at once,
and an offset. So this module selects the *ids* of one page with the same filters it counts
with, then hydrates them through the store's public getters — the store keeps sole knowledge
of how rows become records (e.g. the empty integration id of hub-native records).

Candidate for a move into `orderhub.store` once the portal wants the same lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from orderhub.domain import Run, SyncException
from orderhub.store import exceptions as exception_store
from orderhub.store import runs as run_store
from orderhub.store.dialect import utc
from orderhub.store.records import EntityKind, StoredRecord, get_record
from orderhub.store.tables import ExceptionRow, RecordRow, RunRow

__all__ = [
    "RECORD_ORDERS",
    "ExceptionFilter",
    "RecordFilter",
    "RunFilter",
    "find_by_ext",
    "page_exceptions",
    "page_records",
    "page_runs",
]

RecordOrder = Literal["updatedAt", "-updatedAt", "createdAt", "-createdAt"]
RECORD_ORDERS: tuple[RecordOrder, ...] = ("updatedAt", "-updatedAt", "createdAt", "-createdAt")


@dataclass(frozen=True)
class RecordFilter:
    kind: EntityKind
    integration: str | None = None
    statuses: Sequence[str] = ()
    updated_since: datetime | None = None
    updated_until: datetime | None = None
    ext_ref: str | None = None
    sku: str | None = None


@dataclass(frozen=True)
class RunFilter:
    integration: str | None = None
    flows: Sequence[str] = ()
    statuses: Sequence[str] = ()
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class ExceptionFilter:
    integration: str | None = None
    flows: Sequence[str] = ()
    statuses: Sequence[str] = ()
    updated_since: datetime | None = None
    updated_until: datetime | None = None


def page_records(
    session: Session,
    where: RecordFilter,
    *,
    skip: int,
    count: int,
    order: RecordOrder = "-updatedAt",
) -> tuple[list[StoredRecord], int]:
    """One page of records and the total matching `where`."""
    conditions = _record_conditions(where)
    total = session.scalar(select(func.count()).select_from(RecordRow).where(*conditions)) or 0
    column = RecordRow.updated_at if order.endswith("updatedAt") else RecordRow.created_at
    ordering = (
        (column.desc(), RecordRow.hub_id.desc())
        if order.startswith("-")
        else (column.asc(), RecordRow.hub_id.asc())
    )
    ids = session.scalars(
        select(RecordRow.hub_id).where(*conditions).order_by(*ordering).limit(count).offset(skip)
    ).all()
    return _hydrate_records(session, where.kind, ids), total


def find_by_ext(
    session: Session,
    kind: EntityKind,
    ext_id: str,
    *,
    integration: str | None,
    source_id_only: bool = False,
) -> list[StoredRecord]:
    """Records found by an external id (at most two: enough to tell a unique match).

    `ext:<id>` looks at the kind's `ext<Kind>Id` field (an order's number, `#1001`) and, if
    none matches, at the id the source system gave the record (`api:<id>` looks only there).
    Without `integration`, every integration's records and the hub's own are searched.
    """
    scope: list[ColumnElement[bool]] = [RecordRow.kind == kind.value]
    if integration is not None:
        scope.append(RecordRow.integration_id == integration)
    columns = [RecordRow.ext_id] if source_id_only else [RecordRow.ext_ref, RecordRow.ext_id]
    for column in columns:
        ids = session.scalars(
            select(RecordRow.hub_id)
            .where(*scope, column == ext_id)
            .order_by(RecordRow.created_at, RecordRow.hub_id)
            .limit(2)
        ).all()
        if ids:
            return _hydrate_records(session, kind, ids)
    return []


def page_runs(
    session: Session, where: RunFilter, *, skip: int, count: int
) -> tuple[list[Run], int]:
    """Runs, newest first, as the run history lists them."""
    conditions: list[ColumnElement[bool]] = []
    if where.integration is not None:
        conditions.append(RunRow.integration_id == where.integration)
    _any_of(conditions, RunRow.flow, where.flows)
    _any_of(conditions, RunRow.status, where.statuses)
    if where.since is not None:
        conditions.append(RunRow.started_at >= utc(where.since))
    if where.until is not None:
        conditions.append(RunRow.started_at <= utc(where.until))
    total = session.scalar(select(func.count()).select_from(RunRow).where(*conditions)) or 0
    ids = session.scalars(
        select(RunRow.run_id)
        .where(*conditions)
        .order_by(RunRow.started_at.desc(), RunRow.id.desc())
        .limit(count)
        .offset(skip)
    ).all()
    runs = [run_store.get_run(session, run_id) for run_id in ids]
    return [run for run in runs if run is not None], total


def page_exceptions(
    session: Session, where: ExceptionFilter, *, skip: int, count: int
) -> tuple[list[SyncException], int]:
    """Exceptions, most recently failed first, as the store lists them."""
    conditions: list[ColumnElement[bool]] = []
    if where.integration is not None:
        conditions.append(ExceptionRow.integration_id == where.integration)
    _any_of(conditions, ExceptionRow.flow, where.flows)
    _any_of(conditions, ExceptionRow.status, where.statuses)
    if where.updated_since is not None:
        conditions.append(ExceptionRow.updated_at >= utc(where.updated_since))
    if where.updated_until is not None:
        conditions.append(ExceptionRow.updated_at <= utc(where.updated_until))
    total = session.scalar(select(func.count()).select_from(ExceptionRow).where(*conditions)) or 0
    ids = session.scalars(
        select(ExceptionRow.exception_id)
        .where(*conditions)
        .order_by(ExceptionRow.updated_at.desc(), ExceptionRow.id.desc())
        .limit(count)
        .offset(skip)
    ).all()
    items = [exception_store.get_exception(session, exception_id) for exception_id in ids]
    return [item for item in items if item is not None], total


def _record_conditions(where: RecordFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [RecordRow.kind == where.kind.value]
    if where.integration is not None:
        conditions.append(RecordRow.integration_id == where.integration)
    _any_of(conditions, RecordRow.status, where.statuses)
    if where.updated_since is not None:
        conditions.append(RecordRow.updated_at >= utc(where.updated_since))
    if where.updated_until is not None:
        conditions.append(RecordRow.updated_at <= utc(where.updated_until))
    if where.ext_ref is not None:
        conditions.append(RecordRow.ext_ref == where.ext_ref)
    if where.sku is not None:
        conditions.append(RecordRow.sku == where.sku)
    return conditions


def _any_of(
    conditions: list[ColumnElement[bool]],
    column: InstrumentedAttribute[Any],
    values: Sequence[str],
) -> None:
    if len(values) == 1:
        conditions.append(column == values[0])
    elif values:
        conditions.append(column.in_(list(values)))


def _hydrate_records(session: Session, kind: EntityKind, ids: Sequence[str]) -> list[StoredRecord]:
    records = [get_record(session, kind, hub_id) for hub_id in ids]
    return [record for record in records if record is not None]
