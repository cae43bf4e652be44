"""The hub's web application: the REST API under /api/v3, the stores' webhook deliveries
under /hooks, the probes and metrics (/healthz, /readyz, /metrics), and the portal everywhere
else.

Built per process from a `Hub` (no import-time app), served by `orderhub serve` and `orderhub
demo`. The API app and the receiver route full paths (`/api/v3/...`, `/hooks/{connector}/...`), so
requests are dispatched by prefix rather than mounted (a mount would strip the prefix).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from orderhub.api import create_app as create_api_app
from orderhub.engine import EmbeddedScheduler
from orderhub.hooks import Debounce, HookReceiver, SchedulerWake, Waker
from orderhub.hub import Hub
from orderhub.load_shedding import LoadShedding
from orderhub.monitor.app import MONITOR_PATHS, create_monitor_app, enable_metrics
from orderhub.portal import create_portal_app
from orderhub.proxies import ForwardedHeadersMiddleware

__all__ = ["API_PREFIX", "HOOKS_PREFIX", "WebApp", "create_web_app"]

API_PREFIX = "/api/v3"
HOOKS_PREFIX = "/hooks"


class WebApp:
    """Sends `/api/v3` to the API, `/hooks` to the webhook receiver, the probes and metrics to
    the monitor, the rest to the portal."""

    def __init__(
        self,
        api: ASGIApp,
        portal: ASGIApp,
        hooks: ASGIApp | None = None,
        monitor: ASGIApp | None = None,
    ) -> None:
        self.api = api
        self.portal = portal
        self.hooks = hooks
        self.monitor = monitor

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] in ("http", "websocket"):
            if _under(path, API_PREFIX):
                await self.api(scope, receive, send)
                return
            if self.hooks is not None and _under(path, HOOKS_PREFIX):
                await self.hooks(scope, receive, send)
                return
            if self.monitor is not None and path in MONITOR_PATHS:
                await self.monitor(scope, receive, send)
                return
        await self.portal(scope, receive, send)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def create_web_app(
    hub: Hub,
    *,
    scheduler: EmbeddedScheduler | None = None,
    waker: Waker | None = None,
    debounce: Debounce | None = None,
) -> ASGIApp:
    """The API, the portal and the webhook receiver over one hub.

    Long work goes to `scheduler` if given, and a webhook delivery wakes it (`waker`, when
    given, is told instead: `QueueWake` for a front end beside distributed workers).
    In front of all, past `max_in_flight` requests at once the next is answered 503
    (`orderhub.load_shedding`); then the client's address and scheme come from forwarding
    headers only when a trusted proxy sent them (`orderhub.proxies`): the sign-in throttle
    counts per address.
    """
    enable_metrics(hub)  # first: the API's and the portal's runners count into it
    if waker is None and scheduler is not None:
        waker = SchedulerWake(scheduler)
    hooks = HookReceiver(hub, waker=waker, debounce=debounce)
    app = WebApp(
        create_api_app(hub, scheduler=scheduler, waker=None if scheduler else waker),
        create_portal_app(hub, scheduler=scheduler, waker=None if scheduler else waker),
        hooks,
        create_monitor_app(hub),
    )
    trusted = ForwardedHeadersMiddleware(app, proxies=hub.settings.trusted_proxies)
    return LoadShedding(trusted, limit=hub.settings.max_in_flight)
