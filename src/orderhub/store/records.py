"""Canonical records of every kind: idempotent upserts, reads and filters.

A record is the canonical wire dict of an order, product, inventory row, location or
fulfillment (`Order(...).to_wire()`), stored as JSON next to a few indexed query columns. It
is keyed by `(kind, integration_id, ext_id)`: the integration that brought it and its id
there. Hub-native records (made through the API or CLI) have no integration: they are stored
with `integration_id = ""` so that one plain unique constraint serves as the upsert key on
both databases (SQL unique constraints treat NULLs as distinct); `None` is what callers pass
and get back.

Writing the same content again is free: `upsert_record` compares a SHA-256 of the canonical
JSON of `data` and writes nothing when it matches — no row update, no change-feed entry, no
timeline event, and the stored `source_doc` is left as it was (the source document is kept
for reference and debugging; only the canonical data decides what counts as a change).
Every real change appends one row to the change feed and one event to the record's
timeline (`orderhub.store.feed`, whose names are re-exported here; read its docstring about
gaps in the feed's `seq` on PostgreSQL).

All functions take the caller's session and never commit.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Row, Select, bindparam, func, select, update
from sqlalchemy.orm import Session

from orderhub.store.dialect import dialect_insert, utc
from orderhub.store.entities import ACTORS, EntityKind, Origin
from orderhub.store.feed import (
    Change,
    TimelineEvent,
    add_timeline_note,
    changes_since,
    discard_change,
    record_change,
    record_event,
    timeline,
)
from orderhub.store.tables import Base, RecordRow

__all__ = [
    "ACTORS",
    "Change",
    "EntityKind",
    "Origin",
    "StoredRecord",
    "TimelineEvent",
    "UpsertResult",
    "add_timeline_note",
    "changes_since",
    "content_hash",
    "count_records",
    "get_record",
    "get_record_by_ext",
    "list_records",
    "new_hub_id",
    "timeline",
    "upsert_record",
]

_NO_INTEGRATION = ""


@dataclass(frozen=True)
class UpsertResult:
    outcome: Literal["created", "updated", "unchanged"]
    hub_id: str
    seq: int | None
    changed_fields: tuple[str, ...]


@dataclass(frozen=True)
class StoredRecord:
    kind: EntityKind
    hub_id: str
    integration_id: str | None
    ext_id: str
    data: dict[str, Any]
    source_doc: dict[str, Any] | None
    content_hash: str
    seq: int
    created_at: datetime
    updated_at: datetime

    def to_wire(self) -> dict[str, Any]:
        """The record as the REST API shows it: its data plus the hub's own fields."""
        wire: dict[str, Any] = {self.kind.id_field: self.hub_id, **self.data}
        if self.integration_id is not None:
            wire["integration"] = self.integration_id
        wire["createdAt"] = _iso_z(self.created_at)
        wire["updatedAt"] = _iso_z(self.updated_at)
        return wire


def new_hub_id() -> str:
    """A hub id: 16 random lowercase hex characters, as Pipe17 issues them."""
    return secrets.token_hex(8)


def content_hash(data: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of `data` (sorted keys, no whitespace)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def upsert_record(
    session: Session,
    kind: EntityKind,
    *,
    integration_id: str | None,
    ext_id: str,
    data: Mapping[str, Any],
    source_doc: Mapping[str, Any] | None,
    origin: Origin,
    now: datetime,
) -> UpsertResult:
    """Create or update the record keyed by `(kind, integration_id, ext_id)`.

    Hub fields in `data` (`orderId`, `integration`, `createdAt`, `updatedAt`) are dropped, so
    a record read back with `to_wire()` can be written again without counting as a change.
    Safe under concurrency: the first writer of a key inserts it (`ON CONFLICT DO NOTHING`
    on the unique key), any other waits for it and then updates the row it locked.
    """
    if not ext_id:
        raise ValueError(f"a {kind} needs a non-empty external id")
    now = utc(now)
    clean = _without_hub_fields(kind, data)
    digest = content_hash(clean)
    key = {
        "k_kind": kind.value,
        "k_integration": integration_id or _NO_INTEGRATION,
        "k_ext": ext_id,
    }
    content = {
        "data": clean,
        "source_doc": dict(source_doc) if source_doc is not None else None,
        "content_hash": digest,
        "updated_at": now,
        **_query_columns(kind, clean),
    }
    row = session.execute(_LOCK_BY_KEY, key).one_or_none()
    if row is None:
        # Take the change's seq first so the row is written once, complete. If another
        # transaction wins the insert (PostgreSQL only: SQLite serialises writers), drop the
        # change again — this transaction never commits it — and update the winner's row.
        hub_id = new_hub_id()
        seq = record_change(session, kind, hub_id, origin, now)
        inserted = session.execute(
            _insert_record(session),
            {
                "hub_id": hub_id,
                "kind": key["k_kind"],
                "integration_id": key["k_integration"],
                "ext_id": ext_id,
                "seq": seq,
                "created_at": now,
                **content,
            },
        ).scalar_one_or_none()
        if inserted is not None:
            changed = tuple(sorted(clean))
            record_event(
                session, kind, hub_id, origin, seq=seq, action="created", changed=changed, now=now
            )
            return UpsertResult("created", hub_id, seq, changed)
        discard_change(session, seq)
        row = session.execute(_LOCK_BY_KEY, key).one()
    if row.content_hash == digest:
        return UpsertResult("unchanged", row.hub_id, None, ())
    changed = _changed_fields(row.data, clean)
    seq = record_change(session, kind, row.hub_id, origin, now)
    record_event(
        session, kind, row.hub_id, origin, seq=seq, action="updated", changed=changed, now=now
    )
    session.execute(_UPDATE_RECORD, {"k_hub_id": row.hub_id, "seq": seq, **content})
    return UpsertResult("updated", row.hub_id, seq, changed)


def get_record(session: Session, kind: EntityKind, hub_id: str) -> StoredRecord | None:
    row = session.execute(
        _select_records().where(RecordRow.kind == kind.value, RecordRow.hub_id == hub_id)
    ).one_or_none()
    return _stored(row) if row is not None else None


def get_record_by_ext(
    session: Session, kind: EntityKind, integration_id: str | None, ext_id: str
) -> StoredRecord | None:
    row = session.execute(
        _select_records().where(
            RecordRow.kind == kind.value,
            RecordRow.integration_id == (integration_id or _NO_INTEGRATION),
            RecordRow.ext_id == ext_id,
        )
    ).one_or_none()
    return _stored(row) if row is not None else None


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

    `ext_ref` matches the kind's external reference (`extOrderId` for orders, `extProductId`,
    `extLocationId`, `extFulfillmentId`); `sku` the top-level `sku` of products and inventory.
    """
    query = _select_records().where(*_filters(kind, integration_id, status, ext_ref, sku))
    if updated_since is not None:
        query = query.where(RecordRow.updated_at >= utc(updated_since))
    if newest_first:
        query = query.order_by(RecordRow.updated_at.desc(), RecordRow.hub_id.desc())
    else:
        query = query.order_by(RecordRow.updated_at, RecordRow.hub_id)
    rows = session.execute(query.limit(limit).offset(offset))
    return [_stored(row) for row in rows]


def count_records(
    session: Session,
    kind: EntityKind,
    *,
    integration_id: str | None = None,
    status: str | None = None,
    ext_ref: str | None = None,
    sku: str | None = None,
) -> int:
    query = select(func.count()).select_from(RecordRow)
    return session.scalar(query.where(*_filters(kind, integration_id, status, ext_ref, sku))) or 0


# The write path uses Core statements built once: an upsert is a handful of small
# statements, and ORM unit-of-work bookkeeping would cost more than the SQL itself.
_RECORDS = Base.metadata.tables["records"]
_LOCK_BY_KEY = (
    select(_RECORDS.c.hub_id, _RECORDS.c.content_hash, _RECORDS.c.data)
    .where(
        _RECORDS.c.kind == bindparam("k_kind"),
        _RECORDS.c.integration_id == bindparam("k_integration"),
        _RECORDS.c.ext_id == bindparam("k_ext"),
    )
    .with_for_update()
)
_UPDATE_RECORD = update(_RECORDS).where(_RECORDS.c.hub_id == bindparam("k_hub_id"))
_INSERT_RECORD: dict[str, Any] = {}


def _insert_record(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect not in _INSERT_RECORD:
        _INSERT_RECORD[dialect] = (
            dialect_insert(session, _RECORDS)
            .on_conflict_do_nothing(index_elements=["kind", "integration_id", "ext_id"])
            .returning(_RECORDS.c.hub_id)
        )
    return _INSERT_RECORD[dialect]


def _filters(
    kind: EntityKind,
    integration_id: str | None,
    status: str | None,
    ext_ref: str | None,
    sku: str | None,
) -> list[ColumnElement[bool]]:
    filters = [RecordRow.kind == kind.value]
    if integration_id is not None:
        filters.append(RecordRow.integration_id == integration_id)
    if status is not None:
        filters.append(RecordRow.status == status)
    if ext_ref is not None:
        filters.append(RecordRow.ext_ref == ext_ref)
    if sku is not None:
        filters.append(RecordRow.sku == sku)
    return filters


def _without_hub_fields(kind: EntityKind, data: Mapping[str, Any]) -> dict[str, Any]:
    hub_fields = {kind.id_field, "integration", "createdAt", "updatedAt"}
    return {key: value for key, value in data.items() if key not in hub_fields}


def _changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, ...]:
    keys = set(old) | set(new)
    return tuple(sorted(key for key in keys if old.get(key, _MISSING) != new.get(key, _MISSING)))


_MISSING = object()


def _query_columns(kind: EntityKind, data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "status": _text(data.get("status"), 64),
        "ext_ref": _text(data.get(kind.ext_ref_field), 255),
        "sku": _text(data.get("sku"), 255),
        "ext_updated_at": _parse_time(data.get(kind.ext_updated_field)),
    }


def _text(value: Any, max_length: int) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value)
    return text if len(text) <= max_length else None


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return utc(parsed) if parsed.tzinfo is not None else None


def _iso_z(value: datetime) -> str:
    return utc(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_RECORD_COLUMNS = (
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


def _select_records() -> Select[Any]:
    # Columns, not entities: every read gets its own freshly decoded `data` dict, so a caller
    # mutating a returned record can never alter the session's copy of the row.
    return select(*_RECORD_COLUMNS)


def _stored(row: Row[Any]) -> StoredRecord:
    return StoredRecord(
        kind=EntityKind(row.kind),
        hub_id=row.hub_id,
        integration_id=row.integration_id or None,
        ext_id=row.ext_id,
        data=row.data,
        source_doc=row.source_doc,
        content_hash=row.content_hash,
        seq=row.seq,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
