"""Tokens and scopes (401/403), the per-plan rate limit (429, Retry-After, X-AC-Call-Limit)."""

from __future__ import annotations

import pytest
from cartcom_sandbox_support import client_for, make_sandbox

from orderhub.clock import FakeClock
from orderhub.connectors.cartcom.sandbox import Sandbox


def test_missing_or_unknown_token_is_401_with_the_envelope(shared: Sandbox) -> None:
    with client_for(shared, token="") as anonymous:
        response = anonymous.get("orders")
    assert response.status_code == 401
    body = response.json()
    assert body["status_code"] == 401
    assert body["message"] == "Unauthorized"
    with client_for(shared, token="not-a-token") as wrong:
        assert wrong.get("orders").status_code == 401


def test_a_token_without_the_scope_gets_403_naming_the_scopes(shared: Sandbox) -> None:
    token = shared.mint_token(["read_people"])
    with client_for(shared, token=token) as people:
        denied = people.get("orders")
        assert people.get("customers", params={"count": "1"}).status_code == 200
    assert denied.status_code == 403
    assert denied.json() == {
        "status_code": 403,
        "message": "Forbidden",
        "details": "This token does not have the 'read_orders' or 'orders' scope required for "
        "orders",
    }


@pytest.mark.parametrize(
    ("scopes", "resource", "status"),
    [
        (["read_orders"], "order_statuses", 200),
        (["orders"], "order_shipments", 200),
        (["read_orders"], "customers", 403),
        (["people"], "customers", 200),
        (["settings"], "stores", 403),
        (["system"], "stores", 200),
    ],
)
def test_scope_per_resource(shared: Sandbox, scopes: list[str], resource: str, status: int) -> None:
    with client_for(shared, token=shared.mint_token(scopes)) as c:
        assert c.get(resource, params={"count": "1"}).status_code == status


def test_writes_need_the_write_scope(sb: Sandbox) -> None:
    with client_for(sb, token=sb.mint_token(["read_orders"])) as reader:
        response = reader.put("orders/100000", json={"admin_comments": "x"})
    assert response.status_code == 403
    assert "'orders' scope required to change orders" in response.json()["details"]
    with client_for(sb, token=sb.mint_token(["orders"])) as writer:
        assert writer.put("orders/100000", json={"admin_comments": "x"}).status_code == 200


def test_unknown_scope_cannot_be_minted(shared: Sandbox) -> None:
    with pytest.raises(ValueError, match="unknown scopes"):
        shared.mint_token(["read_everything"])


def test_steel_plan_allows_five_calls_per_ten_seconds() -> None:
    clock = FakeClock()
    sb = make_sandbox(plan="steel", clock=clock)
    with client_for(sb) as c:
        headers = [c.get("order_statuses").headers["X-AC-Call-Limit"] for _ in range(5)]
        assert headers == ["1/5", "2/5", "3/5", "4/5", "5/5"]
        refused = c.get("order_statuses")
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "10"
        assert refused.headers["X-AC-Call-Limit"] == "5/5"
        assert refused.json()["status_code"] == 429
        clock.advance(3.5)
        again = c.get("order_statuses")
        assert again.status_code == 429
        assert again.headers["Retry-After"] == "7"  # whole seconds, rounded up
        clock.advance(6.5)
        fresh = c.get("order_statuses")
        assert fresh.status_code == 200
        assert fresh.headers["X-AC-Call-Limit"] == "1/5"  # refused calls did not count


def test_window_opens_at_the_first_call_after_the_previous_one_ended() -> None:
    clock = FakeClock()
    sb = make_sandbox(plan="steel", clock=clock)
    with client_for(sb) as c:
        c.get("order_statuses")
        clock.advance(25)  # idle: the next call opens a new window
        for _ in range(4):
            c.get("order_statuses")
        clock.advance(9.9)
        assert c.get("order_statuses").headers["X-AC-Call-Limit"] == "5/5"
        assert c.get("order_statuses").headers["Retry-After"] == "1"  # at least 1


@pytest.mark.parametrize(("plan", "limit"), [("bronze", 10), ("silver", 20), ("gold", 50)])
def test_plans(plan: str, limit: int) -> None:
    sb = make_sandbox(plan=plan, orders=5)
    with client_for(sb) as c:
        statuses = [c.get("stores").status_code for _ in range(limit + 1)]
    assert statuses == [200] * limit + [429]


def test_unlimited_reports_10000_and_never_refuses(shared: Sandbox) -> None:
    with client_for(shared) as c:
        for _ in range(60):
            response = c.get("stores")
            assert response.status_code == 200
    used, limit = response.headers["X-AC-Call-Limit"].split("/")
    assert limit == "10000"
    assert int(used) >= 60


def test_401_answers_carry_the_call_limit_but_do_not_count() -> None:
    sb = make_sandbox(plan="steel")
    with client_for(sb, token="nope") as bad:
        assert bad.get("orders").headers["X-AC-Call-Limit"] == "0/5"
    with client_for(sb) as good:
        assert good.get("stores").headers["X-AC-Call-Limit"] == "1/5"
