"""POST create-or-update, PUT, DELETE, validation, updated_at rules, status and shipments."""

from __future__ import annotations

import httpx

from orderhub.clock import FakeClock
from orderhub.connectors.cartcom.sandbox import Sandbox
from orderhub.connectors.cartcom.timestamps import parse_cartcom_time


def _clock(sb: Sandbox) -> FakeClock:
    assert isinstance(sb.clock, FakeClock)
    return sb.clock


def test_post_creates_201_and_post_with_existing_id_updates_200(client: httpx.Client) -> None:
    created = client.post("customers", json={"email": "new@example.com", "first_name": "Ann"})
    assert created.status_code == 201
    body = created.json()
    assert body["email"] == "new@example.com"
    assert body["first_name"] == "Ann"
    assert body["last_name"] == ""  # unset strings are ""
    updated = client.post("customers", json={"id": body["id"], "last_name": "Lee"})
    assert updated.status_code == 200
    assert updated.json()["last_name"] == "Lee"
    assert updated.json()["first_name"] == "Ann"


def test_post_with_an_unknown_id_creates_a_record_with_a_new_id(client: httpx.Client) -> None:
    response = client.post("customers", json={"id": 99999, "email": "x@example.com"})
    assert response.status_code == 201
    assert response.json()["id"] != 99999


def test_put_is_partial_and_404_when_absent(client: httpx.Client) -> None:
    before = client.get("orders/100002").json()
    after = client.put("orders/100002", json={"admin_comments": "hello"})
    assert after.status_code == 200
    changed = {k for k in before if before[k] != after.json()[k]}
    assert changed == {"admin_comments", "updated_at"}
    assert client.put("orders/1", json={"admin_comments": "x"}).status_code == 404


def test_delete_204_then_404(client: httpx.Client) -> None:
    response = client.delete("order_items/3")
    assert response.status_code == 204
    assert response.content == b""
    assert client.get("order_items/3").status_code == 404
    assert client.delete("order_items/3").status_code == 404


def test_validation_failures_are_409_and_bad_json_400(client: httpx.Client) -> None:
    missing = client.post("orders", json={"customer_id": 1})
    assert missing.status_code == 409
    assert "order_status_id" in missing.json()["details"]
    wrong_type = client.put("orders/100000", json={"grand_total": "lots"})
    assert wrong_type.status_code == 409
    bad_fk = client.put("orders/100000", json={"order_status_id": 999})
    assert bad_fk.status_code == 409
    not_json = client.post(
        "customers", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 400
    assert client.post("customers", json=[1, 2]).status_code == 400


def test_every_change_moves_updated_at_and_child_changes_move_the_order_when_switched_on(
    sb: Sandbox, client: httpx.Client
) -> None:
    sb.realism.order_children_touch_order = True
    clock = _clock(sb)
    order = client.get("orders/100004", params={"expand": "items"}).json()
    item_id = order["items"][0]["id"]
    clock.advance(60)
    item = client.put(f"order_items/{item_id}", json={"line_item_note": "fragile"}).json()
    assert parse_cartcom_time(item["updated_at"]) == parse_cartcom_time(
        client.get("orders/100004").json()["updated_at"]
    )
    assert parse_cartcom_time(item["updated_at"]) > parse_cartcom_time(order["updated_at"])
    clock.advance(60)
    address_id = order["order_billing_address_id"]
    address = client.put(f"order_addresses/{address_id}", json={"city": "Austin"}).json()
    assert client.get("orders/100004").json()["updated_at"] == address["updated_at"]


def test_by_default_a_child_change_leaves_the_orders_updated_at(
    sb: Sandbox, client: httpx.Client
) -> None:
    clock = _clock(sb)
    order = client.get("orders/100004", params={"expand": "items"}).json()
    clock.advance(60)
    item = client.put(f"order_items/{order['items'][0]['id']}", json={"line_item_note": "x"})
    assert parse_cartcom_time(item.json()["updated_at"]) > parse_cartcom_time(order["updated_at"])
    assert client.get("orders/100004").json()["updated_at"] == order["updated_at"]


def test_updated_at_is_on_the_sql_server_grid(sb: Sandbox, client: httpx.Client) -> None:
    _clock(sb).advance(0.0015)  # 1.5 ms -> rounds to the 1/300 s grid
    stamp = client.put("orders/100000", json={"admin_comments": "x"}).json()["updated_at"]
    fraction = stamp.split(".")[1][:3] if "." in stamp else ""
    assert fraction == "" or fraction.ljust(3, "0")[-1] in "037"


def test_order_status_endpoint_records_previous_status(client: httpx.Client) -> None:
    order = client.get("orders/100001").json()
    target = 12 if order["order_status_id"] != 12 else 5
    changed = client.put("orders/100001/status", json={"order_status_id": target})
    assert changed.status_code == 200
    body = changed.json()
    assert body["order_status_id"] == target
    assert body["previous_order_status_id"] == order["order_status_id"]
    assert body["order_status_last_changed_at"] == body["updated_at"]
    assert client.put("orders/100001/status", json={"order_status_id": 999}).status_code == 409
    assert client.put("orders/1/status", json={"order_status_id": 5}).status_code == 404


def test_plain_put_of_status_skips_the_side_effects(client: httpx.Client) -> None:
    order = client.get("orders/100003").json()
    target = 14 if order["order_status_id"] != 14 else 6
    body = client.put("orders/100003", json={"order_status_id": target}).json()
    assert body["previous_order_status_id"] == order["previous_order_status_id"]


def _pending_order(client: httpx.Client, sb: Sandbox) -> dict[str, object]:
    created = sb.store.create_order()
    return dict(client.get(f"orders/{created['id']}", params={"expand": "items"}).json())


def test_shipment_upsert_by_name_then_by_id(sb: Sandbox, client: httpx.Client) -> None:
    order = _pending_order(client, sb)
    items = order["items"]
    assert isinstance(items, list)
    first = items[0]
    body = {
        "order_id": order["id"],
        "shipment_name": "hub-42",
        "shipping_method": "UPS Ground",
        "tracking_numbers": "1Z1",
        "items": [{"id": first["id"], "quantity_shipped": 1}],
    }
    created = client.post("order_shipments", json=body)
    assert created.status_code == 201
    shipment = created.json()
    assert shipment["shipping_method_id"] == 1  # filled from the method name
    assert shipment["items"] == [
        {
            "id": first["id"],
            "quantity_shipped": 1,
            "product_id": first["product_id"],
            "item_name": first["item_name"],
            "item_nr": first["item_number"],
        }
    ]
    again = client.post(
        "order_shipments", json={**body, "shipment_name": "HUB-42", "tracking_numbers": "1Z2"}
    )
    assert again.status_code == 200
    assert again.json()["id"] == shipment["id"]
    by_id = client.post("order_shipments", json={"id": shipment["id"], "tracking_numbers": "1Z3"})
    assert by_id.status_code == 200
    assert by_id.json()["tracking_numbers"] == "1Z3"
    listed = client.get(f"orders/{order['id']}/shipments").json()
    assert listed["total_count"] == 1
    assert client.get(f"orders/{order['id']}").json()["updated_at"] == by_id.json()["updated_at"]


def test_shipment_quantities_are_validated(sb: Sandbox, client: httpx.Client) -> None:
    order = _pending_order(client, sb)
    items = order["items"]
    assert isinstance(items, list)
    item = items[0]
    too_many = {
        "order_id": order["id"],
        "shipment_name": "a",
        "items": [{"id": item["id"], "quantity_shipped": item["quantity"] + 1}],
    }
    assert client.post("order_shipments", json=too_many).status_code == 409
    foreign = {"order_id": order["id"], "items": [{"id": 1, "quantity_shipped": 1}]}
    assert client.post("order_shipments", json=foreign).status_code == 409
    by_number = {
        "order_id": order["id"],
        "shipment_name": "b",
        "items": [{"item_nr": item["item_number"], "quantity_shipped": 1}],
    }
    if item["item_number"]:
        assert client.post("order_shipments", json=by_number).status_code == 201
    assert client.post("order_shipments", json={"shipment_name": "x"}).status_code == 409
