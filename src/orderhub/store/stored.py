"""A record as the store hands it out, and the one way a row of `records` becomes one.

Reads select columns, not ORM entities: every read gets its own freshly decoded `data` dict,
so a caller mutating a returned record can never alter a session's copy of the row, and no
identity-map bookkeeping is paid per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from orderhub.store.dialect import utc
from orderhub.store.entities import EntityKind
from orderhub.store.tables import RecordRow

__all__ = ["LIST_COLUMNS", "RECORD_COLUMNS", "StoredRecord", "owner_key", "stored_record"]

_NO_INTEGRATION = ""


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


LIST_COLUMNS = (
    RecordRow.kind,
    RecordRow.hub_id,
    RecordRow.integration_id,
    RecordRow.ext_id,
    RecordRow.data,
    RecordRow.content_hash,
    RecordRow.seq,
    RecordRow.created_at,
    RecordRow.updated_at,
)
"""What a list shows: everything but the source document, which can be large."""

RECORD_COLUMNS = (*LIST_COLUMNS, RecordRow.source_doc)


def owner_key(integration_id: str | None) -> str:
    """The `integration_id` column of a record held by this integration (None: the hub).

    Hub-native records are stored with `""`, so that one plain unique constraint serves as
    the upsert key on both databases (SQL unique constraints treat NULLs as distinct).
    """
    return integration_id or _NO_INTEGRATION


def stored_record(row: Row[Any]) -> StoredRecord:
    """The record of a row selected with `RECORD_COLUMNS` or `LIST_COLUMNS` (no source doc)."""
    mapping = row._mapping
    return StoredRecord(
        kind=EntityKind(row.kind),
        hub_id=row.hub_id,
        integration_id=row.integration_id or None,  # see owner_key
        ext_id=row.ext_id,
        data=row.data,
        source_doc=mapping.get("source_doc"),
        content_hash=row.content_hash,
        seq=row.seq,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _iso_z(value: datetime) -> str:
    return utc(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")
