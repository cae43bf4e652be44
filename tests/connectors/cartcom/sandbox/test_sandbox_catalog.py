"""Catalog and settings resources, /inventory, stock following sales."""

from __future__ import annotations

import httpx
from cartcom_sandbox_support import all_records

from orderhub.connectors.cartcom.sandbox import Sandbox


def _variant_product(api: httpx.Client) -> dict[str, object]:
    body = api.get(
        "products",
        params={
            "use_variant_inventory": "true",
            "count": "1",
            "expand": "variants,variant_inventory",
        },
    ).json()
    return dict(body["products"][0])


def test_products_with_and_without_variants(api: httpx.Client) -> None:
    products = all_records(api, "products", fields="id,item_number,use_variant_inventory,gtin")
    assert len(products) == 40
    assert any(p["use_variant_inventory"] for p in products)
    assert any(not p["use_variant_inventory"] for p in products)
    assert any(p["gtin"] == "" for p in products)
    assert any(p["gtin"] for p in products)
    raw = api.get("products/1").json()
    assert raw["is_hidden"] == 0
    assert raw["is_kit"] is False
    assert isinstance(raw["height"], str)
    assert len(raw["cart_product_id"]) == 36


def test_nested_variants_carry_null_timestamps(api: httpx.Client) -> None:
    product = _variant_product(api)
    variants = product["variants"]
    rows = product["variant_inventory"]
    assert isinstance(variants, list)
    assert isinstance(rows, list)
    assert variants
    assert rows
    assert all(v["created_at"] is None for v in variants)
    assert all(r["updated_at"] is None for r in rows)
    top = api.get(f"product_variants/{variants[0]['id']}").json()
    assert top["updated_at"] is not None


def test_variant_inventory_rows_list_their_variants(api: httpx.Client) -> None:
    row = api.get("variant_inventory/1", params={"expand": "variants"}).json()
    assert row["variants"]
    assert all(v["variant_inventory_id"] == 1 for v in row["variants"])
    assert row["item_number"].startswith(
        api.get(f"products/{row['product_id']}").json()["item_number"]
    )
    group = api.get("variant_groups/1/variants").json()
    assert group["total_count"] > 0
    assert all(v["variant_group_id"] == 1 for v in group["variants"])


def test_other_product_nested_collections(api: httpx.Client) -> None:
    filled = api.get("products/2/filled").json()
    assert filled["categories"][0]["is_primary"] is True
    assert filled["pictures"][0]["product_id"] == 2
    for name in ("pricing", "reviews", "attributes", "custom_fields"):
        assert filled[name] == []


def test_settings_resources(api: httpx.Client) -> None:
    warehouses = api.get("warehouses").json()["warehouses"]
    assert [w["is_default"] for w in warehouses].count(True) == 1
    assert isinstance(warehouses[0]["postal_code"], str)
    locations = api.get("store_locations").json()["store_locations"]
    assert locations
    assert "updated_at" not in locations[0]
    statuses = api.get("product_statuses").json()["product_statuses"]
    assert any(s["is_unavailable"] for s in statuses)


def test_settings_scope(shared: Sandbox) -> None:
    from cartcom_sandbox_support import client_for

    with client_for(shared, token=shared.mint_token(["read_catalog"])) as c:
        assert c.get("warehouses").status_code == 403
        assert c.get("products", params={"count": "1"}).status_code == 200
        assert c.post("inventory/set", json={"product_id": 2, "quantity": 1}).status_code == 403


def test_inventory_get_set_add_remove(client: httpx.Client) -> None:
    simple = client.get(
        "products",
        params={
            "use_variant_inventory": "false",
            "count": "1",
            "fields": "id,item_number,quantity_on_hand",
        },
    ).json()
    product = simple["products"][0]
    got = client.get("inventory", params={"product_id": product["id"]}).json()
    assert got == {
        "product_id": product["id"],
        "variant_inventory_id": None,
        "item_number": product["item_number"],
        "item_name": got["item_name"],
        "gtin": got["gtin"],
        "quantity": product["quantity_on_hand"],
    }
    assert (
        client.post("inventory/set", json={"product_id": product["id"], "quantity": 10}).json()[
            "quantity"
        ]
        == 10
    )
    assert (
        client.post("inventory/add", json={"product_id": product["id"], "quantity": 3}).json()[
            "quantity"
        ]
        == 13
    )
    assert (
        client.post(
            "inventory/remove", json={"item_number": product["item_number"], "quantity": 20}
        ).json()["quantity"]
        == -7
    )
    stored = client.get(f"products/{product['id']}").json()
    assert stored["quantity_on_hand"] == -7


def test_inventory_on_variant_rows(client: httpx.Client) -> None:
    product = _variant_product(client)
    rows = product["variant_inventory"]
    assert isinstance(rows, list)
    vi = rows[0]
    before = client.get(f"products/{product['id']}").json()["updated_at"]
    result = client.post("inventory/set", json={"variant_inventory_id": vi["id"], "quantity": 4})
    assert result.json()["quantity"] == 4
    assert result.json()["variant_inventory_id"] == vi["id"]
    assert client.get(f"variant_inventory/{vi['id']}").json()["inventory"] == 4
    assert client.get(f"products/{product['id']}").json()["updated_at"] != before
    by_sku = client.get("inventory", params={"item_number": vi["item_number"]}).json()
    assert by_sku["variant_inventory_id"] == vi["id"]
    product_level = client.post("inventory/set", json={"product_id": product["id"], "quantity": 1})
    assert product_level.status_code == 409
    assert "variant_inventory_id" in product_level.json()["details"]


def test_inventory_errors(client: httpx.Client) -> None:
    assert client.get("inventory").status_code == 400
    assert client.get("inventory", params={"product_id": "999999"}).status_code == 404
    assert client.get("inventory", params={"item_number": "NOPE"}).status_code == 404
    assert client.post("inventory/set", json={"product_id": 2, "quantity": -1}).status_code == 409
    assert client.post("inventory/set", json={"product_id": 2}).status_code == 409


def test_inventory_settings(client: httpx.Client) -> None:
    settings = client.get("inventory/settings").json()
    assert settings["remove_from_inventory_when"] == "Ordered"
    changed = client.put("inventory/settings", json={"remove_from_inventory_when": "Shipped"})
    assert changed.json()["remove_from_inventory_when"] == "Shipped"
    bad = client.put("inventory/settings", json={"remove_from_inventory_when": "Never"})
    assert bad.status_code == 409


def test_placing_an_order_takes_stock(sb: Sandbox, client: httpx.Client) -> None:
    def stock() -> dict[tuple[str, int], int]:
        out = {}
        for p in all_records(client, "products", fields="id,quantity_on_hand"):
            out[("p", int(p["id"]))] = int(p["quantity_on_hand"])  # type: ignore[call-overload]
        for v in all_records(client, "variant_inventory", fields="id,inventory"):
            out[("v", int(v["id"]))] = int(v["inventory"])  # type: ignore[call-overload]
        return out

    before = stock()
    order = sb.store.get_order(sb.store.create_order()["id"])
    assert order is not None
    after = stock()
    sold: dict[tuple[str, int], int] = {}
    for item in order["items"]:
        if item["variant_inventory_id"] is not None:
            key = ("v", item["variant_inventory_id"])
        elif item["product_id"]:
            key = ("p", item["product_id"])
        else:
            continue
        sold[key] = sold.get(key, 0) + item["quantity"]
    for key, qty in sold.items():
        assert after[key] == before[key] - qty
    assert {k for k in before if before[k] != after[k]} == set(sold)


def test_products_post_and_put(client: httpx.Client) -> None:
    created = client.post(
        "products",
        json={
            "item_name": "Test Kettle",
            "price": 19.5,
            "primary_category_id": 1,
            "product_status_id": 1,
            "item_number": "KTL-1",
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert body["price"] == 19.5
    assert body["item_number"] == "KTL-1"
    updated = client.put(f"products/{body['id']}", json={"price": 21})
    assert updated.json()["price"] == 21.0
    missing = client.post("products", json={"item_name": "x"})
    assert missing.status_code == 409
