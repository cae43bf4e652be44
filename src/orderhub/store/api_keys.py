"""REST API key rows: the hash, the prefix and the scope of each key (never the key).

The service (`orderhub.services.apikeys`) makes and checks keys; these functions only read
and write their rows, in the caller's session, and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from orderhub.store.tables import ApiKeyRow

__all__ = [
    "StoredApiKey",
    "add_api_key",
    "api_key_by_hash",
    "api_keys",
    "note_api_key_use",
    "revoke_api_key",
]


@dataclass(frozen=True)
class StoredApiKey:
    key_id: str
    name: str
    prefix: str
    scope: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def add_api_key(
    session: Session,
    *,
    key_id: str,
    name: str,
    prefix: str,
    key_hash: str,
    scope: str,
    now: datetime,
) -> None:
    session.add(
        ApiKeyRow(
            key_id=key_id,
            name=name,
            prefix=prefix,
            key_hash=key_hash,
            scope=scope,
            created_at=now,
            last_used_at=None,
            revoked_at=None,
        )
    )


def api_key_by_hash(session: Session, key_hash: str) -> StoredApiKey | None:
    row = session.execute(select(*_COLUMNS).where(ApiKeyRow.key_hash == key_hash)).one_or_none()
    return StoredApiKey(*row) if row is not None else None


def note_api_key_use(session: Session, key_id: str, now: datetime) -> None:
    session.execute(update(ApiKeyRow).where(ApiKeyRow.key_id == key_id).values(last_used_at=now))


def api_keys(session: Session, *, include_revoked: bool = True) -> list[StoredApiKey]:
    """Keys, oldest first."""
    query = select(*_COLUMNS).order_by(ApiKeyRow.created_at, ApiKeyRow.key_id)
    if not include_revoked:
        query = query.where(ApiKeyRow.revoked_at.is_(None))
    return [StoredApiKey(*row) for row in session.execute(query)]


def revoke_api_key(session: Session, key_id: str, now: datetime) -> StoredApiKey | None:
    """Revoke a key (a revoked key keeps its first revocation time); None if there is none."""
    session.execute(
        update(ApiKeyRow)
        .where(ApiKeyRow.key_id == key_id, ApiKeyRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    row = session.execute(select(*_COLUMNS).where(ApiKeyRow.key_id == key_id)).one_or_none()
    return StoredApiKey(*row) if row is not None else None


_COLUMNS = (
    ApiKeyRow.key_id,
    ApiKeyRow.name,
    ApiKeyRow.prefix,
    ApiKeyRow.scope,
    ApiKeyRow.created_at,
    ApiKeyRow.last_used_at,
    ApiKeyRow.revoked_at,
)
