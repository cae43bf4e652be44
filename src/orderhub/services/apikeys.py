"""REST API keys: made once, shown once, kept only as a SHA-256 hash.

A key is `ohk_` followed by 40 random URL-safe characters (240 bits). The hub stores its
SHA-256 hash (enough for a secret of that entropy: no salt or slow hash is needed, and a
lookup by hash is one indexed query) and its first twelve characters, the *prefix*, so a
person can tell their keys apart in a list without the hub holding anything usable.

A key's scope is `read` (every GET) or `readwrite` (also the writes that feed the push flows
and the control of integrations). Revoking a key is final. It takes effect at once in the
process that revokes it; another process (a second `orderhub serve` worker, a server while
the CLI revokes) may accept the key for up to a second more, because each process keeps the
keys it verified for a second (`orderhub.verified_keys`): a busy API then checks a key
without reading the database on every call.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from enum import StrEnum

from orderhub.domain import HubModel, UtcDatetime
from orderhub.errors import NotFoundError, UsageError
from orderhub.hub import Hub
from orderhub.store import api_keys as key_store

__all__ = [
    "DEFAULT_KEY_NAME",
    "KEY_PREFIX",
    "ApiKey",
    "ApiKeyScope",
    "cached_api_key",
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
        key_store.add_api_key(
            session,
            key_id=key_id,
            name=name,
            prefix=plaintext[:_PREFIX_LENGTH],
            key_hash=hash_api_key(plaintext),
            scope=chosen.value,
            now=hub.clock.now(),
        )
    return key_id, plaintext


def cached_api_key(hub: Hub, plaintext: str) -> ApiKey | None:
    """The key, if this process verified it within the last second and its last use is
    still recent enough not to need noting; None means "ask `verify_api_key`", not "invalid".

    No database access: the API checks this on its event loop before going to a thread.
    """
    if not plaintext.startswith(KEY_PREFIX):
        return None
    key: ApiKey | None = hub.verified_keys.get(hash_api_key(plaintext))
    if key is None or key.last_used_at is None:
        return None
    if hub.clock.now() - key.last_used_at >= _LAST_USED_RESOLUTION:
        return None
    return key


def verify_api_key(hub: Hub, plaintext: str) -> ApiKey | None:
    """The active key with this plaintext, or None; notes when it was last used."""
    cached = cached_api_key(hub, plaintext)
    if cached is not None:
        return cached
    if not plaintext.startswith(KEY_PREFIX):
        return None
    digest = hash_api_key(plaintext)
    with hub.db.read_session() as session:
        stored = key_store.api_key_by_hash(session, digest)
    if stored is None or stored.revoked_at is not None:
        return None
    key = _api_key(stored)
    now = hub.clock.now()
    if key.last_used_at is None or now - key.last_used_at >= _LAST_USED_RESOLUTION:
        with hub.db.session() as session:
            key_store.note_api_key_use(session, key.key_id, now)
        key = key.model_copy(update={"last_used_at": now})
    hub.verified_keys.put(digest, key)
    return key


def list_api_keys(hub: Hub, *, include_revoked: bool = True) -> list[ApiKey]:
    """Keys, oldest first."""
    with hub.db.read_session() as session:
        stored = key_store.api_keys(session, include_revoked=include_revoked)
    return [_api_key(key) for key in stored]


def revoke_api_key(hub: Hub, key_id: str) -> ApiKey:
    """Revoke a key at once; revoking a revoked key changes nothing."""
    with hub.db.session() as session:
        stored = key_store.revoke_api_key(session, key_id, hub.clock.now())
    if stored is None:
        raise NotFoundError(f"No API key with id {key_id!r} (see `orderhub apikeys list`)")
    # This process forgets every verified key now (other processes within a second).
    hub.verified_keys.forget_all()
    return _api_key(stored)


def _api_key(stored: key_store.StoredApiKey) -> ApiKey:
    return ApiKey(
        key_id=stored.key_id,
        name=stored.name,
        prefix=stored.prefix,
        scope=ApiKeyScope(stored.scope),
        created_at=stored.created_at,
        last_used_at=stored.last_used_at,
        revoked_at=stored.revoked_at,
    )
