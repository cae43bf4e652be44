"""The portal's session: a signed cookie, and the CSRF token kept in it.

The cookie holds a small signed JSON dict (`request.session`): the signed-in user, their
session fingerprint, and the synchronizer CSRF token every form posts back. It is `HttpOnly`
and `SameSite=Lax`, and `Secure` when the request came over https. It is re-signed whenever the
session changes and expires 12 hours after that.

The hub keeps no session rows (any front end on the database serves any request), so a cookie
cannot be deleted server-side; instead it must match the user's fingerprint, which changes with
the password and with each sign-out (a per-user epoch in the database, read with the user on
every request): a copied cookie stops working everywhere once its user signs out.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orderhub.portal.tokens import Signer

__all__ = ["COOKIE_NAME", "SESSION_SECONDS", "SessionMiddleware", "csrf_token", "csrf_token_ok"]

COOKIE_NAME = "orderhub_session"
SESSION_SECONDS = 12 * 3600
CSRF_FIELD = "csrf_token"


class SessionMiddleware:
    """Loads `scope["session"]` from the cookie and writes the cookie back when it changed."""

    def __init__(self, app: ASGIApp, *, signer: Signer, now: Callable[[], float]) -> None:
        self.app = app
        self.signer = signer
        self.now = now

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        loaded = self.signer.loads(
            connection.cookies.get(COOKIE_NAME), now=self.now(), max_age=SESSION_SECONDS
        )
        session: dict[str, Any] = loaded if isinstance(loaded, dict) else {}
        scope["session"] = session
        before = _canonical(session)
        secure = scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                current = scope["session"]
                if _canonical(current) != before:
                    headers = MutableHeaders(scope=message)
                    headers.append("Set-Cookie", self._cookie(current, secure=secure))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _cookie(self, session: dict[str, Any], *, secure: bool) -> str:
        if session:
            value = self.signer.dumps(session, now=self.now())
            parts = [f"{COOKIE_NAME}={value}", "Path=/", f"Max-Age={SESSION_SECONDS}"]
        else:
            parts = [f"{COOKIE_NAME}=", "Path=/", "Max-Age=0"]
        parts += ["HttpOnly", "SameSite=Lax"]
        if secure:
            parts.append("Secure")
        return "; ".join(parts)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def csrf_token_ok(request: Request, posted: object) -> bool:
    expected = request.session.get("csrf")
    return (
        isinstance(expected, str)
        and isinstance(posted, str)
        and bool(expected)
        and secrets.compare_digest(expected, posted)
    )


def _canonical(session: dict[str, Any]) -> str:
    return json.dumps(session, sort_keys=True, default=str)
