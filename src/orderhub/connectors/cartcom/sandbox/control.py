"""`/_sandbox/…`: the test and demo controls (no auth, loopback only, not in the call log)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from .parts import SandboxParts

__all__ = ["control_routes"]

_LOOPBACK = ("127.0.0.1", "::1", "localhost", "testclient")
Endpoint = Callable[[Request], Awaitable[Response]]


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


def _guard(handler: Callable[[Request], Awaitable[Any]]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        client = request.client.host if request.client else ""
        if client not in _LOOPBACK and not client.startswith("127."):
            return JSONResponse({"error": "the sandbox controls answer loopback only"}, 403)
        try:
            result = await handler(request)
        except (ValueError, KeyError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, 400)
        if isinstance(result, Response):
            return result
        return JSONResponse(result)

    return endpoint


def control_routes(sb: SandboxParts) -> list[Route]:
    async def calls(_: Request) -> Any:
        return sb.calls()

    async def reset(_: Request) -> Any:
        sb.reset()
        return {"ok": True, "orders": sb.store.order_count()}

    async def tokens(request: Request) -> Any:
        scopes = (await _body(request)).get("scopes", [])
        if not isinstance(scopes, list):
            raise ValueError("scopes must be a list")
        return {"token": sb.mint_token([str(s) for s in scopes])}

    async def orders(request: Request) -> Any:
        body = await _body(request)
        count = int(body.get("count", 1))
        if body.get("sameUpdatedAt"):
            return {"ids": sb.store.burst_orders(count)}
        return {"ids": [sb.store.create_order()["id"] for _ in range(count)]}

    async def touch(request: Request) -> Any:
        order_id = int(request.path_params["order_id"])
        if sb.store.get_order(order_id, expand=False) is None:
            return JSONResponse({"error": f"order {order_id} not found"}, 404)
        return sb.store.update_order(order_id, **(await _body(request)))

    async def order(request: Request) -> Any:
        # Read without a token and outside the call log and budget, so a benchmark can watch
        # for a shipment every 100 ms without spending the calls the hub is measured on.
        order_id = int(request.path_params["order_id"])
        found = sb.store.get_order(order_id, expand=True)
        if found is None:
            return JSONResponse({"error": f"order {order_id} not found"}, 404)
        return found

    async def count(_: Request) -> Any:
        return {"count": sb.store.order_count()}

    async def faults(request: Request) -> Any:
        if request.method == "POST":
            sb.faults.update(await _body(request))
        return sb.faults.to_dict()

    async def deliveries(_: Request) -> Any:
        return {"deliveries": list(sb.webhooks.deliveries)}

    async def webhook_switches(request: Request) -> Any:
        if request.method == "POST":
            sb.webhooks.switches.update(await _body(request))
        return sb.webhooks.switches.to_dict()

    async def realism(request: Request) -> Any:
        if request.method == "POST":
            sb.realism.update(await _body(request))
        return sb.realism.to_dict()

    async def answers(request: Request) -> Any:
        if request.method == "POST":
            sb.answers.update(await _body(request))
        return sb.answers.to_dict()

    return [
        Route("/_sandbox/answers", _guard(answers), methods=["GET", "POST"]),
        Route("/_sandbox/calls", _guard(calls), methods=["GET"]),
        Route("/_sandbox/reset", _guard(reset), methods=["POST"]),
        Route("/_sandbox/tokens", _guard(tokens), methods=["POST"]),
        Route("/_sandbox/orders", _guard(orders), methods=["POST"]),
        Route("/_sandbox/orders/count", _guard(count), methods=["GET"]),
        Route("/_sandbox/orders/{order_id:int}", _guard(order), methods=["GET"]),
        Route("/_sandbox/orders/{order_id:int}/touch", _guard(touch), methods=["POST"]),
        Route("/_sandbox/faults", _guard(faults), methods=["GET", "POST"]),
        Route("/_sandbox/realism", _guard(realism), methods=["GET", "POST"]),
        Route("/_sandbox/webhooks", _guard(webhook_switches), methods=["GET", "POST"]),
        Route("/_sandbox/webhooks/deliveries", _guard(deliveries), methods=["GET"]),
    ]
