"""REST API keys: made once, shown once, kept only as a SHA-256 hash.

A key is `ohk_` followed by 40 random URL-safe characters (240 bits). The hub stores its
SHA-256 hash (enough for a secret of that entropy: no salt or slow hash is needed, and a
lookup by hash is one indexed query) and its first twelve characters, the *prefix*, so a
person can tell their keys apart in a list without the hub holding anything usable.

A key's scope is `read` (every GET) or `readwrite` (also the writes that feed the push flows
and the control of integrations). Revoking a key is immediate and final.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select

from orderhub.domain import HubModel, UtcDatetime
from orderhub.errors import NotFoundError, UsageError
from orderhub.hub import Hub
from orderhub.store.tables import ApiKeyRow

__all__ = [
    "DEFAULT_KEY_NAME",
    "KEY_PREFIX",
    "ApiKey",
    "ApiKeyScope",
    "create_api_key",
    "hash_api_key",
    "list_api_keys",
    "parse_scope",
    "revoke_api_key",
    "verify_api_key",
]

KEY_PREFIX = "ohk_"
DEFAULT_KEY_NAME = "API key"
_PREFIX_LENGTH = 12
_RANDOM_BYTES = 30
_MAX_NAME = 200
# `last_used_at` is a hint for people ("is this key still in use?"), not an audit log: writing
# it on every request would make each read a write, which SQLite serialises.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyScope(StrEnum):
    READ = "read"
    READWRITE = "readwrite"

    @property
    def can_write(self) -> bool:
        return self is ApiKeyScope.READWRITE


class ApiKey(HubModel):
    """An API key as lists show it: never the key itself, only its prefix."""

    key_id: str
    name: str
    prefix: str
    scope: ApiKeyScope
    created_at: UtcDatetime
    last_used_at: UtcDatetime | None = None
    revoked_at: UtcDatetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def parse_scope(value: str | ApiKeyScope) -> ApiKeyScope:
    try:
        return ApiKeyScope(str(value).strip().lower())
    except ValueError:
        raise UsageError(f"Unknown scope {value!r}; use read or readwrite") from None


def hash_api_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def create_api_key(
    hub: Hub, *, name: str = DEFAULT_KEY_NAME, scope: str | ApiKeyScope = ApiKeyScope.READWRITE
) -> tuple[str, str]:
    """Make a key; returns `(key_id, plaintext)`. The plaintext is not kept: show it now."""
    name = name.strip()
    if not name:
        raise UsageError("An API key needs a name, e.g. --name warehouse")
    if len(name) > _MAX_NAME:
        raise UsageError(f"An API key's name is at most {_MAX_NAME} characters")
    chosen = parse_scope(scope)
    plaintext = KEY_PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)
    key_id = secrets.token_hex(8)
    with hub.db.session() as session:
        session.add(
            ApiKeyRow(
                key_id=key_id,
                name=name,
                prefix=plaintext[:_PREFIX_LENGTH],
                key_hash=hash_api_key(plaintext),
                scope=chosen.value,
                created_at=hub.clock.now(),
                last_used_at=None,
                revoked_at=None,
            )
        )
    return key_id, plaintext


def verify_api_key(hub: Hub, plaintext: str) -> ApiKey | None:
    """The active key with this plaintext, or None; notes when it was last used."""
    if not plaintext.startswith(KEY_PREFIX):
        return None
    digest = hash_api_key(plaintext)
    with hub.db.read_session() as session:
        row = session.scalars(select(ApiKeyRow).where(ApiKeyRow.key_hash == digest)).one_or_none()
        if row is None or row.revoked_at is not None:
            return None
        key = _api_key(row)
    now = hub.clock.now()
    if key.last_used_at is None or now - key.last_used_at >= _LAST_USED_RESOLUTION:
        with hub.db.session() as session:
            stored = session.get(ApiKeyRow, key.key_id)
            if stored is not None:
                stored.last_used_at = now
        key = key.model_copy(update={"last_used_at": now})
    return key


def list_api_keys(hub: Hub, *, include_revoked: bool = True) -> list[ApiKey]:
    """Keys, oldest first."""
    query = select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.key_id)
    if not include_revoked:
        query = query.where(ApiKeyRow.revoked_at.is_(None))
    with hub.db.read_session() as session:
        return [_api_key(row) for row in session.scalars(query)]


def revoke_api_key(hub: Hub, key_id: str) -> ApiKey:
    """Revoke a key at once; revoking a revoked key changes nothing."""
    with hub.db.session() as session:
        row = session.get(ApiKeyRow, key_id)
        if row is None:
            raise NotFoundError(f"No API key with id {key_id!r} (see `orderhub apikeys list`)")
        if row.revoked_at is None:
            row.revoked_at = hub.clock.now()
        session.flush()
        return _api_key(row)


def _api_key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        key_id=row.key_id,
        name=row.name,
        prefix=row.prefix,
        scope=ApiKeyScope(row.scope),
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )
