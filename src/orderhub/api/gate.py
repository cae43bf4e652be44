"""The API key is checked before anything reads the request body.

FastAPI reads and parses a body before it solves an endpoint's dependencies, so with the key
checked in a dependency a client without a key could still make the hub read and hold a body
of any size before hearing 401. This gate, in front of the app (and of the body cap), answers
401 from the headers alone; a request with a valid key goes on with the key in its state,
where the auth dependencies take it (`orderhub.api.auth`). The OpenAPI document, the docs and
the index stay public.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from orderhub.api.auth import STATE_KEY, authenticate_key, presented_key
from orderhub.api.envelopes import error
from orderhub.api.errors import ApiError
from orderhub.hub import Hub
from orderhub.services.apikeys import cached_api_key

__all__ = ["ApiKeyGate"]


class ApiKeyGate:
    """401 before the body for every API path but the `public` ones."""

    def __init__(self, app: ASGIApp, *, hub: Hub, public: frozenset[str]) -> None:
        self.app = app
        self.hub = hub
        self.public = public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.public:
            await self.app(scope, receive, send)
            return
        try:
            plaintext = presented_key(Headers(scope=scope))
            # A key verified in the last second is known without the database; otherwise a
            # database read (and now and then a write) runs off the event loop.
            key = cached_api_key(self.hub, plaintext) or await run_in_threadpool(
                authenticate_key, self.hub, plaintext
            )
        except ApiError as refused:
            await error(refused.status, refused.message, refused.headers)(scope, receive, send)
            return
        scope.setdefault("state", {})[STATE_KEY] = key
        await self.app(scope, receive, send)
