"""The reference resources (carriers, services, custom methods, categories, manufacturers,
customer types, payment methods): seeded, shaped as acapi.yaml, writable only as the spec
allows; a new product must name a category the store has (in process)."""

from __future__ import annotations

import httpx
import pytest

from orderhub.connectors.cartcom.sandbox import Sandbox
from orderhub.connectors.cartcom.sandbox.seed_data import NOUNS, SHIPPING_METHODS


@pytest.mark.parametrize(
    ("resource", "key", "at_least"),
    [
        ("shipping_providers", "shipping_providers", 4),
        ("shipping_provider_services", "services", 10),
        ("custom_shipping_methods", "custom_shipping_methods", 3),
        ("categories", "categories", len(NOUNS)),
        ("manufacturers", "manufacturers", 3),
        ("customer_types", "customer_types", 3),
        ("payment_methods", "payment_methods", 5),
    ],
)
def test_each_resource_lists_its_seeded_records(
    api: httpx.Client, resource: str, key: str, at_least: int
) -> None:
    body = api.get(resource, params={"count": "250"}).json()
    assert body["total_count"] >= at_least
    assert len(body[key]) == body["total_count"]
    assert all(isinstance(record["id"], int) for record in body[key])
    one = body[key][0]
    assert api.get(f"{resource}/{one['id']}").json() == one


def test_services_are_the_methods_the_seeded_shipments_name(api: httpx.Client) -> None:
    services = {
        s["id"]: s
        for s in api.get("shipping_provider_services", params={"count": "250"}).json()["services"]
    }
    custom = {
        m["id"]: m for m in api.get("custom_shipping_methods").json()["custom_shipping_methods"]
    }
    for name, _carrier, identifier, method_id, _rate, kind in SHIPPING_METHODS:
        if kind == "provider":
            assert (services[method_id]["name"], services[method_id]["identifier"]) == (
                name,
                identifier,
            )
        else:
            assert custom[method_id]["name"] == name
    providers = api.get("shipping_providers").json()["shipping_providers"]
    codes = {p["id"]: p["provider_code"] for p in providers}
    assert all(
        s["shipping_provider_code"] == codes[s["shipping_provider_id"]] for s in services.values()
    )
    # A store has switched-off methods too: a matcher must not pick them.
    assert any(not s["is_enabled"] for s in services.values())
    # Filters work as on any resource (the example program's lookup by identifier).
    found = api.get("shipping_provider_services", params={"identifier": "FEDEX_GROUND"}).json()
    assert [s["name"] for s in found["services"]] == ["FedEx Ground"]


def test_carriers_take_put_only(client: httpx.Client) -> None:
    assert (
        client.put("shipping_providers/4", json={"is_enabled": True}).json()["is_enabled"] is True
    )
    for method, path in (
        ("POST", "shipping_providers"),
        ("DELETE", "shipping_provider_services/1"),
    ):
        answer = client.request(method, path, json={"name": "Mine"} if method == "POST" else None)
        assert answer.status_code == 405
        assert answer.json()["status_code"] == 405
    made = client.post("custom_shipping_methods", json={"name": "Courier"})
    assert made.status_code == 201
    assert made.json()["name"] == "Courier"


def test_reference_resources_need_their_scopes(sb: Sandbox) -> None:
    from cartcom_sandbox_support import client_for

    with client_for(sb, sb.mint_token(["read_orders", "orders"])) as orders_only:
        assert orders_only.get("shipping_provider_services").status_code == 403
    with client_for(sb, sb.mint_token(["settings"])) as settings:
        assert settings.get("shipping_provider_services").status_code == 200
        assert settings.get("custom_shipping_methods").status_code == 200


@pytest.mark.parametrize(
    ("category", "status", "detail"),
    [
        (None, 409, "primary_category_id is required"),
        (0, 409, "primary_category_id 0 does not exist"),
        (999, 409, "primary_category_id 999 does not exist"),
        (2, 201, None),
    ],
)
def test_a_new_product_names_a_category_the_store_has(
    client: httpx.Client, category: int | None, status: int, detail: str | None
) -> None:
    body: dict[str, object] = {"item_name": "Hat", "price": 5, "product_status_id": 1}
    if category is not None:
        body["primary_category_id"] = category
    answer = client.post("products", json=body)
    assert answer.status_code == status, answer.text
    if detail is not None:
        assert detail in answer.json()["details"]
    else:
        assert answer.json()["primary_category_id"] == category


def test_customers_have_several_types_and_guests_none(api: httpx.Client) -> None:
    customers = api.get("customers", params={"count": "250"}).json()["customers"]
    types = {c["customer_type_id"] for c in customers}
    assert {1, 2} <= types
    assert all(c["customer_type_id"] == 0 for c in customers if c["no_account"])
    known = {t["id"] for t in api.get("customer_types").json()["customer_types"]}
    assert types - {0} <= known
