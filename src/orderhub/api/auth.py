"""Who may call: `Authorization: Bearer <key>` (or Pipe17's `X-Pipe17-Key: <key>`).

No key or an unknown/revoked one is 401; a `read` key on a write is 403. Only the OpenAPI
document and the interactive docs are public. Both header styles are declared in the OpenAPI
document as alternative security schemes.
"""

# No `from __future__ import annotations` here: FastAPI reads `Depends(authenticate)`, a
# local of `auth_dependencies`, from the annotations at runtime.

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from orderhub.api.errors import ApiError
from orderhub.hub import Hub
from orderhub.services.apikeys import ApiKey, verify_api_key

__all__ = ["AuthDependencies", "auth_dependencies"]

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


def auth_dependencies(hub: Hub) -> AuthDependencies:
    def authenticate(
        bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
        header_key: Annotated[str | None, Security(_pipe17_header)],
    ) -> ApiKey:
        plaintext = bearer.credentials.strip() if bearer is not None else (header_key or "")
        plaintext = plaintext.strip()
        if not plaintext:
            raise ApiError(
                401,
                "Missing API key: send `Authorization: Bearer <key>` "
                "(create one with `orderhub apikeys create`)",
                _CHALLENGE,
            )
        key = verify_api_key(hub, plaintext)
        if key is None:
            raise ApiError(401, "Invalid or revoked API key", _CHALLENGE)
        return key

    def require_write(key: Annotated[ApiKey, Depends(authenticate)]) -> ApiKey:
        if not key.scope.can_write:
            raise ApiError(403, f"API key {key.prefix}… is read-only; this needs a readwrite key")
        return key

    return AuthDependencies(read=authenticate, write=require_write)
