"""The REST API under /api/v3, shaped after Pipe17's conventions (a FastAPI app).

Every path is served with its full `/api/v3` prefix, so the app can be served alone or be the
fallback of the portal's app; the OpenAPI document is at `/api/v3/openapi.json` and the
interactive docs at `/api/v3/docs`, both public. Everything else needs an API key.

`scheduler`: when the process runs an `EmbeddedScheduler`, pass it (or set
`attach_scheduler(app, scheduler)` later) so "sync" makes flows due on it instead of starting
threads of its own.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.responses import JSONResponse

from orderhub.api.alerts import alerts_router
from orderhub.api.auth import auth_dependencies
from orderhub.api.envelopes import error
from orderhub.api.errors import install_error_handlers
from orderhub.api.gate import ApiKeyGate
from orderhub.api.integrations import integrations_router
from orderhub.api.operations import operations_router
from orderhub.api.records import records_router
from orderhub.api.shipping_methods import shipping_methods_router
from orderhub.api.state import ApiState, ServiceResolver, hub_service
from orderhub.api.verifications import verifications_router
from orderhub.api.writes import writes_router
from orderhub.body_limit import BodyLimitMiddleware
from orderhub.engine import EmbeddedScheduler
from orderhub.hub import Hub
from orderhub.services.sync import Waker

__all__ = ["API_PREFIX", "api_state", "attach_scheduler", "create_app"]

API_PREFIX = "/api/v3"
_PUBLIC = frozenset({API_PREFIX, f"{API_PREFIX}/openapi.json", f"{API_PREFIX}/docs"})

_DESCRIPTION = """\
OrderHub's REST API, following Pipe17's v3 conventions: camelCase JSON, envelopes
`{success, code, <entity>}` and `{success, code, pagination, <entities>}`, `count`/`skip`
paging (`pagination.last` is true on the final page), `updatedSince`/`updatedUntil`, `status`
and `integration` filters, and lookups by external id (`/orders/ext:#1001`). Errors are
`{success: false, code, message}`.

Send an API key (`orderhub apikeys create`) as `Authorization: Bearer <key>` or in
`X-Pipe17-Key`. A `read` key can call every GET; writes need a `readwrite` key. The key is
checked before the body is read; a body over the hub's cap (1 MiB by default) is 413.
"""


def create_app(
    hub: Hub,
    *,
    scheduler: EmbeddedScheduler | None = None,
    waker: Waker | None = None,
    resolve_service: ServiceResolver = hub_service,
) -> FastAPI:
    """Build the API for `hub`; `resolve_service` finds the write services (tests inject it).

    "Sync now" goes to `scheduler`, else to `waker` (the workers' queue), else to a thread."""
    state = ApiState(
        hub=hub,
        runner=hub.runner(),
        scheduler=scheduler,
        waker=waker,
        resolve_service=resolve_service,
    )
    app = FastAPI(
        title="OrderHub API",
        version="3",
        description=_DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.orderhub = state
    install_error_handlers(app)
    # The last added runs first: the key is checked (from the headers alone), then the body
    # is capped as it is read, and only then does FastAPI read it.
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=hub.settings.max_body_bytes, respond=_too_large
    )
    app.add_middleware(ApiKeyGate, hub=hub, public=_PUBLIC)
    auth = auth_dependencies(hub)
    app.include_router(records_router(state, auth.read), prefix=API_PREFIX)
    app.include_router(writes_router(state, auth.write), prefix=API_PREFIX)
    app.include_router(integrations_router(state, auth.read, auth.write), prefix=API_PREFIX)
    app.include_router(shipping_methods_router(state, auth.read, auth.write), prefix=API_PREFIX)
    app.include_router(operations_router(state, auth.read, auth.write), prefix=API_PREFIX)
    app.include_router(alerts_router(state, auth.read), prefix=API_PREFIX)
    app.include_router(verifications_router(state, auth.read, auth.write), prefix=API_PREFIX)

    @app.get(API_PREFIX, include_in_schema=False)
    def index() -> JSONResponse:
        return JSONResponse(
            {
                "success": True,
                "code": 200,
                "message": "OrderHub API v3",
                "openapi": f"{API_PREFIX}/openapi.json",
            }
        )

    return app


def _too_large(message: str) -> JSONResponse:
    return error(413, message)


def api_state(app: FastAPI) -> ApiState:
    state: ApiState = app.state.orderhub
    return state


def attach_scheduler(app: FastAPI, scheduler: EmbeddedScheduler | None) -> None:
    """Let "sync" trigger flows on this scheduler (None: run them on threads again)."""
    api_state(app).scheduler = scheduler
