"""The webhook receiver: `POST /hooks/{connector}/{integration_id}/{secret}[?event=E]`.

The connector (its kind in the path) reads the delivery (`WebhookSupport.read_delivery`).

It answers fast and never pulls: a delivery is stored in the inbox and its pull flow is made
due in one transaction (`store.webhooks.record_delivery` + `store.flows.mark_due`), then 200;
the run reads the store by its cursor as always (DESIGN.md, "How a change travels"). Every
refusal stores nothing:

- 404: no such path, an unknown integration, one of another connector, or a wrong secret
  (checked from the path alone,
  against the secret's hash in constant time, before a byte of the body is read: a stranger
  cannot make the hub read anything);
- 405: a method other than POST on a genuine URL;
- 413: a body over `MAX_BODY_BYTES` (declared or counted while reading, `orderhub.body_limit`);
- 400: a body that is not JSON, or an event the hub does not know.

A burst is coalesced: the flow is made due a moment after the delivery (`Debounce`: half a
second after a quiet spell, longer while deliveries keep coming), and a later delivery never
moves that time (`mark_due` only moves a flow earlier), so the deliveries of one change
(NewOrder, NewValidOrder, OrderPlaced…) are one run, and a burst of a thousand a few. After
the commit, `waker` is told which flows moved and when they are due, so the process that runs
flows looks then instead of at its next tick (`orderhub.hooks.wakers`).
"""

from __future__ import annotations

import logging
import re
import threading
from datetime import timedelta

import orjson
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from orderhub.body_limit import BodyLimitMiddleware
from orderhub.connectors.registry import UnknownConnector
from orderhub.connectors.webhooks import HOOKS_ROOT, Announcement, UnknownEvent, WebhookSupport
from orderhub.domain import FlowName
from orderhub.hooks.debounce import Debounce
from orderhub.hub import Hub
from orderhub.services.sync import Waker
from orderhub.store import integrations as integration_store
from orderhub.store import webhooks as webhook_store
from orderhub.store.flows import mark_due

__all__ = ["MAX_BODY_BYTES", "HookReceiver", "Waker"]

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
"""An order with a few hundred lines is tens of KiB; four times that is room enough."""
PRUNE_EVERY = 1000
"""Deliveries between two prunings of the inbox (a bounded batch each time)."""


_PATH = re.compile(
    re.escape(HOOKS_ROOT) + r"/([0-9a-z_]{1,32})/([0-9A-Za-z]{1,32})/([0-9A-Za-z_-]{1,128})/?"
)
_STATE_KEY = "orderhub.hook_integration"
_HOOKS_KEY = "orderhub.hook_connector"


class HookReceiver:
    """The ASGI app behind `/hooks/…` (`orderhub.web` routes that prefix to it)."""

    def __init__(
        self,
        hub: Hub,
        *,
        waker: Waker | None = None,
        debounce: Debounce | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.hub = hub
        self.waker = waker
        self.debounce = debounce or Debounce()
        self._with_body = BodyLimitMiddleware(
            self._deliver, max_bytes=max_body_bytes, respond=lambda m: _answer(413, m)
        )
        self._accepted = 0
        self._connector_of: dict[str, str] = {}
        self._count_lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        match = _PATH.fullmatch(str(scope.get("path", "")))
        hooks = self._hooks_of(match.group(1)) if match is not None else None
        known = (
            match is not None
            and hooks is not None
            and await run_in_threadpool(
                self._genuine, match.group(1), match.group(2), match.group(3)
            )
        )
        if match is None or hooks is None or not known:
            await _answer(404, "Not found")(scope, receive, send)
            return
        if scope.get("method") != "POST":
            await _answer(405, "Deliveries are POSTed", {"Allow": "POST"})(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state[_STATE_KEY], state[_HOOKS_KEY] = match.group(2), hooks
        await self._with_body(scope, receive, send)

    async def _deliver(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        integration_id: str = scope["state"][_STATE_KEY]
        hooks: WebhookSupport = scope["state"][_HOOKS_KEY]
        body = await request.body()  # BodyLimitMiddleware answers 413 past the cap
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            await _answer(400, "The body is not JSON")(scope, receive, send)
            return
        try:
            announcement = hooks.read_delivery(request.query_params.get(hooks.event_param), payload)
        except UnknownEvent as problem:
            await _answer(400, str(problem))(scope, receive, send)
            return
        stored = await run_in_threadpool(self._store, integration_id, announcement, len(body))
        if stored is None:
            await _answer(404, "Not found")(scope, receive, send)
            return
        await JSONResponse({"received": True})(scope, receive, send)
        moved, delay = stored
        if moved and self.waker is not None:
            try:
                self.waker(integration_id, moved, delay.total_seconds())
            except Exception:  # the delivery is stored and due; the tick will find it
                log.exception("waking the flows of integration %s failed", integration_id)

    def _hooks_of(self, kind: str) -> WebhookSupport | None:
        try:
            return self.hub.connectors.get(kind).webhooks
        except UnknownConnector:
            return None

    def _genuine(self, kind: str, integration_id: str, secret: str) -> bool:
        with self.hub.db.read_session() as session:
            if not webhook_store.check_secret(session, integration_id, secret):
                return False
            connector = self._connector_of.get(integration_id)
            if connector is None:  # an integration's connector never changes: read it once
                integration = integration_store.get_integration(session, integration_id)
                if integration is None:
                    return False
                connector = self._connector_of[integration_id] = integration.connector
        return connector == kind

    def _store(
        self, integration_id: str, announcement: Announcement, body_bytes: int
    ) -> tuple[list[FlowName], timedelta] | None:
        """Inbox row and trigger in one transaction: the flows it moved, due after the delay;
        None if the integration went meanwhile."""
        now = self.hub.clock.now()
        delivery = webhook_store.Delivery(
            event_type=announcement.event_type,
            flow=announcement.flow,
            ext_id=announcement.ext_id,
            body_bytes=body_bytes,
        )
        try:
            with self.hub.db.session() as session:
                previous = webhook_store.record_delivery(session, integration_id, delivery, now=now)
                delay = self.debounce.delay(previous, now)
                moved = (
                    mark_due(session, integration_id, [announcement.flow], now=now + delay)
                    if announcement.flow is not None
                    else []
                )
        except IntegrityError:  # removed between the secret check and now
            return None
        log.debug(
            "integration %s: %s for %s", integration_id, announcement.event_type, announcement.flow
        )
        self._maybe_prune()
        return moved, delay

    def _maybe_prune(self) -> None:
        with self._count_lock:
            self._accepted += 1
            due = self._accepted % PRUNE_EVERY == 0
        if due:
            with self.hub.db.session() as session:
                webhook_store.prune_inbox(session, now=self.hub.clock.now())


def _answer(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": message}, status_code=status, headers=headers)
