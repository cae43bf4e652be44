"""Reading records through the API: envelopes, paging, filters, lookups by external id."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orderhub.domain import OrderStatus, Product
from orderhub.store.records import EntityKind

from .conftest import API, Api, add_integration_row, order, put, seed_every_kind

KINDS = [
    ("orders", "order", "orderId"),
    ("products", "product", "productId"),
    ("inventory", "inventory", "inventoryId"),
    ("locations", "location", "locationId"),
    ("fulfillments", "fulfillment", "fulfillmentId"),
]


@pytest.mark.parametrize(("path", "singular", "id_field"), KINDS)
def test_every_kind_lists_and_gets_in_pipe17_envelopes(
    api: Api, path: str, singular: str, id_field: str
) -> None:
    integration = add_integration_row(api.hub)
    ids = seed_every_kind(api.hub, integration.integration_id)

    listed = api.reader.get(f"{API}/{path}")
    assert listed.status_code == 200
    body = listed.json()
    assert body["success"] is True
    assert body["code"] == 200
    assert body["pagination"] == {"skip": 0, "count": 100, "pageSize": 1, "total": 1, "last": True}
    assert [item[id_field] for item in body[path]] == [ids[singular]]

    got = api.reader.get(f"{API}/{path}/{ids[singular]}")
    assert got.status_code == 200
    assert got.json()["success"] is True
    assert got.json()[singular][id_field] == ids[singular]
    assert got.json()[singular]["createdAt"].endswith("Z")


def test_paging_walks_every_record_once_and_marks_the_last_page(api: Api) -> None:
    integration = add_integration_row(api.hub).integration_id
    start = api.hub.clock.now() - timedelta(hours=1)
    for n in range(7):
        put(
            api.hub,
            EntityKind.ORDER,
            order(f"#{n}"),
            ext_id=str(n),
            integration_id=integration,
            at=start + timedelta(minutes=n),
        )
    seen: list[str] = []
    skip = 0
    pages = []
    while True:
        body = api.reader.get(f"{API}/orders", params={"count": 3, "skip": skip}).json()
        pages.append(body["pagination"])
        seen += [o["extOrderId"] for o in body["orders"]]
        if body["pagination"]["last"]:
            break
        skip += body["pagination"]["pageSize"]
    assert [p["pageSize"] for p in pages] == [3, 3, 1]
    assert [p["last"] for p in pages] == [False, False, True]
    assert all(p["total"] == 7 for p in pages)
    assert seen == [f"#{n}" for n in reversed(range(7))]  # newest first by default

    oldest_first = api.reader.get(f"{API}/orders", params={"order": "updatedAt", "count": 2})
    assert [o["extOrderId"] for o in oldest_first.json()["orders"]] == ["#0", "#1"]

    past_end = api.reader.get(f"{API}/orders", params={"skip": 50}).json()
    assert past_end["orders"] == []
    assert past_end["pagination"]["last"] is True


def test_filters_by_status_integration_external_reference_and_update_window(api: Api) -> None:
    first = add_integration_row(api.hub, name="First").integration_id
    second = add_integration_row(api.hub, name="Second").integration_id
    base = api.hub.clock.now() - timedelta(days=3)
    put(
        api.hub,
        EntityKind.ORDER,
        order("#1", status=OrderStatus.NEW),
        ext_id="1",
        integration_id=first,
        at=base,
    )
    put(
        api.hub,
        EntityKind.ORDER,
        order("#2", status=OrderStatus.ON_HOLD),
        ext_id="2",
        integration_id=first,
        at=base + timedelta(days=1),
    )
    put(
        api.hub,
        EntityKind.ORDER,
        order("#3", status=OrderStatus.FULFILLED),
        ext_id="3",
        integration_id=second,
        at=base + timedelta(days=2),
    )

    def numbers(**params: object) -> list[str]:
        response = api.reader.get(f"{API}/orders", params=params)  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["pagination"]["total"] == len(body["orders"])
        return sorted(o["extOrderId"] for o in body["orders"])

    assert numbers(status="new") == ["#1"]
    assert numbers(status=["new", "fulfilled"]) == ["#1", "#3"]
    assert numbers(integration=first) == ["#1", "#2"]
    assert numbers(integration=second, status="new") == []
    assert numbers(extOrderId="#2") == ["#2"]
    middle = (base + timedelta(days=1)).isoformat()
    assert numbers(updatedSince=middle) == ["#2", "#3"]
    assert numbers(updatedUntil=middle) == ["#1", "#2"]
    assert numbers(updatedSince=middle, updatedUntil=middle) == ["#2"]


def test_products_and_inventory_filter_by_sku(api: Api) -> None:
    integration = add_integration_row(api.hub).integration_id
    for sku in ("MUG", "CAP"):
        put(
            api.hub,
            EntityKind.PRODUCT,
            Product(sku=sku, name=sku.title()),
            ext_id=sku,
            integration_id=integration,
        )
    body = api.reader.get(f"{API}/products", params={"sku": "CAP"}).json()
    assert [p["sku"] for p in body["products"]] == ["CAP"]
    assert body["pagination"]["total"] == 1


def test_lookup_by_external_id_and_by_source_api_id(api: Api) -> None:
    integration = add_integration_row(api.hub).integration_id
    stored = put(
        api.hub,
        EntityKind.ORDER,
        order("#1001", api_id="555"),
        ext_id="555",
        integration_id=integration,
    )

    by_number = api.reader.get(f"{API}/orders/ext:%231001")
    assert by_number.status_code == 200
    assert by_number.json()["order"]["orderId"] == stored.hub_id
    assert by_number.json()["order"]["integration"] == integration

    by_api_id = api.reader.get(f"{API}/orders/api:555")
    assert by_api_id.json()["order"]["orderId"] == stored.hub_id
    # `ext:` falls back to the source's id when no order number matches it.
    assert api.reader.get(f"{API}/orders/ext:555").json()["order"]["orderId"] == stored.hub_id

    scoped = api.reader.get(f"{API}/orders/ext:%231001", params={"integration": integration})
    assert scoped.json()["order"]["orderId"] == stored.hub_id
    elsewhere = api.reader.get(f"{API}/orders/ext:%231001", params={"integration": "other"})
    assert elsewhere.status_code == 404


def test_the_same_external_id_in_two_stores_asks_for_the_integration(api: Api) -> None:
    first = add_integration_row(api.hub, name="First").integration_id
    second = add_integration_row(api.hub, name="Second").integration_id
    put(api.hub, EntityKind.ORDER, order("#1"), ext_id="1", integration_id=first)
    other = put(api.hub, EntityKind.ORDER, order("#1"), ext_id="1", integration_id=second)

    ambiguous = api.reader.get(f"{API}/orders/ext:%231")
    assert ambiguous.status_code == 409
    assert "?integration=" in ambiguous.json()["message"]
    chosen = api.reader.get(f"{API}/orders/ext:%231", params={"integration": second})
    assert chosen.json()["order"]["orderId"] == other.hub_id


@pytest.mark.parametrize(
    "path", ["orders/0123456789abcdef", "orders/ext:nope", "products/api:1", "runs/none"]
)
def test_a_miss_is_404_no_results(api: Api, path: str) -> None:
    response = api.reader.get(f"{API}/{path}")
    assert response.status_code == 404
    assert response.json() == {"success": False, "code": 404, "message": "No results"}


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"count": 0}, "count"),
        ({"count": 1001}, "count"),
        ({"skip": -1}, "skip"),
        ({"skip": "x"}, "skip"),
        ({"updatedSince": "yesterday"}, "updatedSince"),
        ({"updatedSince": "2025-01-01T00:00:00"}, "updatedSince"),  # no timezone
        (
            {"updatedSince": "2025-02-01T00:00:00Z", "updatedUntil": "2025-01-01T00:00:00Z"},
            "updatedSince",
        ),
        ({"order": "sku"}, "order"),
    ],
)
def test_bad_list_parameters_are_400_naming_the_parameter(
    api: Api, params: dict[str, object], names: str
) -> None:
    response = api.reader.get(f"{API}/orders", params=params)  # type: ignore[arg-type]
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["code"] == 400
    assert body["message"].startswith(names)
    assert "\n" not in body["message"]


def test_an_unknown_path_is_an_error_envelope(api: Api) -> None:
    response = api.reader.get(f"{API}/shipments")
    assert response.status_code == 404
    assert response.json()["success"] is False
    wrong_method = api.writer.delete(f"{API}/orders")
    assert wrong_method.status_code == 405
    assert wrong_method.json() == {"success": False, "code": 405, "message": "Method not allowed"}
