"""Routing of `/api/v1/…` paths to reads and writes, with the scope check per resource."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from .auth import scope_error
from .errors import ApiError
from .listing import get_nested, get_one, run_list, select_many
from .resources_reference import LIST_KEYS, PUT_ONLY
from .writes import create_or_update, delete, set_order_status, update

if TYPE_CHECKING:
    from .parts import SandboxParts

__all__ = ["handle", "page_url"]

_SHAPE_PARAMS = ("page", "count", "sort", "fields", "expand")


def page_url(request: Request, page: int) -> str:
    """The request's absolute URL with `page` replaced (other parameters kept verbatim)."""
    raw = request.scope.get("query_string", b"").decode("latin-1")
    kept = [p for p in raw.split("&") if p and p.split("=", 1)[0] != "page"]
    kept.append(f"page={page}")
    url = request.url
    return f"{url.scheme}://{url.netloc}{url.path}?{'&'.join(kept)}"


def _params(request: Request) -> tuple[dict[str, str], list[tuple[str, str]]]:
    params: dict[str, str] = {}
    filters: list[tuple[str, str]] = []
    for key, value in request.query_params.multi_items():
        if key in _SHAPE_PARAMS or key == "ids":
            params[key] = value
        else:
            filters.append((key, value))
    return params, filters


def _record_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ApiError(404, "No resource found") from None


def _json_body(raw: bytes) -> Any:
    if not raw.strip():
        raise ApiError(400, "A JSON request body is required")
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"The request body is not valid JSON: {exc}") from None


def handle(
    sb: SandboxParts, request: Request, method: str, sub: str, raw: bytes, scopes: frozenset[str]
) -> tuple[int, Any]:
    """(status, JSON data or None) for one API call; raises ApiError."""
    path = sub[: -len(".json")] if sub.endswith(".json") else sub
    parts = [p for p in path.split("/") if p]
    if not parts:
        raise ApiError(404, "No resource found")
    resource = parts[0]
    store = sb.store
    special = sb.special_routes.get(resource)
    if special is not None:
        denied = scope_error(
            resource, scopes, write=method != "GET", status=store.answers.missing_scope_status
        )
        if denied is not None:
            raise denied
        with store.lock:
            store.flush_pending()
            return special(sb, request, method, parts[1:], raw)
    table = store.tables.get(resource)
    if table is None or not table.spec.routed:
        raise ApiError(404, "No resource found")
    write = method != "GET"
    denied = scope_error(resource, scopes, write, store.answers.missing_scope_status)
    if denied is not None:
        raise denied
    if write and not table.spec.writable:
        raise ApiError(405, f"{resource} is read-only")
    if write and resource in PUT_ONLY and method != "PUT":
        raise ApiError(405, f"{method} is not supported on {resource} (only GET and PUT /{{id}})")
    params, filters = _params(request)
    body = _json_body(raw) if method in ("POST", "PUT") else None
    with store.lock:
        store.flush_pending()
        if method == "GET":
            return _get(sb, request, table.name, parts, params, filters)
        if method == "POST" and len(parts) == 1:
            return create_or_update(store, table, body)
        if method == "PUT" and len(parts) == 2:
            return 200, update(store, table, _record_id(parts[1]), body)
        if method == "PUT" and len(parts) == 3 and resource == "orders" and parts[2] == "status":
            return 200, set_order_status(store, _record_id(parts[1]), body)
        if method == "DELETE" and len(parts) == 2:
            delete(store, table, _record_id(parts[1]))
            return 204, None
    raise ApiError(405, f"{method} is not supported on this path")


def _get(
    sb: SandboxParts,
    request: Request,
    name: str,
    parts: list[str],
    params: dict[str, str],
    filters: list[tuple[str, str]],
) -> tuple[int, Any]:
    store = sb.store
    table = store.tables[name]
    if len(parts) == 1:
        result, page, count = run_list(store, table, params, filters, sb.config.max_page_size)
        out: dict[str, Any] = {"total_count": result.total}
        if page * count < result.total:
            out["next_page"] = page_url(request, page + 1)
        if page > 1:
            out["previous_page"] = page_url(request, page - 1)
        out[LIST_KEYS.get(name, name)] = result.records
        return 200, out
    if parts[1] == "select_many" and len(parts) == 2:
        result = select_many(store, table, params)
        return 200, {"total_count": result.total, LIST_KEYS.get(name, name): result.records}
    record_id = _record_id(parts[1])
    if len(parts) == 2:
        return 200, get_one(store, table, record_id, params)
    if len(parts) == 3 and parts[2] == "filled":
        return 200, get_one(store, table, record_id, params, filled=True)
    if len(parts) == 3:
        key, result = get_nested(store, table, record_id, parts[2], params)
        return 200, {"total_count": result.total, key: result.records}
    raise ApiError(404, "No resource found")
