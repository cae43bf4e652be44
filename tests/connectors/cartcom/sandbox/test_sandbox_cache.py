"""The server-side GET cache: stale bodies without no-cache, headers, TTL, counting."""

from __future__ import annotations

from cartcom_sandbox_support import client_for, make_sandbox

from orderhub.clock import FakeClock


def test_a_client_without_no_cache_reads_stale_data() -> None:
    clock = FakeClock()
    sb = make_sandbox(cache_ttl_seconds=30.0, clock=clock)
    with client_for(sb) as c:
        before = c.get("orders/100005").json()
        sb.store.update_order(100005, admin_comments="changed")
        stale = c.get("orders/100005")
        assert stale.json() == before
        fresh = c.get("orders/100005", headers={"Cache-Control": "no-cache"}).json()
        assert fresh["admin_comments"] == "changed"
        assert fresh["updated_at"] != before["updated_at"]
        # the no-cache read refreshed the entry
        assert c.get("orders/100005").json()["admin_comments"] == "changed"


def test_cache_headers_and_expiry() -> None:
    clock = FakeClock()
    sb = make_sandbox(cache_ttl_seconds=30.0, clock=clock)
    with client_for(sb) as c:
        first = c.get("orders", params={"count": "1"})
        assert first.headers["Cache-Control"] == "private, max-age=30"
        assert first.headers["Last-Modified"].endswith("GMT")
        assert "Expires" in first.headers
        sb.store.create_order()
        clock.advance(12)
        cached = c.get("orders", params={"count": "1"})
        assert cached.json()["total_count"] == 300
        assert cached.headers["Cache-Control"] == "private, max-age=18"
        assert cached.headers["Last-Modified"] == first.headers["Last-Modified"]
        clock.advance(18)
        assert c.get("orders", params={"count": "1"}).json()["total_count"] == 301


def test_cache_is_per_token_and_per_full_url() -> None:
    sb = make_sandbox(cache_ttl_seconds=30.0)
    other = sb.mint_token(["read_orders"])
    with client_for(sb) as c, client_for(sb, token=other) as d:
        c.get("orders", params={"count": "1"})
        sb.store.create_order()
        assert c.get("orders", params={"count": "1"}).json()["total_count"] == 300
        assert d.get("orders", params={"count": "1"}).json()["total_count"] == 301
        assert c.get("orders", params={"count": "2"}).json()["total_count"] == 301


def test_cached_answers_count_against_the_limit_and_in_the_call_log() -> None:
    sb = make_sandbox(cache_ttl_seconds=30.0, plan="steel")
    with client_for(sb) as c:
        codes = [c.get("stores").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert sb.calls()["byEndpoint"]["GET /stores"] == 6


def test_ttl_zero_disables_the_cache() -> None:
    sb = make_sandbox(cache_ttl_seconds=0)
    with client_for(sb) as c:
        c.get("orders", params={"count": "1"})
        sb.store.create_order()
        assert c.get("orders", params={"count": "1"}).json()["total_count"] == 301
