"""The sandbox's open-question switches (`sb.answers`, `/_sandbox/answers`): each answer does
what docs/sandbox.md says, and a bad switch or value is refused."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest
from cartcom_sandbox_support import client_for, make_sandbox

from orderhub.connectors.cartcom.sandbox.answers import CHOICES


def _first_order(client: httpx.Client) -> dict[str, Any]:
    found: dict[str, Any] = client.get("orders", params={"count": "1", "expand": "items"}).json()[
        "orders"
    ][0]
    return found


def test_defaults_are_listed_first_and_reported() -> None:
    sb = make_sandbox(orders=3, products=3)
    answers = sb.answers.to_dict()
    assert {k: answers[k] for k in CHOICES} == {k: v[0] for k, v in CHOICES.items()}
    assert answers["timezone"] == "America/Chicago"


@pytest.mark.parametrize(
    "change",
    [
        {"over_shipping": "maybe"},
        {"missing_scope_status": "401"},  # a number, not text
        {"timestamps_in_utc": 1},
        {"no_such_switch": True},
        {"timezone": "Mars/Olympus"},
    ],
)
def test_a_bad_switch_or_value_is_refused_and_changes_nothing(change: dict[str, Any]) -> None:
    sb = make_sandbox(orders=3, products=3)
    before = sb.answers.to_dict()
    with pytest.raises(ValueError, match=r"must be|unknown"):
        sb.answers.update(change)
    assert sb.answers.to_dict() == before


def test_the_http_control_reads_and_sets_the_answers(client: httpx.Client) -> None:
    url = "http://store.test/_sandbox/answers"
    set_ = client.post(url, json={"unknown_id_post": "given-id", "timezone": "Asia/Kolkata"})
    assert set_.status_code == 200
    assert (set_.json()["unknown_id_post"], set_.json()["timezone"]) == ("given-id", "Asia/Kolkata")
    assert client.post(url, json={"unknown_id_post": "x"}).status_code == 400
    assert client.get(url).json()["unknown_id_post"] == "given-id"
    assert _first_order(client)["updated_at"].endswith("+05:30")


@pytest.mark.parametrize(("status", "names_scope"), [(403, True), (401, False)])
def test_a_missing_scope_is_answered_with_the_chosen_status(status: int, names_scope: bool) -> None:
    sb = make_sandbox(orders=3, products=3)
    sb.answers.update({"missing_scope_status": status})
    with client_for(sb, sb.mint_token(["read_orders"])) as client:
        refused = client.get("products")
    assert refused.status_code == status
    assert ("catalog" in refused.json()["details"]) is names_scope


@pytest.mark.parametrize("form", ["seconds", "http-date", "garbage"])
def test_retry_after_takes_the_chosen_form(form: str) -> None:
    sb = make_sandbox(orders=3, products=3, plan="steel")
    sb.answers.update({"retry_after_as": form})
    with client_for(sb) as client:
        for _ in range(5):
            assert client.get("order_statuses").status_code == 200
        refused = client.get("order_statuses")
    assert refused.status_code == 429
    value = refused.headers["retry-after"]
    if form == "seconds":
        assert value == "10"
    elif form == "http-date":
        wait = parsedate_to_datetime(value) - parsedate_to_datetime(refused.headers["date"])
        assert wait.total_seconds() == 10
    else:
        assert value == "soon"


@pytest.mark.parametrize(("answer", "left"), [("merge", 2), ("replace", 1)])
def test_shipment_items_merge_or_replace(answer: str, left: int) -> None:
    sb = make_sandbox(orders=3, products=10)
    sb.answers.update({"shipment_items": answer})
    orders = (sb.store.get_order(sb.store.create_order()["id"]) for _ in range(20))
    order = next(o for o in orders if o is not None and len(o["items"]) > 1)
    first, second = order["items"][0]["id"], order["items"][1]["id"]
    with client_for(sb) as client:
        body = {"order_id": order["id"], "shipment_name": "S", "items": [{"id": first}]}
        assert client.post("order_shipments", json=body).status_code == 201
        body["items"] = [{"id": second}]
        updated = client.post("order_shipments", json=body)
    assert updated.status_code == 200
    assert len(updated.json()["items"]) == left


@pytest.mark.parametrize(("answer", "status"), [("refuse", 409), ("accept", 201)])
def test_over_shipping_is_refused_or_stored(answer: str, status: int) -> None:
    sb = make_sandbox(orders=3, products=10)
    sb.answers.update({"over_shipping": answer})
    order = sb.store.get_order(sb.store.create_order()["id"])
    assert order is not None
    item = order["items"][0]
    too_many = {"id": item["id"], "quantity_shipped": item["quantity"] + 1}
    with client_for(sb) as client:
        made = client.post("order_shipments", json={"order_id": order["id"], "items": [too_many]})
    assert made.status_code == status


@pytest.mark.parametrize(("answer", "kept"), [("new-id", False), ("given-id", True)])
def test_a_post_with_an_unknown_id(answer: str, kept: bool) -> None:
    sb = make_sandbox(orders=3, products=3)
    sb.answers.update({"unknown_id_post": answer})
    body = {"id": 987654, "item_name": "Given", "price": 1.5, "primary_category_id": 1}
    with client_for(sb) as client:
        made = client.post("products", json={**body, "product_status_id": 1})
    assert made.status_code == 201, made.text
    assert (made.json()["id"] == 987654) is kept


@pytest.mark.parametrize("separator", [",", ", ", ";", "\n", " "])
def test_tracking_numbers_are_kept_with_the_stores_separator(separator: str) -> None:
    sb = make_sandbox(orders=3, products=3)
    sb.answers.update({"tracking_separator": separator})
    order_id = sb.store.create_order()["id"]
    body = {"order_id": order_id, "tracking_numbers": "1ZA, 1ZB;1ZC"}
    with client_for(sb) as client:
        made = client.post("order_shipments", json=body)
    assert made.json()["tracking_numbers"] == separator.join(["1ZA", "1ZB", "1ZC"])


@pytest.mark.parametrize(("answer", "moves"), [(True, True), (False, False)])
def test_inventory_writes_move_the_product_or_not(answer: bool, moves: bool) -> None:
    sb = make_sandbox(orders=3, products=10)
    sb.answers.update({"inventory_touches_product": answer})
    events: list[str] = []
    sb.store.listeners.append(lambda e: events.append(e.kind))
    with client_for(sb, **{"Cache-Control": "no-cache"}) as client:
        product = client.get(
            "products", params={"use_variant_inventory": "false", "count": "1"}
        ).json()["products"][0]
        sb.clock.advance(5)  # type: ignore[attr-defined]
        set_ = client.post("inventory/set", json={"product_id": product["id"], "quantity": 77})
        after = client.get(f"products/{product['id']}").json()
    assert set_.json()["quantity"] == after["quantity_on_hand"] == 77
    assert (after["updated_at"] != product["updated_at"]) is moves
    assert ("ProductUpdated" in events) is moves


def test_timestamps_follow_the_zone_and_the_utc_form() -> None:
    sb = make_sandbox(orders=3, products=3, timezone="Europe/Berlin")
    with client_for(sb) as client:
        local = _first_order(client)["updated_at"]
        sb.answers.update({"timestamps_in_utc": True})
        utc = _first_order(client)["updated_at"]
        naive = local[:19]  # the same wall-clock reading without its offset: read as Berlin's
        hits = client.get("orders", params={"updated_at": f"gte:{naive}", "fields": "id"})
    assert local.endswith(("+01:00", "+02:00"))
    assert utc.endswith("Z")
    assert hits.json()["total_count"] >= 1
