"""Writes that feed the push flows: validated as canonical models, handed to the hub services.

The services (`create_fulfillment`, `set_inventory`, `upsert_hub_product`) are written by other
parts of the hub. Two kinds of tests here: with injected fakes, the API's own contract (the
validated model and `actor="api"` reach the service; 201; the service's errors become
envelopes); with the real lookup, the honest state of this build — 501 while a service is
missing, and once it exists, 201 with the record really stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from orderhub.api.state import ServiceResolver, hub_service
from orderhub.domain import Fulfillment, Product
from orderhub.errors import NotFoundError, UsageError
from orderhub.store.records import EntityKind

from .conftest import API, Api, add_integration_row, order, put, seed_every_kind

FULFILLMENT = {
    "orderId": "0123456789abcdef",
    "trackingNumbers": ["1Z999AA10123456784"],
    "shippingCarrier": "UPS",
    "actualShipDate": "2025-03-01T12:00:00Z",
    "lineItems": [{"uniqueId": "1", "sku": "SKU-1", "quantity": 2}],
}


class FakeServices:
    """Records every call; answers what the test sets, or raises it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.outcome: Any = None
        self.available = True

    def resolve(self, module: str, function: str) -> Callable[..., Any] | None:
        if not self.available:
            return None

        def service(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((function, args, kwargs))
            if isinstance(self.outcome, Exception):
                raise self.outcome
            return self.outcome

        return service


@pytest.fixture
def fakes() -> FakeServices:
    return FakeServices()


@pytest.fixture
def resolve_service(fakes: FakeServices) -> ServiceResolver:
    return fakes.resolve


def test_a_fulfillment_reaches_the_service_as_a_validated_model(
    api: Api, fakes: FakeServices
) -> None:
    fakes.outcome = {"fulfillmentId": "f1", **FULFILLMENT}
    response = api.writer.post(f"{API}/fulfillments", json=FULFILLMENT)
    assert response.status_code == 201
    assert response.json() == {"success": True, "code": 201, "fulfillment": fakes.outcome}
    [(name, args, kwargs)] = fakes.calls
    assert name == "create_fulfillment"
    hub, fulfillment = args
    assert hub is api.hub
    assert isinstance(fulfillment, Fulfillment)
    assert fulfillment.tracking_numbers == ["1Z999AA10123456784"]
    assert fulfillment.line_items[0].quantity == 2
    assert fulfillment.actual_ship_date is not None
    assert kwargs == {"actor": "api"}


def test_inventory_and_products_reach_their_services(api: Api, fakes: FakeServices) -> None:
    fakes.outcome = {"sku": "SKU-1", "locationId": "L1", "onHand": 4}
    response = api.writer.post(
        f"{API}/inventory", json={"sku": "SKU-1", "quantity": 4, "locationId": "L1"}
    )
    assert response.status_code == 201
    assert response.json()["inventory"] == fakes.outcome
    assert fakes.calls[-1][0] == "set_inventory"
    assert fakes.calls[-1][2] == {
        "sku": "SKU-1",
        "quantity": 4,
        "location_id": "L1",
        "actor": "api",
    }

    fakes.outcome = {"sku": "MUG", "name": "Mug"}
    response = api.writer.post(f"{API}/products", json={"sku": "MUG", "name": "Mug", "price": 9.5})
    assert response.status_code == 201
    assert response.json()["product"] == fakes.outcome
    name, (_, product), kwargs = fakes.calls[-1]
    assert name == "upsert_hub_product"
    assert isinstance(product, Product)
    assert str(product.price) == "9.5"
    assert kwargs == {"actor": "api"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("inventory", {"sku": "SKU-1", "quantity": -1}, "quantity"),
        ("inventory", {"sku": "", "quantity": 1}, "sku"),
        ("inventory", {"quantity": 1}, "sku"),
        (
            "fulfillments",
            {**FULFILLMENT, "lineItems": [{"sku": "A", "quantity": 0}]},
            "lineItems.0.quantity",
        ),
        ("fulfillments", {**FULFILLMENT, "carrier": "UPS"}, "carrier"),
        ("fulfillments", {"lineItems": []}, "orderId"),
        ("products", {"sku": "MUG"}, "name"),
        ("products", {"sku": "MUG", "name": "Mug", "status": "deleted"}, "status"),
    ],
)
def test_bad_bodies_are_422_naming_the_field_and_never_reach_the_service(
    api: Api, fakes: FakeServices, path: str, body: dict[str, Any], field: str
) -> None:
    response = api.writer.post(f"{API}/{path}", json=body)
    assert response.status_code == 422
    message = response.json()["message"]
    assert message.startswith(f"{field}:"), message
    assert "\n" not in message
    assert fakes.calls == []


def test_a_date_at_the_edge_of_the_calendar_is_a_422_naming_the_field_not_a_crash(
    api: Api, fakes: FakeServices
) -> None:
    body = {**FULFILLMENT, "actualShipDate": "0001-01-01T00:00:00+01:00"}
    response = api.writer.post(f"{API}/fulfillments", json=body)
    assert response.status_code == 422
    assert "actualShipDate" in response.json()["message"]
    assert "out of range" in response.json()["message"]
    assert fakes.calls == []


def test_service_errors_become_envelopes(api: Api, fakes: FakeServices) -> None:
    fakes.outcome = NotFoundError("No order with id '0123456789abcdef'")
    missing = api.writer.post(f"{API}/fulfillments", json=FULFILLMENT)
    assert missing.status_code == 404
    assert missing.json()["message"] == "No order with id '0123456789abcdef'"

    fakes.outcome = UsageError("SKU-1 is not on that order")
    refused = api.writer.post(f"{API}/fulfillments", json=FULFILLMENT)
    assert refused.status_code == 422
    assert refused.json() == {
        "success": False,
        "code": 422,
        "message": "SKU-1 is not on that order",
    }


def test_a_crash_is_a_500_envelope_without_traceback_or_detail(
    api: Api, fakes: FakeServices, caplog: pytest.LogCaptureFixture
) -> None:
    fakes.outcome = RuntimeError("db password is hunter2")
    response = api.writer.post(f"{API}/products", json={"sku": "MUG", "name": "Mug"})
    assert response.status_code == 500
    assert response.json() == {
        "success": False,
        "code": 500,
        "message": "Internal error; the hub's log has the details",
    }
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text


def test_missing_services_answer_501(api: Api, fakes: FakeServices) -> None:
    fakes.available = False
    for path, body in (
        ("fulfillments", FULFILLMENT),
        ("inventory", {"sku": "A", "quantity": 1}),
        ("products", {"sku": "A", "name": "A"}),
    ):
        response = api.writer.post(f"{API}/{path}", json=body)
        assert response.status_code == 501
        assert "not available yet" in response.json()["message"]


# -- the real services of this build --------------------------------------------------------

# Overrides the `resolve_service` fixture (and so the fakes) with the app's own lookup.
REAL_LOOKUP = pytest.mark.parametrize("resolve_service", [hub_service], ids=["real-lookup"])


@REAL_LOOKUP
def test_create_fulfillment_with_the_real_service(
    resolve_service: ServiceResolver, api: Api
) -> None:
    integration = add_integration_row(api.hub).integration_id
    three_mugs = order("#2001").model_copy(
        update={"line_items": [order("#2001").line_items[0].model_copy(update={"quantity": 3})]}
    )
    order_id = put(
        api.hub, EntityKind.ORDER, three_mugs, ext_id="2001", integration_id=integration
    ).hub_id
    before = _total(api, "fulfillments")
    body = {**FULFILLMENT, "orderId": order_id}
    response = api.writer.post(f"{API}/fulfillments", json=body)
    assert response.status_code == 201, response.text
    assert _total(api, "fulfillments") == before + 1
    stored = api.reader.get(f"{API}/fulfillments", params={"order": "-createdAt", "count": 1})
    assert stored.json()["fulfillments"][0]["orderId"] == order_id
    assert stored.json()["fulfillments"][0]["trackingNumbers"] == FULFILLMENT["trackingNumbers"]


@REAL_LOOKUP
def test_set_inventory_with_the_real_service(resolve_service: ServiceResolver, api: Api) -> None:
    integration = add_integration_row(api.hub).integration_id
    seed_every_kind(api.hub, integration)
    response = api.writer.post(f"{API}/inventory", json={"sku": "SKU-1", "quantity": 7})
    assert response.status_code == 201, response.text
    rows = api.reader.get(f"{API}/inventory", params={"sku": "SKU-1"}).json()["inventory"]
    assert any(7 in (row.get("onHand"), row.get("available")) for row in rows), rows


@REAL_LOOKUP
def test_upsert_product_with_the_real_service(resolve_service: ServiceResolver, api: Api) -> None:
    response = api.writer.post(f"{API}/products", json={"sku": "NEW-1", "name": "New mug"})
    assert response.status_code == 201, response.text
    [product] = api.reader.get(f"{API}/products", params={"sku": "NEW-1"}).json()["products"]
    assert product["name"] == "New mug"


def _total(api: Api, path: str) -> int:
    response: httpx.Response = api.reader.get(f"{API}/{path}", params={"count": 1})
    return int(response.json()["pagination"]["total"])
