"""List envelope, paging, sort, fields, expand, single records, nested lists, select_many."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
from cartcom_sandbox_support import all_records


def test_envelope_has_total_and_array_named_after_resource(api: httpx.Client) -> None:
    body = api.get("orders", params={"count": "10"}).json()
    assert list(body) == ["total_count", "next_page", "orders"]
    assert body["total_count"] == 300
    assert len(body["orders"]) == 10
    assert body["orders"][0]["id"] == 100000


def test_page_links_keep_the_query_and_exist_only_when_the_page_does(api: httpx.Client) -> None:
    first = api.get("orders", params={"count": "100", "sort": "-id", "fields": "id"}).json()
    assert "previous_page" not in first
    next_url = urlsplit(first["next_page"])
    assert next_url.scheme == "http"
    assert next_url.netloc == "store.test"
    assert next_url.path == "/api/v1/orders"
    assert parse_qs(next_url.query) == {
        "count": ["100"],
        "sort": ["-id"],
        "fields": ["id"],
        "page": ["2"],
    }
    last = api.get(first["next_page"].replace("page=2", "page=3")).json()
    assert "next_page" not in last
    assert parse_qs(urlsplit(last["previous_page"]).query)["page"] == ["2"]
    assert [o["id"] for o in last["orders"]] == list(range(100099, 99999, -1))


def test_page_past_the_end_is_404_but_an_empty_filter_is_200(api: httpx.Client) -> None:
    past = api.get("orders", params={"page": "4"})
    assert past.status_code == 404
    assert past.json() == {
        "status_code": 404,
        "message": "Not Found",
        "details": "Page out of range",
    }
    empty = api.get("orders", params={"id": "lt:5"})
    assert empty.status_code == 200
    assert empty.json() == {"total_count": 0, "orders": []}


def test_count_defaults_to_100_and_is_clamped_to_the_maximum(api: httpx.Client) -> None:
    assert len(api.get("order_items").json()["order_items"]) == 100
    assert len(api.get("order_items", params={"count": "5000"}).json()["order_items"]) == 250
    bad = api.get("orders", params={"count": "0"})
    assert bad.status_code == 400
    assert api.get("orders", params={"page": "x"}).status_code == 400


def test_sort_by_several_fields_with_descending(api: httpx.Client) -> None:
    rows = all_records(
        api, "orders", sort="order_status_id,-grand_total", fields="id,order_status_id,grand_total"
    )
    keys = [(r["order_status_id"], -float(r["grand_total"])) for r in rows]  # type: ignore[arg-type]
    assert keys == sorted(keys)
    assert api.get("orders", params={"sort": "nope"}).status_code == 400


def test_fields_limit_columns_and_naming_a_nested_collection_expands_it(
    api: httpx.Client,
) -> None:
    order = api.get("orders", params={"fields": "id,grand_total,items", "count": "1"}).json()
    record = order["orders"][0]
    assert list(record) == ["id", "grand_total", "items"]
    assert record["items"]
    assert record["items"][0]["order_id"] == record["id"]
    only = api.get("orders", params={"fields": "grand_total", "count": "1"}).json()["orders"][0]
    assert list(only) == ["grand_total"]  # id is not added implicitly
    assert api.get("orders", params={"fields": "id,bogus"}).status_code == 400


def test_expand_fills_nested_collections(api: httpx.Client) -> None:
    plain = api.get("orders/100003").json()
    assert "items" not in plain
    assert "payments" not in plain
    full = api.get("orders/100003", params={"expand": "items,payments,shipments"}).json()
    assert {"items", "payments", "shipments"} <= set(full)
    assert all(i["order_id"] == 100003 for i in full["items"])
    assert "custom_fields" not in full
    assert api.get("orders", params={"expand": "nothing"}).status_code == 400


def test_single_record_filled_and_nested_lists(api: httpx.Client) -> None:
    assert api.get("orders/99").status_code == 404
    assert api.get("orders/abc").status_code == 404
    filled = api.get("orders/100010/filled").json()
    assert {"items", "payments", "shipments", "custom_fields"} <= set(filled)
    items = api.get("orders/100010/items", params={"sort": "-id", "fields": "id,quantity"}).json()
    assert items["total_count"] == len(filled["items"])
    assert [i["id"] for i in items["items"]] == sorted(
        (i["id"] for i in filled["items"]), reverse=True
    )
    assert set(items["items"][0]) == {"id", "quantity"}
    assert api.get("orders/100010/nothing").status_code == 404
    extra = api.get("customers/1/additional_emails").json()
    assert extra == {"total_count": 0, "customer_additional_emails": []}


def test_json_suffix_works_on_every_path(api: httpx.Client) -> None:
    assert api.get("orders.json", params={"count": "1"}).json()["total_count"] == 300
    assert api.get("orders/100000.json").json()["id"] == 100000
    assert "items" in api.get("orders/100000/items.json").json()


def test_select_many_returns_the_found_ids_and_needs_ids(api: httpx.Client) -> None:
    body = api.get(
        "order_addresses/select_many", params={"ids": "5,1,3,999999", "fields": "id,city"}
    ).json()
    assert [a["id"] for a in body["order_addresses"]] == [1, 3, 5]
    assert body["total_count"] == 3
    desc = api.get("order_addresses/select_many", params={"ids": "5,1,3", "sort": "-id"}).json()
    assert [a["id"] for a in desc["order_addresses"]] == [5, 3, 1]
    missing = api.get("orders/select_many")
    assert missing.status_code == 400
    assert missing.json()["details"] == (
        "This method requires one or more resource IDs to be specified"
    )
    too_many = ",".join(str(i) for i in range(1, 252))
    assert api.get("customers/select_many", params={"ids": too_many}).status_code == 400
    assert api.get("customers/select_many", params={"ids": "1,x"}).status_code == 400


def test_select_many_expand(api: httpx.Client) -> None:
    body = api.get(
        "orders/select_many", params={"ids": "100001,100002", "expand": "payments"}
    ).json()
    assert all("payments" in o for o in body["orders"])


def test_unknown_resource_and_method(api: httpx.Client) -> None:
    assert api.get("nonsense").status_code == 404
    assert api.post("stores", json={"name": "x"}).status_code == 405
    assert api.get("").status_code == 404
