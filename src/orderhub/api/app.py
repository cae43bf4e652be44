"""A read-only first cut of the REST API and a status page, served by `orderhub demo`.

Loopback-only for now: API keys, writes and the full portal arrive with the portal/API issue.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from orderhub.api.envelopes import error, many, one
from orderhub.api.status_page import render_status_page
from orderhub.domain import ExceptionStatus
from orderhub.hub import Hub
from orderhub.store import exceptions as exception_store
from orderhub.store import integrations as integration_store
from orderhub.store import runs as run_store
from orderhub.store.records import (
    EntityKind,
    count_records,
    get_record,
    get_record_by_ext,
    list_records,
)

__all__ = ["create_app"]

MAX_COUNT = 1000


def create_app(hub: Hub) -> Starlette:
    def list_entities(kind: EntityKind, plural: str) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            try:
                skip, count = _paging(request)
                since = _time(request.query_params.get("updatedSince"))
            except ValueError as problem:
                return error(400, str(problem))
            integration = request.query_params.get("integration")
            status = request.query_params.get("status")
            with hub.db.session() as session:
                total = count_records(session, kind, integration_id=integration, status=status)
                rows = list_records(
                    session,
                    kind,
                    integration_id=integration,
                    status=status,
                    updated_since=since,
                    limit=count,
                    offset=skip,
                )
                values = [r.to_wire() for r in rows]
            return many(plural, values, skip=skip, count=count, total=total)

        return endpoint

    def get_entity(kind: EntityKind, singular: str) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            key = request.path_params["key"]
            with hub.db.session() as session:
                if key.startswith("ext:"):
                    integration = request.query_params.get("integration")
                    record = get_record_by_ext(session, kind, integration, key[4:])
                else:
                    record = get_record(session, kind, key)
                if record is None:
                    return error(404, "No results")
                return one(singular, record.to_wire())

        return endpoint

    async def integrations(request: Request) -> Response:
        with hub.db.session() as session:
            items = [i.to_wire() for i in integration_store.list_integrations(session)]
        return many("integrations", items, skip=0, count=len(items), total=len(items))

    async def runs(request: Request) -> Response:
        with hub.db.session() as session:
            items = [r.to_wire() for r in run_store.list_runs(session, limit=100)]
        return many("runs", items, skip=0, count=len(items), total=len(items))

    async def exceptions(request: Request) -> Response:
        with hub.db.session() as session:
            items = [
                e.to_wire()
                for e in exception_store.list_exceptions(
                    session, status=ExceptionStatus.OPEN, limit=MAX_COUNT
                )
            ]
        return many("exceptions", items, skip=0, count=len(items), total=len(items))

    async def status_page(request: Request) -> Response:
        return HTMLResponse(render_status_page(hub))

    async def health(request: Request) -> Response:
        return JSONResponse({"success": True, "code": 200, "status": "ok"})

    routes = [
        Route("/", status_page),
        Route("/healthz", health),
        Route("/api/v3/orders", list_entities(EntityKind.ORDER, "orders")),
        Route("/api/v3/orders/{key:path}", get_entity(EntityKind.ORDER, "order")),
        Route("/api/v3/integrations", integrations),
        Route("/api/v3/runs", runs),
        Route("/api/v3/exceptions", exceptions),
    ]
    return Starlette(routes=routes)


def _paging(request: Request) -> tuple[int, int]:
    try:
        skip = int(request.query_params.get("skip", "0"))
        count = int(request.query_params.get("count", "100"))
    except ValueError:
        raise ValueError("skip and count must be whole numbers") from None
    if skip < 0 or not 1 <= count <= MAX_COUNT:
        raise ValueError(f"skip must be >= 0 and count between 1 and {MAX_COUNT}")
    return skip, count


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("updatedSince needs a timezone, e.g. a trailing Z")
    return value
