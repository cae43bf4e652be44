"""Every documented event is delivered where the store changes that way; unknown event types
are refused; the switches drop, duplicate, delay and reorder deliveries (in process)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from cartcom_sandbox_support import client_for, make_sandbox

from orderhub.connectors.cartcom.sandbox import Sandbox
from orderhub.connectors.cartcom.sandbox.webhook_events import EVENT_TYPES

RECEIVER = "http://receiver.test"


@dataclass
class Received:
    items: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.items.append((request.url.path.strip("/"), json.loads(request.content)))
        return httpx.Response(200)

    def events(self) -> list[str]:
        return [event for event, _ in self.items]


@pytest.fixture
def received(sb: Sandbox) -> Iterator[Received]:
    got = Received()
    sb.webhooks.transport = httpx.MockTransport(got.handler)
    yield got
    sb.webhooks.close()


def _subscribe(client: httpx.Client, *events: str) -> None:
    for event in events:
        answer = client.post("webhooks", json={"event_type": event, "url": f"{RECEIVER}/{event}"})
        assert answer.status_code == 201, answer.text


def test_every_documented_event_is_delivered(
    sb: Sandbox, client: httpx.Client, received: Received
) -> None:
    _subscribe(client, *EVENT_TYPES)
    order = sb.store.create_order()  # NewOrder, OrderPlaced, NewValidOrder (+ PaymentProcessed)
    order_id = order["id"]
    for status in (12, 5):  # Pending → Processing (approved) → Shipped
        client.put(f"orders/{order_id}/status", json={"order_status_id": status})
    second = sb.store.create_order()["id"]
    client.put(f"orders/{second}/status", json={"order_status_id": 3})  # cancelled
    third = sb.store.create_order()["id"]
    client.put(f"orders/{third}/status", json={"order_status_id": 4})  # declined
    payment = client.post(
        "order_payments",
        json={"order_id": order_id, "customer_id": order["customer_id"], "is_approved": True},
    )
    assert payment.status_code == 201, payment.text
    customer = client.post("customers", json={"email": "new@example.com"}).json()
    client.put(f"customers/{customer['id']}", json={"first_name": "Ada"})
    product = client.post(
        "products",
        json={"item_name": "Hat", "price": 5, "primary_category_id": 1, "product_status_id": 1},
    ).json()
    client.put(f"products/{product['id']}", json={"product_status_id": 2})

    assert sb.webhooks.wait_idle()
    assert set(received.events()) == set(EVENT_TYPES)
    bodies = dict(received.items)
    assert bodies["PaymentProcessed"]["order_payment"]["order_id"] == order_id
    assert bodies["OrderApproved"]["order"]["id"] == order_id
    assert bodies["OrderCanceled"]["order"]["id"] == second
    assert bodies["OrderDeclined"]["order"]["id"] == third
    assert bodies["CustomerUpdated"]["customer"]["first_name"] == "Ada"
    item = bodies["ProductStatusChanged"]["item"]
    assert (item["product_id"], item["product_status_id"]) == (product["id"], 2)
    assert item["product"]["id"] == product["id"]
    assert "items" not in bodies["NewOrder"]["order"]  # include_items is off by default


def test_an_unknown_event_type_is_refused_and_case_is_forgiven(client: httpx.Client) -> None:
    typo = client.post("webhooks", json={"event_type": "OrderPlace", "url": RECEIVER})
    missing = client.post("webhooks", json={"url": RECEIVER})
    folded = client.post("webhooks", json={"event_type": "neworder", "url": RECEIVER})
    assert typo.status_code == 400
    assert "OrderPlace" in typo.json()["details"]
    assert missing.status_code in (400, 409)
    assert folded.status_code == 201
    assert folded.json()["event_type"] == "NewOrder"
    renamed = client.put(f"webhooks/{folded.json()['id']}", json={"event_type": "Nope"})
    assert renamed.status_code == 400


def _orders(sb: Sandbox, n: int) -> list[int]:
    return [sb.store.create_order()["id"] for _ in range(n)]


def _order_ids(received: Received) -> list[int]:
    return [body["order"]["id"] for _, body in received.items]


def test_drop_and_duplicate(sb: Sandbox, client: httpx.Client, received: Received) -> None:
    _subscribe(client, "NewOrder")
    sb.webhooks.switches.update({"drop_rate": 1.0})
    _orders(sb, 2)
    sb.webhooks.switches.update({"drop_rate": 0.0, "duplicate_rate": 1.0})
    kept = _orders(sb, 2)
    assert sb.webhooks.wait_idle()
    assert _order_ids(received) == [kept[0], kept[0], kept[1], kept[1]]
    assert sum(1 for d in sb.webhooks.deliveries if d.get("dropped")) == 2


def test_reorder_swaps_neighbours(sb: Sandbox, client: httpx.Client, received: Received) -> None:
    _subscribe(client, "NewOrder")
    ids: list[int] = []
    for reorder in (1.0, 0.0, 1.0, 0.0):
        sb.webhooks.switches.update({"reorder_rate": reorder, "reorder_wait_seconds": 5})
        ids += _orders(sb, 1)
    assert sb.webhooks.wait_idle()
    assert _order_ids(received) == [ids[1], ids[0], ids[3], ids[2]]


def test_a_held_back_delivery_with_nothing_after_it_goes_late(
    sb: Sandbox, client: httpx.Client, received: Received
) -> None:
    _subscribe(client, "NewOrder")
    sb.webhooks.switches.update({"reorder_rate": 1.0, "reorder_wait_seconds": 0.1})
    ids = _orders(sb, 2)
    assert sb.webhooks.wait_idle()
    assert _order_ids(received) == ids


def test_a_delayed_delivery_is_overtaken(
    sb: Sandbox, client: httpx.Client, received: Received
) -> None:
    _subscribe(client, "NewOrder")
    sb.webhooks.switches.update({"delay_rate": 1.0, "delay_seconds": 0.3})
    first = _orders(sb, 1)
    sb.webhooks.switches.update({"delay_rate": 0.0})
    second = _orders(sb, 1)
    assert sb.webhooks.wait_idle()
    assert _order_ids(received) == second + first


def test_rates_repeat_by_seed(client: httpx.Client) -> None:
    runs = []
    for _ in range(2):
        sb = make_sandbox()
        sb.webhooks.switches.update({"drop_rate": 0.3, "duplicate_rate": 0.3, "reorder_rate": 0.2})
        runs.append([sb.webhooks.switches.plan() for _ in range(50)])
    assert runs[0] == runs[1]
    assert any(plan.dropped for plan in runs[0])
    assert any(plan.copies == 2 for plan in runs[0])


def test_order_bodies_with_items(sb: Sandbox, client: httpx.Client, received: Received) -> None:
    _subscribe(client, "NewOrder")
    with client_for(sb) as control:
        answer = control.post(
            "http://store.test/_sandbox/webhooks", json={"include_items": True, "delay_rate": 0}
        )
        refused = control.post("http://store.test/_sandbox/webhooks", json={"drop_rate": 2})
        unknown = control.post("http://store.test/_sandbox/webhooks", json={"lose_rate": 0.1})
    assert answer.status_code == 200
    assert answer.json()["include_items"] is True
    assert refused.status_code == 400
    assert unknown.status_code == 400
    _orders(sb, 1)
    assert sb.webhooks.wait_idle()
    assert received.items[0][1]["order"]["items"]
