"""The portal's Starlette app: sessions, the route guards, and the pages of every section."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from orderhub.body_limit import BodyLimitMiddleware
from orderhub.engine import EmbeddedScheduler
from orderhub.hub import Hub
from orderhub.portal.context import PortalContext
from orderhub.portal.jobs import JobBoard
from orderhub.portal.ratelimit import SignInLimiter
from orderhub.portal.sessions import SessionMiddleware
from orderhub.portal.tokens import Signer, derive_key
from orderhub.portal.views_alerts import alert_routes
from orderhub.portal.views_apikeys import apikey_routes
from orderhub.portal.views_auth import auth_routes
from orderhub.portal.views_dashboard import dashboard_routes
from orderhub.portal.views_integrations import integration_routes
from orderhub.portal.views_ops import ops_routes
from orderhub.portal.views_records import record_routes
from orderhub.portal.views_settings import settings_routes
from orderhub.portal.views_verify import verify_routes
from orderhub.services.sync import Waker

__all__ = ["create_portal_app"]

_STATIC = Path(__file__).resolve().parent / "static"


def create_portal_app(
    hub: Hub,
    *,
    scheduler: EmbeddedScheduler | None = None,
    limiter: SignInLimiter | None = None,
    waker: Waker | None = None,
) -> Starlette:
    """The portal for `hub`; long work goes to `scheduler` when given, else to threads."""
    ctx = PortalContext(
        hub=hub,
        jobs=JobBoard(hub, scheduler=scheduler, waker=waker),
        limiter=limiter or SignInLimiter(hub.db, now=hub.clock.now),
    )
    routes = [
        *dashboard_routes(ctx),
        *ops_routes(ctx),
        *alert_routes(ctx),
        *auth_routes(ctx),
        *integration_routes(ctx),
        *settings_routes(ctx),
        *verify_routes(ctx),
        *record_routes(ctx),
        *apikey_routes(ctx),
        Mount("/static", app=StaticFiles(directory=_STATIC), name="static"),
    ]
    signer = Signer(derive_key(hub.settings.secret_key, "session"))
    middleware = [
        # Every form is a few KiB; there is no upload in the portal (CSV imports go through
        # the CLI), so one cap serves: a bigger one for an upload route would go here.
        Middleware(BodyLimitMiddleware, max_bytes=hub.settings.max_body_bytes, respond=_too_large),
        Middleware(SessionMiddleware, signer=signer, now=lambda: hub.clock.now().timestamp()),
    ]

    async def not_found(request: Request, _problem: Exception) -> Response:
        request.state.user = ctx.current_user(request)
        return ctx.not_found(request, "This page")

    app = Starlette(routes=routes, middleware=middleware, exception_handlers={404: not_found})
    app.state.portal = ctx
    return app


def _too_large(message: str) -> Response:
    # Plain text, as Starlette answers the same 413 raised while a form is being read.
    return PlainTextResponse(message, status_code=413)
