"""The receiver: a genuine delivery is an inbox row and a due flow, at once; anything else is
refused and stores nothing."""

from __future__ import annotations

import httpx
import pytest

from orderhub.connectors.cartcom.webhook_events import hook_path
from orderhub.domain import FlowName
from orderhub.hooks import MAX_BODY_BYTES
from orderhub.hub import Hub
from orderhub.store import integrations as integration_store
from orderhub.store import webhooks as webhook_store

from .conftest import LATER, T0, Wakes

ORDER = {"order": {"id": 100123, "order_number": "100123"}}


def _next_run(hub: Hub, integration_id: str, flow: FlowName) -> object:
    with hub.db.read_session() as session:
        return integration_store.get_flow_state(session, integration_id, flow).next_run_at


def _stored(hub: Hub) -> list[webhook_store.StoredDelivery]:
    with hub.db.read_session() as session:
        return webhook_store.list_deliveries(session)


def test_a_delivery_is_stored_and_makes_its_flow_due_after_the_debounce(
    client: httpx.Client, hub: Hub, integration_id: str, secret: str, wakes: Wakes
) -> None:
    url = hook_path(integration_id, secret)
    first = client.post(url, params={"event": "NewOrder"}, json=ORDER)
    second = client.post(url, params={"event": "OrderUpdated"}, json=ORDER)

    assert (first.status_code, first.json()) == (200, {"received": True})
    assert second.status_code == 200
    stored = _stored(hub)
    assert [(d.event_type, d.flow, d.ext_id) for d in stored] == [
        ("OrderUpdated", FlowName.ORDERS_PULL, "100123"),
        ("NewOrder", FlowName.ORDERS_PULL, "100123"),
    ]
    assert stored[0].received_at == T0
    due = T0.replace(microsecond=500_000)
    assert _next_run(hub, integration_id, FlowName.ORDERS_PULL) == due
    assert _next_run(hub, integration_id, FlowName.PRODUCTS_PULL) == LATER
    assert wakes.calls == [(integration_id, [FlowName.ORDERS_PULL], 0.5)]  # once per burst
    with hub.db.read_session() as session:
        health = webhook_store.flow_health(session, [integration_id])[integration_id]
    assert health[FlowName.ORDERS_PULL].last_delivery_at == T0


def test_product_and_customer_events(
    client: httpx.Client, hub: Hub, integration_id: str, secret: str, wakes: Wakes
) -> None:
    url = hook_path(integration_id, secret)
    product = client.post(
        url, params={"event": "ProductStatusChanged"}, json={"item": {"product_id": 7}}
    )
    customer = client.post(url, params={"event": "CustomerCreated"}, json={"customer": {"id": 3}})
    shaped = client.post(url, json={"product": {"id": 8}})  # no ?event=: read by its shape

    assert [product.status_code, customer.status_code, shaped.status_code] == [200, 200, 200]
    assert [(d.event_type, d.flow, d.ext_id) for d in _stored(hub)] == [
        ("ProductUpdated", FlowName.PRODUCTS_PULL, "8"),
        ("CustomerCreated", None, "3"),
        ("ProductStatusChanged", FlowName.PRODUCTS_PULL, "7"),
    ]
    assert _next_run(hub, integration_id, FlowName.ORDERS_PULL) == LATER  # customers wake nothing
    assert wakes.calls == [(integration_id, [FlowName.PRODUCTS_PULL], 0.5)]


def _undeclared(request: httpx.Request) -> httpx.Request:
    """The request as a chunked one: no Content-Length, so the cap counts what is read."""
    del request.headers["content-length"]
    request.headers["transfer-encoding"] = "chunked"
    return request


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("wrong secret", 404),
        ("unknown integration", 404),
        ("secret too long", 404),
        ("no secret", 404),
        ("get on a wrong secret", 404),
        ("get on the right secret", 405),
        ("declared too large", 413),
        ("chunked too large", 413),
        ("not json", 400),
        ("empty body", 400),
        ("unknown event", 400),
        ("no event and no known shape", 400),
    ],
)
def test_forged_and_broken_deliveries_store_nothing(
    client: httpx.Client,
    hub: Hub,
    integration_id: str,
    secret: str,
    wakes: Wakes,
    case: str,
    status: int,
) -> None:
    good = hook_path(integration_id, secret)
    big = b'{"order": {"id": 1, "note": "' + b"x" * MAX_BODY_BYTES + b'"}}'
    requests: dict[str, httpx.Request] = {
        "wrong secret": client.build_request(
            "POST", hook_path(integration_id, secret[:-2] + "xx"), json=ORDER
        ),
        "unknown integration": client.build_request(
            "POST", hook_path("ffffffffffffffff", secret), json=ORDER
        ),
        "secret too long": client.build_request(
            "POST", hook_path(integration_id, secret * 4), json=ORDER
        ),
        "no secret": client.build_request("POST", f"/hooks/cartcom/{integration_id}", json=ORDER),
        "get on a wrong secret": client.build_request("GET", hook_path(integration_id, "nope")),
        "get on the right secret": client.build_request("GET", good),
        "declared too large": client.build_request("POST", good, content=big),
        "chunked too large": _undeclared(client.build_request("POST", good, content=big)),
        "not json": client.build_request("POST", good, content=b"<xml/>"),
        "empty body": client.build_request("POST", good, content=b""),
        "unknown event": client.build_request(
            "POST", good, params={"event": "OrderPlace"}, json=ORDER
        ),
        "no event and no known shape": client.build_request("POST", good, json={"cart": {}}),
    }

    answer = client.send(requests[case])

    assert answer.status_code == status
    assert "error" in answer.json()
    assert secret not in answer.text
    assert _stored(hub) == []
    assert _next_run(hub, integration_id, FlowName.ORDERS_PULL) == LATER
    assert wakes.calls == []


def test_without_an_endpoint_secret_every_delivery_is_refused(
    client: httpx.Client, hub: Hub, integration_id: str
) -> None:
    answer = client.post(hook_path(integration_id, "A" * 43), json=ORDER)
    assert answer.status_code == 404
    assert _stored(hub) == []
