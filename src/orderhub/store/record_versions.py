"""Which version of each record the hub holds, looked up by external id a page at a time.

A completeness check lists the store's records cheaply (ids and update times) and asks, for
each page, what the hub holds of those ids: the record's query columns, its content hash,
and the source's update time kept inside `source_doc` (read by JSON path in SQL, so a page
of product documents is never loaded just to read one field). One SELECT per page.
None of these functions commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, null, select
from sqlalchemy.orm import Session

from orderhub.store.dialect import in_chunks
from orderhub.store.entities import EntityKind
from orderhub.store.stored import owner_key
from orderhub.store.tables import RecordRow

__all__ = ["HeldVersion", "held_versions"]


@dataclass(frozen=True)
class HeldVersion:
    """What the hub holds of one record: enough to tell missing, old and changed apart."""

    ext_id: str
    ext_ref: str | None
    sku: str | None
    status: str | None
    ext_updated_at: datetime | None
    """The source's update time as the record's data states it (`extOrderUpdatedAt`, …)."""
    source_updated_at: str | None
    """The raw text found in `source_doc` at the first of the paths asked for that has one."""
    content_hash: str


def held_versions(
    session: Session,
    kind: EntityKind,
    integration_id: str | None,
    ext_ids: Sequence[str],
    *,
    source_time_paths: Sequence[tuple[str, ...]] = (),
) -> dict[str, HeldVersion]:
    """The hub's versions of these records of one integration, by external id."""
    source_time = _first_text(source_time_paths)
    held: dict[str, HeldVersion] = {}
    for chunk in in_chunks(ext_ids):
        rows = session.execute(
            select(
                RecordRow.ext_id,
                RecordRow.ext_ref,
                RecordRow.sku,
                RecordRow.status,
                RecordRow.ext_updated_at,
                source_time.label("source_time"),
                RecordRow.content_hash,
            ).where(
                RecordRow.kind == kind.value,
                RecordRow.integration_id == owner_key(integration_id),
                RecordRow.ext_id.in_(chunk),
            )
        )
        for row in rows:
            held[row.ext_id] = HeldVersion(
                ext_id=row.ext_id,
                ext_ref=row.ext_ref,
                sku=row.sku,
                status=row.status,
                ext_updated_at=row.ext_updated_at,
                source_updated_at=row.source_time,
                content_hash=row.content_hash,
            )
    return held


def _first_text(paths: Sequence[tuple[str, ...]]) -> ColumnElement[Any]:
    """`source_doc` at the first path that holds a value, as text (NULL when none does)."""
    if not paths:
        return cast(null(), String)
    parts = [RecordRow.source_doc[path].as_string() for path in paths]
    return parts[0] if len(parts) == 1 else func.coalesce(*parts)
