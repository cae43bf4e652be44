"""What every portal page shares: the hub, templates, guards (sign-in, CSRF), flash messages.

Every route goes through `PortalContext.route`: a page needs a signed-in user unless it is
declared public, and every POST must carry the session's CSRF token in its form (`csrf_token`)
or is refused with 403 before the handler runs. Handlers read the checked form from
`request.state.form`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from orderhub.connectors.base import PERMISSIONS_STEP
from orderhub.domain import FlowName, Integration, IntegrationStatus
from orderhub.hub import Hub
from orderhub.portal.jobs import JobBoard
from orderhub.portal.ratelimit import SignInLimiter
from orderhub.portal.sessions import CSRF_FIELD, csrf_token, csrf_token_ok
from orderhub.services.users import User, get_user
from orderhub.store.integrations import get_integration

__all__ = ["Handler", "PortalContext", "form_of", "status_label"]

Handler = Callable[[Request], Awaitable[Response]]

_STATUS_LABELS = {
    IntegrationStatus.CONNECTED: "Connected",
    IntegrationStatus.ERROR: "Error",
    IntegrationStatus.NOT_CONFIGURED: "Not configured",
    IntegrationStatus.DISABLED: "Disabled",
}


# No framing by other sites (clickjacking), no MIME sniffing, no full URLs in Referer headers.
_PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def status_label(integration: Integration) -> str:
    return _STATUS_LABELS[integration.status]


def _when(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def _stamp(value: Any) -> str:
    """An ISO time string from a record (`2026-09-23T08:05:00.000Z`) shown like `when`."""
    if isinstance(value, datetime):
        return _when(value.astimezone(UTC))
    if not value:
        return "—"
    try:
        return _when(datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC))
    except ValueError:
        return str(value)


def _money(value: Any) -> str:
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(str(value)):,.2f}"
    except ArithmeticError:
        return str(value)


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


_QUERY = re.compile(r"(\bhttps?://[^\s?#;,)\"']+)\?[^\s;,)\"']*")


def brief(value: object) -> str:
    """An error as a merchant reads it: a URL's query string dropped (`orders?expand=…&…`
    is the connector's business; the page title keeps the full text), `None` as nothing."""
    return "" if value is None else _QUERY.sub(r"\1", str(value))


def _order_status(value: object) -> str:
    """An order status in words ("Ready for fulfillment"); anything else as it is."""
    from orderhub.domain import OrderStatus

    try:
        return OrderStatus(str(value)).words
    except ValueError:
        return "" if value is None else str(value)


def _flow_label(flow: FlowName | str) -> str:
    return FlowName(flow).label


def _duration(start: datetime | None, end: datetime | None) -> str:
    if start is None or end is None:
        return "—"
    seconds = (end - start).total_seconds()
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def form_of(request: Request) -> FormData:
    """The POSTed form, already checked for its CSRF token by the route guard."""
    form: FormData = request.state.form
    return form


@dataclass
class PortalContext:
    hub: Hub
    jobs: JobBoard
    limiter: SignInLimiter

    def __post_init__(self) -> None:
        self._kinds: dict[str, str] = {}
        """Integration id -> its connector's kind, as `store_name` found it."""
        env = Environment(
            loader=PackageLoader("orderhub.portal", "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters.update(
            when=_when,
            stamp=_stamp,
            money=_money,
            pretty=_pretty,
            flow_label=_flow_label,
            order_status=_order_status,
            brief=brief,
            quote=quote,
        )
        env.globals.update(
            duration=_duration,
            status_label=status_label,
            FlowName=FlowName,
            store_name=self.store_name,
            PERMISSIONS_STEP=PERMISSIONS_STEP,
        )
        self.env = env

    def store_name(self, integration: Integration | str | None = None) -> str:
        """The store platform as its connector names it, for page text: that of
        `integration` (the integration or its id), or of every connector the hub knows."""
        kind = integration.connector if isinstance(integration, Integration) else None
        if isinstance(integration, str):
            kind = self._kinds.get(integration)
            if kind is None:
                with self.hub.db.read_session() as session:
                    found = get_integration(session, integration)
                if found is not None:
                    # An integration's connector never changes: a list page asks once per store.
                    kind = self._kinds[integration] = found.connector
        if kind is not None and kind in self.hub.connectors.kinds():
            return self.hub.connectors.get(kind).display_name
        return " or ".join(connector.display_name for connector in self.hub.connectors)

    # -- guards ----------------------------------------------------------------------------

    def route(
        self,
        path: str,
        handler: Handler,
        *,
        methods: tuple[str, ...] = ("GET",),
        public: bool = False,
    ) -> Route:
        async def guarded(request: Request) -> Response:
            user = self.current_user(request)
            request.state.user = user
            if request.method == "POST":
                form = await request.form()
                if not csrf_token_ok(request, form.get(CSRF_FIELD)):
                    return self.render(
                        request,
                        "error.html",
                        {
                            "title": "Form expired",
                            "message": "This form was not accepted (its security token is "
                            "missing or out of date). Go back, reload the page and try again.",
                        },
                        status=403,
                    )
                request.state.form = form
            if not public and user is None:
                if request.method != "GET":
                    return self.render(
                        request,
                        "error.html",
                        {"title": "Signed out", "message": "Sign in again to do this."},
                        status=403,
                    )
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/signin?next={quote(target)}", status_code=303)
            return await handler(request)

        return Route(path, guarded, methods=list(methods))

    def current_user(self, request: Request) -> User | None:
        user_id = request.session.get("uid")
        if not isinstance(user_id, str):
            return None
        user = get_user(self.hub, user_id)
        if user is None or user.fingerprint != request.session.get("pv"):
            request.session.pop("uid", None)
            request.session.pop("pv", None)
            return None
        return user

    def sign_in(self, request: Request, user: User) -> None:
        """Start a fresh session for `user` (new CSRF token: no fixation of the old one)."""
        request.session.clear()
        request.session["uid"] = user.user_id
        request.session["pv"] = user.fingerprint
        csrf_token(request)

    # -- responses -------------------------------------------------------------------------

    def render(
        self,
        request: Request,
        template: str,
        context: Mapping[str, Any] | None = None,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        flashes = request.session.pop("flash", []) if "session" in request.scope else []
        values = {
            "request": request,
            "user": getattr(request.state, "user", None),
            "csrf_token": csrf_token(request),
            "flashes": flashes,
            "path": request.url.path,
            **(context or {}),
        }
        html = self.env.get_template(template).render(values)
        return HTMLResponse(html, status_code=status, headers={**_PAGE_HEADERS, **(headers or {})})

    @staticmethod
    def flash(request: Request, message: str, kind: str = "ok") -> None:
        flashes = list(request.session.get("flash", []))
        flashes.append([kind, message])
        request.session["flash"] = flashes[-5:]

    @staticmethod
    def redirect(url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)

    def not_found(self, request: Request, what: str) -> HTMLResponse:
        return self.render(
            request,
            "error.html",
            {"title": "Not found", "message": f"{what} was not found."},
            status=404,
        )
