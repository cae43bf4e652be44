"""Signed values of the portal: the session cookie, the setup link and demo sign-in links.

Everything is signed with HMAC-SHA256 under a key derived from `ORDERHUB_SECRET_KEY`, one key
per purpose, so a value signed for one use (a session) can never be replayed as another (a
sign-in link). Nothing here is encrypted: the session holds only ids and the CSRF token.

- The setup link is stateless: an HMAC of a fixed label, accepted only while no user exists,
  so creating the first admin spends it (and every copy of it) for good.
- A sign-in link (printed by `orderhub demo`) carries the user, an expiry, and the user's
  last sign-in time; signing in moves that time, so the link works once, in every process.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

__all__ = [
    "SIGN_IN_LINK_SECONDS",
    "SignInClaim",
    "Signer",
    "derive_key",
    "make_sign_in_token",
    "read_sign_in_token",
    "setup_token",
    "setup_token_ok",
]

SIGN_IN_LINK_SECONDS = 15 * 60
_SETUP_LABEL = b"orderhub portal: create the first administrator"


def derive_key(secret_key: str, purpose: str) -> bytes:
    """A 32-byte key for one purpose, derived from the hub's secret key."""
    return hmac.new(
        secret_key.encode("utf-8"), f"orderhub.portal.{purpose}".encode(), "sha256"
    ).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """`dumps`/`loads` of a small JSON value with an HMAC and a time of signing."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def dumps(self, value: Any, *, now: float) -> str:
        body = _b64(json.dumps({"v": value, "t": int(now)}, separators=(",", ":")).encode())
        return f"{body}.{self._sign(body)}"

    def loads(self, token: str | None, *, now: float, max_age: float) -> Any | None:
        """The value, or None if the token is missing, forged, damaged or older than max_age."""
        if not token or token.count(".") != 1:
            return None
        body, signature = token.split(".")
        if not hmac.compare_digest(signature, self._sign(body)):
            return None
        try:
            payload = json.loads(_unb64(body))
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(payload, dict) or not isinstance(payload.get("t"), int):
            return None
        if not 0 <= now - payload["t"] <= max_age:
            return None
        return payload.get("v")

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode("ascii"), hashlib.sha256).digest())


def setup_token(secret_key: str) -> str:
    return _b64(hmac.new(derive_key(secret_key, "setup"), _SETUP_LABEL, "sha256").digest())


def setup_token_ok(secret_key: str, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(str(token), setup_token(secret_key))


class SignInClaim:
    """What a valid sign-in link says: who, and their last sign-in when it was issued."""

    def __init__(self, user_id: str, last_login: str) -> None:
        self.user_id = user_id
        self.last_login = last_login

    def matches(self, last_login_at: datetime | None) -> bool:
        return self.last_login == _login_mark(last_login_at)


def make_sign_in_token(
    secret_key: str, user_id: str, last_login_at: datetime | None, *, now: float
) -> str:
    signer = Signer(derive_key(secret_key, "sign-in-link"))
    return signer.dumps({"u": user_id, "l": _login_mark(last_login_at)}, now=now)


def read_sign_in_token(secret_key: str, token: str | None, *, now: float) -> SignInClaim | None:
    signer = Signer(derive_key(secret_key, "sign-in-link"))
    value = signer.loads(token, now=now, max_age=SIGN_IN_LINK_SECONDS)
    if not isinstance(value, dict):
        return None
    user_id, last_login = value.get("u"), value.get("l")
    if not isinstance(user_id, str) or not isinstance(last_login, str):
        return None
    return SignInClaim(user_id, last_login)


def _login_mark(value: datetime | None) -> str:
    return value.isoformat() if value is not None else "never"
