"""Reading canonical records: by hub id, by external id, by SKU, and the common list filters.

All functions take the caller's session and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from orderhub.store import record_queries
from orderhub.store.dialect import in_chunks
from orderhub.store.entities import EntityKind
from orderhub.store.record_queries import RecordFilter, RecordSort, UpdatedWindow
from orderhub.store.stored import (
    LIST_COLUMNS,
    RECORD_COLUMNS,
    StoredRecord,
    owner_key,
    stored_record,
)
from orderhub.store.tables import RecordRow

__all__ = [
    "all_skus",
    "count_records",
    "get_record",
    "get_record_by_ext",
    "get_records",
    "holders_of_skus",
    "list_records",
    "lock_record",
    "records_by_ext",
    "records_held_by",
    "records_with_skus",
    "skus_of",
]


def get_record(
    session: Session, kind: EntityKind, hub_id: str, *, with_source: bool = True
) -> StoredRecord | None:
    """The record with this hub id; `with_source=False` skips decoding its source document."""
    columns = RECORD_COLUMNS if with_source else LIST_COLUMNS
    row = session.execute(
        select(*columns).where(RecordRow.kind == kind.value, RecordRow.hub_id == hub_id)
    ).one_or_none()
    return stored_record(row) if row is not None else None


def lock_record(session: Session, kind: EntityKind, hub_id: str) -> None:
    """Lock a record's row until the transaction ends (`FOR UPDATE`; SQLite: the write lock
    `BEGIN IMMEDIATE` took already), so a check-then-write on it runs one at a time."""
    session.execute(
        select(RecordRow.hub_id)
        .where(RecordRow.kind == kind.value, RecordRow.hub_id == hub_id)
        .with_for_update()
    )


def get_records(session: Session, kind: EntityKind, hub_ids: Sequence[str]) -> list[StoredRecord]:
    """The records with these hub ids (those that exist), in one query per 500 ids."""
    return _records_where_in(session, kind, RecordRow.hub_id, hub_ids)


def records_with_skus(
    session: Session, kind: EntityKind, skus: Sequence[str]
) -> list[StoredRecord]:
    """Every record of `kind` (products, inventory) whose SKU is one of `skus`, any integration."""
    return _records_where_in(session, kind, RecordRow.sku, skus)


def skus_of(session: Session, kind: EntityKind, hub_ids: Sequence[str]) -> dict[str, str]:
    """The SKU of each of these records that has one, by hub id (its indexed column only: no
    document is read or decoded), one query per 500 ids."""
    found: dict[str, str] = {}
    for chunk in in_chunks(hub_ids):
        rows = session.execute(
            select(RecordRow.hub_id, RecordRow.sku).where(
                RecordRow.kind == kind.value, RecordRow.hub_id.in_(chunk), RecordRow.sku != ""
            )
        )
        found.update((hub_id, sku) for hub_id, sku in rows if sku is not None)
    return found


def all_skus(session: Session, kind: EntityKind) -> set[str]:
    """Every SKU the records of `kind` carry, whoever brought them (the indexed column only)."""
    rows = session.scalars(
        select(RecordRow.sku).where(RecordRow.kind == kind.value, RecordRow.sku != "").distinct()
    )
    return {sku for sku in rows if sku is not None}


def holders_of_skus(
    session: Session, kind: EntityKind, skus: Sequence[str]
) -> dict[str, set[str | None]]:
    """Which integrations (None: the hub itself) hold a record of `kind` with each SKU, for
    the SKUs that have any; one query per 500 SKUs, no document read."""
    found: dict[str, set[str | None]] = {}
    for chunk in in_chunks(skus):
        rows = session.execute(
            select(RecordRow.sku, RecordRow.integration_id)
            .where(RecordRow.kind == kind.value, RecordRow.sku.in_(chunk))
            .distinct()
        )
        for sku, integration_id in rows:
            if sku is not None:
                found.setdefault(sku, set()).add(integration_id or None)
    return found


def records_by_ext(
    session: Session, kind: EntityKind, integration_id: str | None, ext_ids: Sequence[str]
) -> list[StoredRecord]:
    """The records an integration holds under these external ids (one query per 500)."""
    found: list[StoredRecord] = []
    owner = owner_key(integration_id)
    for chunk in in_chunks(ext_ids):
        rows = session.execute(
            _select_records().where(
                RecordRow.kind == kind.value,
                RecordRow.integration_id == owner,
                RecordRow.ext_id.in_(chunk),
            )
        )
        found.extend(stored_record(row) for row in rows)
    return found


def records_held_by(
    session: Session, kind: EntityKind, owners: Sequence[str | None], ext_ids: Sequence[str]
) -> list[StoredRecord]:
    """The records any of `owners` (integrations; None: the hub) holds under any of these
    external ids: one query per 500 ids, however many owners."""
    held_by = list(dict.fromkeys(owner_key(owner) for owner in owners))
    found: list[StoredRecord] = []
    if not held_by:
        return found
    for chunk in in_chunks(ext_ids):
        rows = session.execute(
            _select_records().where(
                RecordRow.kind == kind.value,
                RecordRow.integration_id.in_(held_by),
                RecordRow.ext_id.in_(chunk),
            )
        )
        found.extend(stored_record(row) for row in rows)
    return found


def _records_where_in(
    session: Session, kind: EntityKind, column: Any, values: Sequence[str]
) -> list[StoredRecord]:
    found: list[StoredRecord] = []
    for chunk in in_chunks(values):
        rows = session.execute(
            _select_records().where(RecordRow.kind == kind.value, column.in_(chunk))
        )
        found.extend(stored_record(row) for row in rows)
    return found


def get_record_by_ext(
    session: Session, kind: EntityKind, integration_id: str | None, ext_id: str
) -> StoredRecord | None:
    row = session.execute(
        _select_records().where(
            RecordRow.kind == kind.value,
            RecordRow.integration_id == owner_key(integration_id),
            RecordRow.ext_id == ext_id,
        )
    ).one_or_none()
    return stored_record(row) if row is not None else None


def list_records(
    session: Session,
    kind: EntityKind,
    *,
    integration_id: str | None = None,
    status: str | None = None,
    updated_since: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
    newest_first: bool = True,
    ext_ref: str | None = None,
    sku: str | None = None,
) -> list[StoredRecord]:
    """Records of one kind, by hub `updated_at` (newest first unless told otherwise).

    A shorthand for `record_queries.find_records` with the filters most callers need;
    `ext_ref` matches the kind's external reference (`extOrderId`, `extProductId`, …).
    """
    where = _where(kind, integration_id, status, ext_ref, sku, updated_since)
    sort = RecordSort("updatedAt", descending=newest_first)
    return record_queries.list_records(session, where, skip=offset, limit=limit, sort=sort)


def count_records(
    session: Session,
    kind: EntityKind,
    *,
    integration_id: str | None = None,
    status: str | None = None,
    ext_ref: str | None = None,
    sku: str | None = None,
) -> int:
    where = _where(kind, integration_id, status, ext_ref, sku, None)
    return record_queries.count_records(session, where)


def _where(
    kind: EntityKind,
    integration_id: str | None,
    status: str | None,
    ext_ref: str | None,
    sku: str | None,
    updated_since: datetime | None,
) -> RecordFilter:
    return RecordFilter(
        kind,
        integration=integration_id,
        statuses=(status,) if status is not None else (),
        ext_ref=ext_ref,
        sku=sku,
        window=UpdatedWindow(since=updated_since),
    )


def _select_records() -> Select[Any]:
    return select(*RECORD_COLUMNS)
