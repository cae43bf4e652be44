"""Writing canonical records: idempotent upserts keyed by `(kind, integration, external id)`.

Writing the same content again is free: `upsert_record` compares a SHA-256 of the canonical
JSON of `data` and writes nothing when it matches — no row update, no change-feed entry, no
timeline event, and the stored `source_doc` is left as it was (the source document is kept
for reference and debugging; only the canonical data decides what counts as a change).
Every real change appends one row to the change feed and one event to the record's
timeline (`orderhub.store.feed`; read its docstring about gaps in the feed's `seq` on
PostgreSQL).

All functions take the caller's session and never commit.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, Text, and_, bindparam, cast, or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from orderhub.domain import Outcome
from orderhub.json_text import canonical_json, document_json
from orderhub.store.dialect import dialect_insert, utc
from orderhub.store.entities import EntityKind, Origin
from orderhub.store.feed import discard_changes, record_changes
from orderhub.store.stored import owner_key
from orderhub.store.tables import Base
from orderhub.store.timeline import record_events

__all__ = [
    "UpsertItem",
    "UpsertResult",
    "content_hash",
    "new_hub_id",
    "record_hash",
    "upsert_record",
    "upsert_records",
]


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
        key=(owner_key(item.integration_id), item.ext_id),
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
