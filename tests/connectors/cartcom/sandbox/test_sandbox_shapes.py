"""Shapes as the docs show them: `/filled?fields=` trims, the customers' additional emails
under `customer_additional_emails`, enum text, `master_product_id` 0, and Cart.com's JSON
error envelope even for a number that overflows (in process)."""

from __future__ import annotations

import httpx
import pytest


def test_filled_with_fields_gives_only_the_fields_asked(api: httpx.Client) -> None:
    everything = api.get("customers/1/filled").json()
    assert {"addresses", "custom_fields", "customer_additional_emails"} <= set(everything)
    trimmed = api.get("customers/1/filled", params={"fields": "id,email"}).json()
    assert trimmed == {"id": 1, "email": everything["email"]}
    one_nested = api.get("orders/100000/filled", params={"fields": "id,items"}).json()
    assert list(one_nested) == ["id", "items"]
    assert one_nested["items"]


@pytest.mark.parametrize("name", ["additional_emails", "customer_additional_emails"])
def test_a_customers_additional_emails_come_under_their_documented_key(
    api: httpx.Client, name: str
) -> None:
    customer = api.get("customers/1", params={"expand": name}).json()
    assert customer["customer_additional_emails"] == []
    assert "additional_emails" not in customer
    nested = api.get(f"customers/1/{name}").json()
    assert nested == {"total_count": 0, "customer_additional_emails": []}


def test_products_show_enum_text_and_a_zero_master_product(api: httpx.Client) -> None:
    product = api.get("products/1").json()
    assert product["e_product_type"] == "NotAnEProduct"
    assert product["rate_adjustment_type"] == "AutoCalculation"
    assert product["master_product_id"] == 0


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("order_statuses", {"name": "Big", "email_template_id": 10**20}),
        ("order_statuses", {"name": "Big", "email_template_id": 2**31}),
        ("products", {"item_name": "X", "price": 1e300, "primary_category_id": 1}),
    ],
)
def test_an_overflowing_number_is_a_409_in_the_json_envelope(
    client: httpx.Client, path: str, body: dict[str, object]
) -> None:
    answer = client.post(path, json=body)
    assert answer.status_code == 409
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["status_code"] == 409
    assert "out of range" in answer.json()["details"]


def test_a_put_with_an_overflowing_number_is_refused_too(client: httpx.Client) -> None:
    answer = client.put("products/1", json={"quantity_on_hand": 10**30})
    assert (answer.status_code, answer.json()["status_code"]) == (409, 409)
    assert client.get("products/1").json()["quantity_on_hand"] != 10**30
