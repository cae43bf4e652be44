"""Read-only queries for the portal's lists beyond the store's own: search, dates, 24 h stats.

The store's repository functions cover reads by key and simple filters; a person browsing
wants a search box and a date range, and the dashboard wants sums over the last day's runs.
These are plain SELECTs on the store's tables, never writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import Session

from orderhub.domain import FlowName, RunStatus
from orderhub.store.dialect import utc
from orderhub.store.records import EntityKind, StoredRecord
from orderhub.store.tables import RecordRow, RunRow

__all__ = ["FlowStats", "RecordQuery", "find_records", "flow_stats", "variants_of"]


@dataclass(frozen=True)
class RecordQuery:
    kind: EntityKind
    integration_id: str | None = None
    status: str | None = None
    search: str | None = None
    """A prefix of the external reference (order number, SKU…) or an exact hub id."""
    updated_from: datetime | None = None
    updated_until: datetime | None = None
    """Compared with the source's update time (the hub's when the source gave none)."""
    exclude_children: bool = False


def _filters(query: RecordQuery) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = [RecordRow.kind == query.kind.value]
    if query.integration_id is not None:
        filters.append(RecordRow.integration_id == query.integration_id)
    if query.status:
        filters.append(RecordRow.status == query.status)
    if query.search:
        text = query.search.strip()
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        filters.append(
            or_(
                RecordRow.ext_ref.like(f"{escaped}%", escape="\\"),
                RecordRow.sku.like(f"{escaped}%", escape="\\"),
                RecordRow.ext_id == text,
                RecordRow.hub_id == text,
            )
        )
    moment = func.coalesce(RecordRow.ext_updated_at, RecordRow.updated_at)
    if query.updated_from is not None:
        filters.append(moment >= utc(query.updated_from))
    if query.updated_until is not None:
        filters.append(moment < utc(query.updated_until))
    if query.exclude_children:
        parent = RecordRow.data["parentExtProductId"].as_string()
        filters.append(or_(parent.is_(None), parent == ""))
    return filters


_COLUMNS = (
    RecordRow.kind,
    RecordRow.hub_id,
    RecordRow.integration_id,
    RecordRow.ext_id,
    RecordRow.data,
    RecordRow.source_doc,
    RecordRow.content_hash,
    RecordRow.seq,
    RecordRow.created_at,
    RecordRow.updated_at,
)


def _stored(row: Any) -> StoredRecord:
    return StoredRecord(
        kind=EntityKind(row.kind),
        hub_id=row.hub_id,
        integration_id=row.integration_id or None,
        ext_id=row.ext_id,
        data=row.data,
        source_doc=None,  # lists never need the source document; it can be large
        content_hash=row.content_hash,
        seq=row.seq,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def find_records(
    session: Session, query: RecordQuery, *, limit: int, offset: int, order_by_sku: bool = False
) -> tuple[list[StoredRecord], int]:
    """One page of matching records (newest change first, or by SKU) and the total count."""
    filters = _filters(query)
    total = session.scalar(select(func.count()).select_from(RecordRow).where(*filters)) or 0
    listing: Select[Any] = select(*_COLUMNS).where(*filters)
    if order_by_sku:
        listing = listing.order_by(RecordRow.sku, RecordRow.hub_id)
    else:
        listing = listing.order_by(RecordRow.updated_at.desc(), RecordRow.hub_id.desc())
    rows = session.execute(listing.limit(limit).offset(offset))
    return [_stored(row) for row in rows], total


def variants_of(session: Session, product: StoredRecord, *, limit: int = 500) -> list[StoredRecord]:
    """The child SKUs of a parent product (same integration, `parentExtProductId` = its id)."""
    parent_ref = product.data.get("extProductId")
    if not parent_ref:
        return []
    rows = session.execute(
        select(*_COLUMNS)
        .where(
            RecordRow.kind == EntityKind.PRODUCT.value,
            RecordRow.integration_id == (product.integration_id or ""),
            RecordRow.data["parentExtProductId"].as_string() == str(parent_ref),
        )
        .order_by(RecordRow.sku)
        .limit(limit)
    )
    return [_stored(row) for row in rows]


@dataclass(frozen=True)
class FlowStats:
    integration_id: str
    flow: FlowName
    runs: int
    failed_runs: int
    fetched: int
    created: int
    updated: int
    failed_records: int
    api_calls: int
    rate_limit_wait_seconds: float


def flow_stats(session: Session, *, since: datetime) -> list[FlowStats]:
    """Per integration and flow: sums over the runs that started since `since`."""
    failed = case((RunRow.status == RunStatus.FAILED.value, 1), else_=0)
    rows = session.execute(
        select(
            RunRow.integration_id,
            RunRow.flow,
            func.count(),
            func.sum(failed),
            func.sum(RunRow.fetched),
            func.sum(RunRow.created),
            func.sum(RunRow.updated),
            func.sum(RunRow.failed),
            func.sum(RunRow.api_calls),
            func.sum(RunRow.rate_limit_wait_seconds),
        )
        .where(RunRow.started_at >= utc(since))
        .group_by(RunRow.integration_id, RunRow.flow)
    )
    return [
        FlowStats(
            integration_id=row[0],
            flow=FlowName(row[1]),
            runs=int(row[2] or 0),
            failed_runs=int(row[3] or 0),
            fetched=int(row[4] or 0),
            created=int(row[5] or 0),
            updated=int(row[6] or 0),
            failed_records=int(row[7] or 0),
            api_calls=int(row[8] or 0),
            rate_limit_wait_seconds=float(row[9] or 0.0),
        )
        for row in rows
    ]
