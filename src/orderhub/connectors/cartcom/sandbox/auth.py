"""Tokens and scopes: `X-AC-Auth-Token`, 401 for no/unknown token, 403 for a missing scope.

The docs list no 403, but a distinct status lets a client tell "wrong token" (401: re-enter
the key) from "missing permission" (403: add a scope to the token), and the latest upstream
commit is about a 403; see docs/sandbox.md. The other plausible answer, 401 for a missing
scope too, is the store's `missing_scope_status` switch (`answers.py`).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable

from .errors import ApiError
from .resources import ACCESS

__all__ = ["ALL_SCOPES", "UNAUTHORIZED_SCOPE", "Tokens", "scope_error"]

ALL_SCOPES = (
    "read_people",
    "people",
    "read_orders",
    "orders",
    "read_catalog",
    "catalog",
    "read_content",
    "content",
    "read_marketing",
    "marketing",
    "email",
    "custom_fields",
    "import",
    "settings",
    "system",
    "decrypt",
    "no_expiry",
)


class Tokens:
    """The store's API tokens and their fixed scopes."""

    def __init__(self, full_token: str | None = None) -> None:
        self._lock = threading.Lock()
        self._scopes: dict[str, frozenset[str]] = {}
        self.full_token = full_token or secrets.token_hex(16)
        self._scopes[self.full_token] = frozenset(ALL_SCOPES)

    def mint(self, scopes: Iterable[str]) -> str:
        chosen = frozenset(scopes)
        unknown = chosen - set(ALL_SCOPES)
        if unknown:
            raise ValueError(f"unknown scopes: {sorted(unknown)}")
        token = secrets.token_hex(16)
        with self._lock:
            self._scopes[token] = chosen
        return token

    def scopes(self, token: str | None) -> frozenset[str]:
        """The token's scopes; raises 401 when the token is missing or unknown."""
        if not token:
            raise ApiError(401, "No X-AC-Auth-Token header was sent")
        with self._lock:
            found = self._scopes.get(token)
        if found is None:
            raise ApiError(401, "The X-AC-Auth-Token is invalid or has been revoked")
        return found


UNAUTHORIZED_SCOPE = "The X-AC-Auth-Token is not authorized for this request"
"""The details of a missing scope answered as 401: the harsher reading names no scope, so a
client cannot tell it from a wrong token by the status alone."""


def scope_error(
    resource: str, scopes: frozenset[str], write: bool, status: int = 403
) -> ApiError | None:
    """An error when `scopes` cannot read (or write) `resource`, else None.

    `status` is the store's `missing_scope_status` answer: 403 names the scope needed; 401
    (the docs' only auth status) says no more than a refused token would.
    """
    denied = _scope_error(resource, scopes, write)
    if denied is None or status == 403:
        return denied
    return ApiError(401, UNAUTHORIZED_SCOPE)


def _scope_error(resource: str, scopes: frozenset[str], write: bool) -> ApiError | None:
    access = ACCESS.get(resource)
    if access is None:
        return None
    if access.all_of:
        if set(access.all_of) <= scopes:
            return None
        names = " and ".join(f"'{s}'" for s in access.all_of)
        return ApiError(403, f"This token does not have the {names} scopes required for {resource}")
    needed = access.write if write else access.read
    if scopes & set(needed):
        return None
    names = " or ".join(f"'{s}'" for s in needed)
    action = "to change" if write else "for"
    return ApiError(403, f"This token does not have the {names} scope required {action} {resource}")
