"""Test helpers, realism switches, call log, reset, and fault injection (in-process)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
from cartcom_sandbox_support import all_records, client_for, make_sandbox

from orderhub.clock import FakeClock
from orderhub.connectors.cartcom.sandbox import Sandbox
from orderhub.connectors.cartcom.timestamps import parse_cartcom_time


def test_burst_orders_share_one_updated_at(sb: Sandbox, client: httpx.Client) -> None:
    stamp = datetime(2026, 3, 20, 14, 0, 0, 123000, tzinfo=UTC)
    ids = sb.store.burst_orders(5, updated_at=stamp)
    assert len(ids) == 5
    body = client.get(
        "orders/select_many", params={"ids": ",".join(map(str, ids)), "fields": "updated_at"}
    ).json()
    values = {o["updated_at"] for o in body["orders"]}
    assert len(values) == 1
    assert parse_cartcom_time(values.pop()) == datetime(2026, 3, 20, 14, 0, 0, 123000, tzinfo=UTC)
    assert sb.store.order_count() == 305


def test_seeded_history_has_bursts(shared: Sandbox) -> None:
    with client_for(shared) as c:
        orders = all_records(c, "orders", fields="id,updated_at")
    stamps = [o["updated_at"] for o in orders]
    assert max(stamps.count(s) for s in set(stamps)) >= 15


def test_create_and_update_helpers(sb: Sandbox) -> None:
    order = sb.store.create_order(order_status_id=5)
    assert order["id"] == 100300
    assert order["order_status_id"] == 5
    assert "items" not in order
    full = sb.store.get_order(order["id"])
    assert full is not None
    assert full["items"]
    assert full["payments"]
    assert isinstance(sb.clock, FakeClock)
    sb.clock.advance(5)
    changed = sb.store.update_order(order["id"], admin_comments="hi")
    assert changed["admin_comments"] == "hi"
    assert changed["updated_at"] != order["updated_at"]
    assert sb.store.get_order(1) is None
    with pytest.raises(KeyError):
        sb.store.update_order(1, admin_comments="x")


def test_mutate_while_paging_moves_orders_between_pages(sb: Sandbox, client: httpx.Client) -> None:
    sb.realism.mutate_while_paging = 3
    assert isinstance(sb.clock, FakeClock)
    sb.clock.advance(1)
    first = client.get("orders", params={"sort": "updated_at,id", "count": "100"}).json()
    recent = client.get("orders", params={"updated_at": "gte:2026-03-20T15:00:00Z"}).json()
    assert recent["total_count"] >= 3  # the first page made at least three fresh updates
    assert first["total_count"] == 300


def test_visibility_lag_hides_new_and_changed_records_from_lists(
    sb: Sandbox, client: httpx.Client
) -> None:
    clock = sb.clock
    assert isinstance(clock, FakeClock)
    sb.realism.visibility_lag_seconds = 5
    new = sb.store.create_order()
    old = client.get("orders/100010").json()
    sb.store.update_order(100010, admin_comments="late")
    assert client.get(f"orders/{new['id']}").status_code == 200  # by id: at once
    listed = client.get("orders", params={"count": "250", "page": "2", "fields": "id"}).json()
    assert new["id"] not in [o["id"] for o in listed["orders"]]
    assert listed["total_count"] == 300
    shown = client.get("orders", params={"id": "eq:100010"}).json()["orders"][0]
    assert shown["admin_comments"] == old["admin_comments"]  # previous version
    recent = client.get("orders", params={"updated_at": "gte:2026-03-20T15:00:00Z"}).json()
    assert recent["total_count"] == 0
    clock.advance(5)
    recent = client.get(
        "orders", params={"updated_at": "gte:2026-03-20T15:00:00Z", "fields": "id,admin_comments"}
    ).json()
    assert {o["id"] for o in recent["orders"]} == {new["id"], 100010}
    assert client.get("orders", params={"count": "1"}).json()["total_count"] == 301


def test_call_log_counts_every_api_call_per_endpoint_template(
    sb: Sandbox, client: httpx.Client
) -> None:
    client.get("orders")
    client.get("orders/100001")
    client.get("orders/100002.json")
    client.get("orders/100002/items")
    client.get("order_addresses/select_many", params={"ids": "1"})
    client.put("orders/100002/status", json={"order_status_id": 5})
    client.get("http://store.test/_sandbox/orders/count")
    calls = sb.calls()
    assert calls["total"] == 6
    assert calls["byEndpoint"] == {
        "GET /orders": 1,
        "GET /orders/{id}": 2,
        "GET /orders/{id}/items": 1,
        "GET /order_addresses/select_many": 1,
        "PUT /orders/{id}/status": 1,
    }


def test_reset_restores_data_but_keeps_the_call_log(sb: Sandbox, client: httpx.Client) -> None:
    before = client.get("orders/100007", params={"expand": "items"}).json()
    client.put("orders/100007", json={"admin_comments": "changed"})
    client.delete(f"order_items/{before['items'][0]['id']}")
    sb.store.burst_orders(4)
    client.post("customers", json={"email": "a@b.c"})
    sb.reset()
    assert sb.store.order_count() == 300
    assert client.get("orders/100007", params={"expand": "items"}).json() == before
    assert client.get("customers", params={"count": "1"}).json()["total_count"] == 120
    assert sb.calls()["total"] == 6
    assert sb.store.create_order()["id"] == 100300


def test_reset_over_http(sb: Sandbox, client: httpx.Client) -> None:
    sb.store.burst_orders(2)
    response = client.post("http://store.test/_sandbox/reset")
    assert response.json() == {"ok": True, "orders": 300}


def test_control_endpoints(sb: Sandbox, client: httpx.Client) -> None:
    token = client.post(
        "http://store.test/_sandbox/tokens", json={"scopes": ["read_people"]}
    ).json()["token"]
    with client_for(sb, token=token) as people:
        assert people.get("orders").status_code == 403
    ids = client.post(
        "http://store.test/_sandbox/orders", json={"count": 3, "sameUpdatedAt": True}
    ).json()["ids"]
    assert len(ids) == 3
    touched = client.post(f"http://store.test/_sandbox/orders/{ids[0]}/touch").json()
    assert touched["id"] == ids[0]
    assert client.get("http://store.test/_sandbox/orders/count").json() == {"count": 303}
    faults = client.post(
        "http://store.test/_sandbox/faults", json={"fail_next": {"n": 1, "kind": "500"}}
    ).json()
    assert faults["scheduled"] == [{"kind": "500", "endpoint": None, "remaining": 1}]
    assert client.get("stores").status_code == 500
    realism = client.post(
        "http://store.test/_sandbox/realism", json={"mutate_while_paging": 2}
    ).json()
    assert realism == {
        "mutate_while_paging": 2,
        "visibility_lag_seconds": 0.0,
        "postal_code_as": "integer",
        "order_children_touch_order": False,
    }
    assert (
        client.post(
            "http://store.test/_sandbox/faults", json={"fail_next": {"kind": "boom"}}
        ).status_code
        == 400
    )


def test_scheduled_faults_hit_only_their_endpoint(sb: Sandbox, client: httpx.Client) -> None:
    sb.faults.fail_next(2, "500", endpoint="GET /orders")
    assert client.get("orders/100000").status_code == 200
    first = client.get("orders")
    assert first.status_code == 500
    assert first.json()["status_code"] == 500
    assert client.get("orders").status_code == 500
    assert client.get("orders").status_code == 200


def test_malformed_truncated_and_forced_429(sb: Sandbox, client: httpx.Client) -> None:
    sb.faults.fail_next(1, "malformed")
    bad = client.get("orders", params={"count": "2"})
    assert bad.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        bad.json()
    sb.faults.fail_next(1, "truncated")
    cut = client.get("orders", params={"count": "2"})
    with pytest.raises(json.JSONDecodeError):
        cut.json()
    sb.faults.fail_next(1, "429")
    limited = client.get("orders")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    sb.faults.fail_next(1, "reset")
    with pytest.raises(httpx.ReadError):
        client.get("orders")


def test_slow_fault_delays_the_answer(sb: Sandbox, client: httpx.Client) -> None:
    import time

    sb.faults.slow_seconds = 0.2
    sb.faults.fail_next(1, "slow")
    started = time.monotonic()
    assert client.get("stores").status_code == 200
    assert time.monotonic() - started >= 0.2


def test_fault_rates_are_seeded_and_repeatable() -> None:
    def run() -> list[int]:
        sb = make_sandbox(orders=5)
        sb.faults.error_500_rate = 0.3
        with client_for(sb) as c:
            return [c.get("stores").status_code for _ in range(40)]

    first, second = run(), run()
    assert first == second
    assert 0 < first.count(500) < 40


SHOWCASE_LINES = ("1 Federal St", "100 Summer St", "151 Calle San Francisco", "80 Wellington St")


def _showcase_postal_codes(client: httpx.Client) -> dict[str, object]:
    rows = all_records(client, "order_addresses", fields="address_line_1,postal_code")
    return {
        str(r["address_line_1"]): r["postal_code"]
        for r in rows
        if r["address_line_1"] in SHOWCASE_LINES
    }


def test_postal_code_as_integer_by_default_as_the_spec_types_it_or_as_text(
    sb: Sandbox, client: httpx.Client
) -> None:
    assert sb.realism.postal_code_as == "integer"
    assert _showcase_postal_codes(client) == {
        "1 Federal St": 2187,
        "100 Summer St": 21871234,  # a ZIP+4: the nine digits an integer column holds
        "151 Calle San Francisco": 901,
        "80 Wellington St": "K1A 0B1",  # cannot be a number
    }
    switched = client.post(
        "http://store.test/_sandbox/realism", json={"postal_code_as": "string"}
    ).json()
    assert switched["postal_code_as"] == "string"
    assert _showcase_postal_codes(client) == {
        "1 Federal St": "02187",
        "100 Summer St": "02187-1234",
        "151 Calle San Francisco": "00901",
        "80 Wellington St": "K1A 0B1",
    }
    found = client.get("order_addresses", params={"city": "San Juan", "fields": "id"}).json()
    address_id = found["order_addresses"][0]["id"]
    assert client.get(f"order_addresses/{address_id}").json()["postal_code"] == "00901"
    sb.realism.postal_code_as = "integer"
    assert client.get(f"order_addresses/{address_id}").json()["postal_code"] == 901


def test_postal_code_as_refuses_other_forms(sb: Sandbox, client: httpx.Client) -> None:
    answer = client.post("http://store.test/_sandbox/realism", json={"postal_code_as": "float"})
    assert answer.status_code == 400
    assert "postal_code_as" in answer.json()["error"]
    with pytest.raises(ValueError, match="postal_code_as"):
        sb.realism.postal_code_as = "number"
    assert sb.realism.postal_code_as == "integer"


def test_compiled_renderer_matches_the_reference_in_both_postal_forms(sb: Sandbox) -> None:
    table = sb.store.tables["order_addresses"]
    names = table.spec.column_names()
    rendered = {}
    for form in ("integer", "string", "integer"):  # back again: compiled renderers follow
        sb.realism.postal_code_as = form
        rendered[form] = [table.render(row, names) for row in range(len(table))]
        assert rendered[form] == [table.render_slow(row, names) for row in range(len(table))]
    assert rendered["string"] != rendered["integer"]
