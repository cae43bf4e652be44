"""The hub's web application: the REST API under /api/v3 and the portal everywhere else.

Built per process from a `Hub` (no import-time app), served by `orderhub serve` and `orderhub
demo`. The API app routes full paths (`/api/v3/...`), so requests are dispatched by prefix
rather than mounted (a mount would strip the prefix).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from orderhub.api import create_app as create_api_app
from orderhub.engine import EmbeddedScheduler
from orderhub.hub import Hub
from orderhub.portal import create_portal_app
from orderhub.proxies import ForwardedHeadersMiddleware

__all__ = ["API_PREFIX", "WebApp", "create_web_app"]

API_PREFIX = "/api/v3"


class WebApp:
    """Sends `/api/v3` and everything under it to the API, the rest to the portal."""

    def __init__(self, api: ASGIApp, portal: ASGIApp) -> None:
        self.api = api
        self.portal = portal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] in ("http", "websocket") and (
            path == API_PREFIX or path.startswith(API_PREFIX + "/")
        ):
            await self.api(scope, receive, send)
            return
        await self.portal(scope, receive, send)


def create_web_app(hub: Hub, *, scheduler: EmbeddedScheduler | None = None) -> ASGIApp:
    """The API and the portal over one hub; their long work goes to `scheduler` if given.

    In front of both, the client's address and scheme come from forwarding headers only when
    a trusted proxy sent them (`orderhub.proxies`): the sign-in throttle counts per address.
    """
    app = WebApp(
        create_api_app(hub, scheduler=scheduler), create_portal_app(hub, scheduler=scheduler)
    )
    return ForwardedHeadersMiddleware(app, proxies=hub.settings.trusted_proxies)
