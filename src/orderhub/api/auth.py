"""Who may call: `Authorization: Bearer <key>` (or Pipe17's `X-Pipe17-Key: <key>`).

No key or an unknown/revoked one is 401; a `read` key on a write is 403. Only the OpenAPI
document and the interactive docs are public. Both header styles are declared in the OpenAPI
document as alternative security schemes.

The key is checked by `orderhub.api.gate` before the request body is read (FastAPI reads a
body before it solves dependencies); the dependencies here take the key the gate found, and
decide the scope.
"""

# No `from __future__ import annotations` here: FastAPI reads `Depends(authenticate)`, a
# local of `auth_dependencies`, from the annotations at runtime.

from collections.abc import Callable, Mapping
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from orderhub.api.errors import ApiError
from orderhub.hub import Hub
from orderhub.services.apikeys import ApiKey, verify_api_key

__all__ = [
    "STATE_KEY",
    "AuthDependencies",
    "auth_dependencies",
    "authenticate_headers",
    "authenticate_key",
    "presented_key",
]

STATE_KEY = "api_key"
"""Where the gate leaves the caller's `ApiKey` in the request state."""

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearerAuth",
    description="An OrderHub API key (`orderhub apikeys create`) as `Authorization: Bearer <key>`.",
)
_pipe17_header = APIKeyHeader(
    name="X-Pipe17-Key",
    auto_error=False,
    scheme_name="pipe17Key",
    description="The same API key in Pipe17's header, for clients written against Pipe17.",
)
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="orderhub"'}


class AuthDependencies:
    """FastAPI dependencies for reads (any valid key) and writes (a `readwrite` key)."""

    def __init__(self, read: Callable[..., ApiKey], write: Callable[..., ApiKey]) -> None:
        self.read = read
        self.write = write


def presented_key(headers: Mapping[str, str]) -> str:
    """The key these request headers present; `ApiError` 401 when there is none."""
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        plaintext = credentials.strip()
    else:  # as FastAPI's HTTPBearer: another scheme counts as no bearer token
        plaintext = headers.get("x-pipe17-key", "").strip()
    if not plaintext:
        raise ApiError(
            401,
            "Missing API key: send `Authorization: Bearer <key>` "
            "(create one with `orderhub apikeys create`)",
            _CHALLENGE,
        )
    return plaintext


def authenticate_key(hub: Hub, plaintext: str) -> ApiKey:
    """The active key with this plaintext; `ApiError` 401 when there is none."""
    key = verify_api_key(hub, plaintext)
    if key is None:
        raise ApiError(401, "Invalid or revoked API key", _CHALLENGE)
    return key


def authenticate_headers(hub: Hub, headers: Mapping[str, str]) -> ApiKey:
    """The active key these request headers present; `ApiError` 401 when there is none."""
    return authenticate_key(hub, presented_key(headers))


def auth_dependencies(hub: Hub) -> AuthDependencies:
    def authenticate(
        request: Request,
        # Declared for the OpenAPI document's security schemes; the gate read the headers.
        _bearer_token: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
        _pipe17_key: Annotated[str | None, Security(_pipe17_header)],
    ) -> ApiKey:
        key = getattr(request.state, STATE_KEY, None)
        if isinstance(key, ApiKey):
            return key
        return authenticate_headers(hub, request.headers)  # served without the gate

    def require_write(key: Annotated[ApiKey, Depends(authenticate)]) -> ApiKey:
        if not key.scope.can_write:
            raise ApiError(403, f"API key {key.prefix}… is read-only; this needs a readwrite key")
        return key

    return AuthDependencies(read=authenticate, write=require_write)
