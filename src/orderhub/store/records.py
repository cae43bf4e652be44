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
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Row,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from orderhub.domain import Outcome
from orderhub.json_text import canonical_json, document_json
from orderhub.store import record_queries
from orderhub.store.dialect import dialect_insert, utc
from orderhub.store.entities import ACTORS, EntityKind, Origin
from orderhub.store.feed import (
    Change,
    TimelineEvent,
    add_timeline_note,
    changes_since,
    discard_changes,
    record_changes,
    record_events,
    timeline,
)
from orderhub.store.record_queries import RecordFilter, RecordSort, UpdatedWindow
from orderhub.store.stored import LIST_COLUMNS, RECORD_COLUMNS, StoredRecord, stored_record
from orderhub.store.tables import Base, RecordRow

__all__ = [
    "ACTORS",
    "Change",
    "EntityKind",
    "Origin",
    "StoredRecord",
    "TimelineEvent",
    "UpsertItem",
    "UpsertResult",
    "add_timeline_note",
    "all_skus",
    "changes_since",
    "content_hash",
    "count_records",
    "get_record",
    "get_record_by_ext",
    "get_records",
    "holders_of_skus",
    "list_records",
    "lock_record",
    "new_hub_id",
    "record_hash",
    "records_by_ext",
    "records_with_skus",
    "skus_of",
    "timeline",
    "upsert_record",
    "upsert_records",
]

_NO_INTEGRATION = ""
_IN_CHUNK = 500
"""Ids per `IN (…)` list: well under SQLite's bound-parameter limit."""


@dataclass(frozen=True)
class UpsertResult:
    outcome: Outcome
    hub_id: str
    seq: int | None
    changed_fields: tuple[str, ...]


@dataclass(frozen=True)
class UpsertItem:
    """One record to write with `upsert_records`: its key (integration, external id) and content."""

    integration_id: str | None
    ext_id: str
    data: Mapping[str, Any]
    source_doc: Mapping[str, Any] | None


def new_hub_id() -> str:
    """A hub id: 16 random lowercase hex characters, as Pipe17 issues them."""
    return secrets.token_hex(8)


def content_hash(data: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of `data` (sorted keys, no whitespace)."""
    return hashlib.sha256(_canonical_json(data).encode("utf-8")).hexdigest()


def record_hash(kind: EntityKind, data: Mapping[str, Any]) -> str:
    """The content hash an upsert of `data` would store (hub fields dropped, as it does).

    Compared with a stored record's hash, it says whether writing `data` would change it.
    """
    return content_hash(_without_hub_fields(kind, data))


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
    A batch of one (`upsert_records`): the same four statements a single write always took.
    """
    item = UpsertItem(integration_id, ext_id, data, source_doc)
    return upsert_records(session, kind, [item], origin=origin, now=now)[0]


def upsert_records(
    session: Session,
    kind: EntityKind,
    items: Sequence[UpsertItem],
    *,
    origin: Origin,
    now: datetime,
) -> list[UpsertResult]:
    """`upsert_record` for many records at once, in a constant number of statements.

    The results are in the order of `items`, and the store ends in the same state as after
    the same upserts one by one: one SELECT locks the rows that exist, then one multi-row
    INSERT each for change-feed rows, new records and timeline events, and one executemany
    UPDATE for changed records. A key that appears again later in `items` starts a new batch,
    so its second write sees the first. Each record's JSON is serialised once: the canonical
    text is both hashed and stored.
    """
    now = utc(now)
    pending = [_prepare(kind, item) for item in items]
    results: list[UpsertResult] = []
    batch: list[_Pending] = []
    keys: set[tuple[str, str]] = set()
    for entry in pending:
        if entry.key in keys or len(batch) >= _BATCH:
            results.extend(_write_batch(session, kind, batch, origin, now))
            batch, keys = [], set()
        batch.append(entry)
        keys.add(entry.key)
    if batch:
        results.extend(_write_batch(session, kind, batch, origin, now))
    return results


def get_record(
    session: Session, kind: EntityKind, hub_id: str, *, with_source: bool = True
) -> StoredRecord | None:
    """The record with this hub id; `with_source=False` skips decoding its source document."""
    columns = RECORD_COLUMNS if with_source else LIST_COLUMNS
    row = session.execute(
        select(*columns).where(RecordRow.kind == kind.value, RecordRow.hub_id == hub_id)
    ).one_or_none()
    return _stored(row) if row is not None else None


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
    wanted = list(dict.fromkeys(hub_ids))
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
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
    wanted = list(dict.fromkeys(skus))
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
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
    wanted = list(dict.fromkeys(ext_ids))
    owner = integration_id or _NO_INTEGRATION
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        rows = session.execute(
            _select_records().where(
                RecordRow.kind == kind.value,
                RecordRow.integration_id == owner,
                RecordRow.ext_id.in_(chunk),
            )
        )
        found.extend(_stored(row) for row in rows)
    return found


def _records_where_in(
    session: Session, kind: EntityKind, column: Any, values: Sequence[str]
) -> list[StoredRecord]:
    found: list[StoredRecord] = []
    wanted = list(dict.fromkeys(values))
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        rows = session.execute(
            _select_records().where(RecordRow.kind == kind.value, column.in_(chunk))
        )
        found.extend(_stored(row) for row in rows)
    return found


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

    A shorthand for `record_queries.find_records` with the filters most callers need;
    `ext_ref` matches the kind's external reference (`extOrderId`, `extProductId`, …).
    """
    where = _where(kind, integration_id, status, ext_ref, sku, updated_since)
    sort: RecordSort = "-updatedAt" if newest_first else "updatedAt"
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


# The write path uses Core statements built once: an upsert is a handful of small
# statements, and ORM unit-of-work bookkeeping would cost more than the SQL itself.
_RECORDS = Base.metadata.tables["records"]
_INSERT_RECORD: dict[str, Any] = {}
_UPDATE_RECORD: dict[str, Any] = {}


def _insert_record(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect not in _INSERT_RECORD:
        _INSERT_RECORD[dialect] = (
            dialect_insert(session, _RECORDS)
            .values(
                data=_json_param(session, "j_data"),
                source_doc=_json_param(session, "j_source"),
            )
            .on_conflict_do_nothing(index_elements=["kind", "integration_id", "ext_id"])
            .returning(_RECORDS.c.hub_id)
        )
    return _INSERT_RECORD[dialect]


def _update_record(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect not in _UPDATE_RECORD:
        _UPDATE_RECORD[dialect] = (
            update(_RECORDS)
            .where(_RECORDS.c.hub_id == bindparam("k_hub_id"))
            .values(
                data=_json_param(session, "j_data"),
                source_doc=_json_param(session, "j_source"),
            )
        )
    return _UPDATE_RECORD[dialect]


_BATCH = 500


@dataclass(frozen=True)
class _Pending:
    """One item ready to write: its key, canonical JSON text, hash and query columns."""

    key: tuple[str, str]
    clean: dict[str, Any]
    data_json: str
    source_json: str | None
    digest: str
    columns: dict[str, Any]


def _prepare(kind: EntityKind, item: UpsertItem) -> _Pending:
    if not item.ext_id:
        raise ValueError(f"a {kind} needs a non-empty external id")
    clean = _without_hub_fields(kind, item.data)
    canonical = _canonical_json(clean)
    source = item.source_doc
    return _Pending(
        key=(item.integration_id or _NO_INTEGRATION, item.ext_id),
        clean=clean,
        data_json=canonical,
        source_json=document_json(source) if source is not None else None,
        digest=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        columns=_query_columns(kind, clean),
    )


def _write_batch(
    session: Session,
    kind: EntityKind,
    batch: Sequence[_Pending],
    origin: Origin,
    now: datetime,
) -> list[UpsertResult]:
    """Write a batch of distinct keys; see `upsert_records`."""
    rows = _lock_existing(session, kind, [entry.key for entry in batch])
    # New keys are inserted in key order, like the rows are locked: two writers racing on
    # overlapping pages then wait for each other instead of deadlocking.
    new = sorted((entry for entry in batch if entry.key not in rows), key=lambda e: e.key)
    hub_ids = {entry.key: new_hub_id() for entry in new}
    stale = [entry for entry in batch if entry.key in rows and _differs(entry, rows[entry.key])]
    seqs = record_changes(
        session,
        kind,
        [hub_ids[entry.key] for entry in new] + [rows[entry.key].hub_id for entry in stale],
        origin,
        now,
    )
    results: dict[tuple[str, str], UpsertResult] = {}
    if new:
        inserted = _insert_new(session, kind, new, hub_ids, seqs, now)
        lost = [entry for entry in new if hub_ids[entry.key] not in inserted]
        for entry in new:
            if hub_ids[entry.key] in inserted:
                hub_id = hub_ids[entry.key]
                changed = tuple(sorted(entry.clean))
                results[entry.key] = UpsertResult(Outcome.CREATED, hub_id, seqs[hub_id], changed)
        if lost:
            # Another transaction inserted these keys first (PostgreSQL only: SQLite
            # serialises writers). Drop our changes — this transaction must never commit
            # them — and update the winners' rows, now locked, like any existing record.
            discard_changes(session, [seqs.pop(hub_ids[entry.key]) for entry in lost])
            won = _lock_existing(session, kind, [entry.key for entry in lost])
            rows.update(won)
            late = [entry for entry in lost if _differs(entry, won[entry.key])]
            seqs.update(
                record_changes(session, kind, [won[e.key].hub_id for e in late], origin, now)
            )
            stale.extend(late)
    updates: list[dict[str, Any]] = []
    for entry in stale:
        row = rows[entry.key]
        changed = _changed_fields(row.data, entry.clean)
        results[entry.key] = UpsertResult(Outcome.UPDATED, row.hub_id, seqs[row.hub_id], changed)
        updates.append({"k_hub_id": row.hub_id, "seq": seqs[row.hub_id], **_content(entry, now)})
    events = [
        (result.hub_id, result.seq, result.outcome, result.changed_fields)
        for entry in batch
        if (result := results.get(entry.key)) is not None and result.seq is not None
    ]
    events.sort(key=lambda event: event[1])
    record_events(session, kind, origin, events, now)
    if updates:
        session.execute(_update_record(session), updates)
    return [
        results.get(entry.key) or UpsertResult(Outcome.UNCHANGED, rows[entry.key].hub_id, None, ())
        for entry in batch
    ]


def _differs(entry: _Pending, row: Row[Any]) -> bool:
    return bool(row.content_hash != entry.digest)


def _content(entry: _Pending, now: datetime) -> dict[str, Any]:
    return {
        "j_data": entry.data_json,
        "j_source": entry.source_json,
        "content_hash": entry.digest,
        "updated_at": now,
        **entry.columns,
    }


def _lock_existing(
    session: Session, kind: EntityKind, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], Row[Any]]:
    """The existing rows of `keys`, locked (`FOR UPDATE`) in key order, in one SELECT."""
    if not keys:
        return {}
    by_integration: dict[str, list[str]] = {}
    for integration, ext_id in keys:
        by_integration.setdefault(integration, []).append(ext_id)
    query: Select[Any] = (
        select(
            _RECORDS.c.integration_id,
            _RECORDS.c.ext_id,
            _RECORDS.c.hub_id,
            _RECORDS.c.content_hash,
            _RECORDS.c.data,
        )
        .where(
            _RECORDS.c.kind == kind.value,
            or_(
                *(
                    and_(_RECORDS.c.integration_id == integration, _RECORDS.c.ext_id.in_(ids))
                    for integration, ids in sorted(by_integration.items())
                )
            ),
        )
        .order_by(_RECORDS.c.integration_id, _RECORDS.c.ext_id)
        .with_for_update()
    )
    return {(row.integration_id, row.ext_id): row for row in session.execute(query)}


def _insert_new(
    session: Session,
    kind: EntityKind,
    new: Sequence[_Pending],
    hub_ids: Mapping[tuple[str, str], str],
    seqs: Mapping[str, int],
    now: datetime,
) -> set[str]:
    """Insert the new records (`ON CONFLICT DO NOTHING`); the hub ids that were inserted."""
    params = [
        {
            "hub_id": hub_ids[entry.key],
            "kind": kind.value,
            "integration_id": entry.key[0],
            "ext_id": entry.key[1],
            "seq": seqs[hub_ids[entry.key]],
            "created_at": now,
            **_content(entry, now),
        }
        for entry in new
    ]
    return {str(hub_id) for hub_id in session.execute(_insert_record(session), params).scalars()}


def _canonical_json(data: Mapping[str, Any]) -> str:
    # The exact text json.dumps(sort_keys, compact, ensure_ascii=False) writes: the stored
    # hashes were made from it (orderhub.json_text).
    return canonical_json(data)


def _json_param(session: Session, name: str) -> Any:
    # The text is already serialised: bind it as text (a cast makes it JSONB on PostgreSQL),
    # so the JSON column type does not encode the document a second time.
    param = bindparam(name, type_=Text)
    if session.get_bind().dialect.name == "postgresql":
        return cast(param, postgresql.JSONB)
    return param


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


def _select_records() -> Select[Any]:
    return select(*RECORD_COLUMNS)


_stored = stored_record
