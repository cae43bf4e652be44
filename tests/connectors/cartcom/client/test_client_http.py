"""CartcomClient over httpx.MockTransport, on a fake clock: the wire rules of API-NOTES §1-9."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from orderhub import __version__
from orderhub.clock import FakeClock
from orderhub.connectors.cartcom.client import (
    CallRecord,
    CartcomClient,
    InvalidApiUrl,
    normalize_api_url,
)
from orderhub.connectors.cartcom.errors import (
    AuthenticationFailed,
    NetworkError,
    NotCartcom,
    NotFound,
    RateLimited,
    RedirectRefused,
    ServerError,
)
from orderhub.connectors.cartcom.pagination import KeysetPaginator, UpdatedCursor
from orderhub.connectors.cartcom.ratelimit import limiter_for, reset_limiters
from orderhub.connectors.cartcom.retry import RetryPolicy
from orderhub.connectors.cartcom.store_url import path_template

TOKEN = "tok_0123456789abcdefSECRET"
BASE = "https://shop.example.com/api/v1/"
Handler = Callable[[httpx.Request], httpx.Response]


class Harness:
    """A client wired to a handler, recording every request that reached the 'network'."""

    def __init__(self, handler: Handler, *, api_url: str = "https://shop.example.com") -> None:
        self.requests: list[httpx.Request] = []
        self.records: list[CallRecord] = []
        self.clock = FakeClock()
        self.handler = handler

        def transport(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return self.handler(request)

        self.http = httpx.Client(transport=httpx.MockTransport(transport))
        self.client = CartcomClient(
            api_url,
            TOKEN,
            http=self.http,
            clock=self.clock,
            retry=RetryPolicy(jitter=0.0),
            on_call=self.records.append,
        )


@pytest.fixture
def harness_factory() -> Iterator[Callable[..., Harness]]:
    made: list[Harness] = []

    def make(handler: Handler, **kwargs: Any) -> Harness:
        harness = Harness(handler, **kwargs)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.http.close()


def ok(payload: Any, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=payload, headers=headers)


# --- headers and bodies -----------------------------------------------------------------


def test_every_request_carries_token_accept_and_user_agent(harness_factory) -> None:
    h = harness_factory(lambda r: ok({"id": 1}))
    assert h.client.get("orders/1", {"expand": "items"}) == {"id": 1}
    request = h.requests[0]
    assert str(request.url) == BASE + "orders/1?expand=items"
    assert request.method == "GET"
    assert request.headers["X-AC-Auth-Token"] == TOKEN
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"] == f"OrderHub/{__version__}"
    assert request.headers["Cache-Control"] == "no-cache"


def test_fresh_false_allows_cached_reads(harness_factory) -> None:
    h = harness_factory(lambda r: ok({}))
    h.client.get("inventory/settings", fresh=False)
    assert "Cache-Control" not in h.requests[0].headers


def test_writes_send_json_bodies(harness_factory) -> None:
    h = harness_factory(lambda r: ok({"id": 7, "shipment_name": "hub-1"}, status=201))
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    created = h.client.post(
        "order_shipments",
        {"order_id": 5, "shipment_name": "hub-1", "cost": Decimal("4.50"), "shipped_at": when},
    )
    assert created == {"id": 7, "shipment_name": "hub-1"}
    request = h.requests[0]
    assert request.headers["Content-Type"] == "application/json"
    assert "Cache-Control" not in request.headers
    assert json.loads(request.content) == {
        "order_id": 5,
        "shipment_name": "hub-1",
        "cost": 4.5,
        "shipped_at": "2026-01-02T03:04:05+00:00",
    }


def test_put_and_delete(harness_factory) -> None:
    statuses = iter([200, 204, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(statuses)
        if request.method == "PUT":
            return ok({"id": 3, "order_status_id": 2}, status=status)
        return httpx.Response(status)

    h = harness_factory(handler)
    assert h.client.put("orders/3", {"order_status_id": 2}) == {"id": 3, "order_status_id": 2}
    h.client.delete("order_shipments/9")
    h.client.delete("order_shipments/10")
    assert [r.method for r in h.requests] == ["PUT", "DELETE", "DELETE"]


def test_on_call_reports_each_attempt_with_a_path_template(harness_factory) -> None:
    answers = iter([httpx.Response(503), ok({"id": 1})])
    h = harness_factory(lambda r: next(answers))
    h.client.get("orders/123/items")
    assert [(r.method, r.path_template, r.status, r.attempt) for r in h.records] == [
        ("GET", "/orders/{id}/items", 503, 1),
        ("GET", "/orders/{id}/items", 200, 2),
    ]
    assert h.client.calls == 2


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("orders", "/orders"),
        ("/orders/5/", "/orders/{id}"),
        ("orders/select_many?ids=1", "/orders/select_many"),
    ],
)
def test_path_template(path: str, template: str) -> None:
    assert path_template(path) == template


@pytest.mark.parametrize("path", ["https://evil.example.net/x", "//evil.example.net/x", "../x"])
def test_paths_must_stay_under_the_api_root(harness_factory, path: str) -> None:
    h = harness_factory(lambda r: ok({}))
    with pytest.raises(ValueError, match="relative"):
        h.client.get(path)
    assert h.requests == []


# --- URL normalisation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("https://x.americommerce.com", "https://x.americommerce.com/api/v1/"),
        ("https://x.americommerce.com/", "https://x.americommerce.com/api/v1/"),
        ("https://x.americommerce.com/api/v1", "https://x.americommerce.com/api/v1/"),
        ("https://X.AmeriCommerce.com/API/v1/", "https://x.americommerce.com/api/v1/"),
        ("  https://x.americommerce.com/api  ", "https://x.americommerce.com/api/v1/"),
        ("x.americommerce.com", "https://x.americommerce.com/api/v1/"),
        ("https://x.americommerce.com:443", "https://x.americommerce.com/api/v1/"),
        ("https://x.americommerce.com:8443/api/v1/", "https://x.americommerce.com:8443/api/v1/"),
        ("http://127.0.0.1:8018", "http://127.0.0.1:8018/api/v1/"),
        ("http://127.9.9.9:8018/api/v1/", "http://127.9.9.9:8018/api/v1/"),
        ("http://localhost:8018", "http://localhost:8018/api/v1/"),
        ("http://[::1]:8018/", "http://[::1]:8018/api/v1/"),
        ("https://münchen.example", "https://xn--mnchen-3ya.example/api/v1/"),
    ],
)
def test_api_url_normalisation(typed: str, normalised: str) -> None:
    assert normalize_api_url(typed) == normalised


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the store's API URL"),
        ("http://x.americommerce.com", "must use https://"),
        ("http://10.0.0.5:8018", "must use https://"),
        ("ftp://x.americommerce.com", "must start with https://"),
        ("https://x.americommerce.com/store/admin", "without a path"),
        ("https://user:pw@x.americommerce.com", "user name or password"),
        ("https://x.americommerce.com/?token=abc", "'?' or '#'"),
        ("https://x.americommerce.com:99999", "not a valid URL"),
    ],
)
def test_unusable_api_urls_are_refused_clearly(typed: str, message: str) -> None:
    with pytest.raises(InvalidApiUrl, match=message) as caught:
        normalize_api_url(typed)
    assert isinstance(caught.value, ValueError)
    assert "pw@" not in str(caught.value)


def test_client_refuses_plain_http_to_a_real_host() -> None:
    with httpx.Client() as http, pytest.raises(InvalidApiUrl):
        CartcomClient("http://shop.example.com", TOKEN, http=http)


@pytest.mark.parametrize("token", ["", "   ", "abc\ndef"])
def test_client_refuses_unusable_tokens(token: str) -> None:
    with httpx.Client() as http, pytest.raises(ValueError, match="token"):
        CartcomClient("https://shop.example.com", token, http=http)


def test_real_time_clients_share_the_store_limiter() -> None:
    reset_limiters()
    try:
        with httpx.Client() as http:
            one = CartcomClient("https://Shop.example.com/", TOKEN, http=http)
            two = CartcomClient("https://shop.example.com/api/v1", TOKEN, http=http)
            fake = CartcomClient("https://shop.example.com", TOKEN, http=http, clock=FakeClock())
        assert one.limiter is two.limiter is limiter_for("https://shop.example.com/api/v1/")
        assert fake.limiter is not one.limiter
    finally:
        reset_limiters()


# --- redirects ----------------------------------------------------------------------------


def test_redirect_to_another_host_is_refused_and_the_token_stays_home(harness_factory) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "shop.example.com":
            return httpx.Response(
                301, headers={"Location": "https://www.shop-example.net/api/v1/orders?token=x1"}
            )
        return ok({"orders": []})

    h = harness_factory(handler)
    with pytest.raises(RedirectRefused) as caught:
        h.client.get("orders")
    assert [r.url.host for r in h.requests] == ["shop.example.com"]
    assert "www.shop-example.net" in str(caught.value)
    assert "token=x1" not in str(caught.value)
    assert caught.value.location == "https://www.shop-example.net/api/v1/orders?token=***"


def test_redirect_downgrading_to_http_is_refused(harness_factory) -> None:
    h = harness_factory(
        lambda r: httpx.Response(302, headers={"Location": "http://shop.example.com/api/v1/x"})
    )
    with pytest.raises(RedirectRefused):
        h.client.get("orders")
    assert len(h.requests) == 1


def test_same_host_redirect_is_followed_once_with_method_and_token(harness_factory) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/orders/5":
            return httpx.Response(308, headers={"Location": "/api/v1/orders/5.json"})
        return ok({"id": 5})

    h = harness_factory(handler)
    assert h.client.put("orders/5", {"a": 1}) == {"id": 5}
    assert [(r.method, r.url.path) for r in h.requests] == [
        ("PUT", "/api/v1/orders/5"),
        ("PUT", "/api/v1/orders/5.json"),
    ]
    assert h.requests[1].headers["X-AC-Auth-Token"] == TOKEN
    assert json.loads(h.requests[1].content) == {"a": 1}
    assert h.client.calls == 2


def test_second_redirect_means_not_cartcom(harness_factory) -> None:
    h = harness_factory(lambda r: httpx.Response(302, headers={"Location": "/login"}))
    with pytest.raises(NotCartcom, match="more than once"):
        h.client.get("orders")
    assert len(h.requests) == 2


# --- odd hosts and broken bodies ----------------------------------------------------------


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, html="<!doctype html><title>My shop</title>"),
        httpx.Response(404, html="<html>Page not found</html>"),
        httpx.Response(200, text="hello", headers={"content-type": "text/plain"}),
        httpx.Response(200, json=[1, 2, 3]),
        httpx.Response(200),
    ],
)
def test_a_host_that_is_not_cartcom_fails_once(harness_factory, response: httpx.Response) -> None:
    h = harness_factory(lambda r: response)
    with pytest.raises(NotCartcom):
        h.client.get("orders", {"count": "1"})
    assert len(h.requests) == 1


def test_truncated_json_is_retried_then_reported_as_network_error(harness_factory) -> None:
    h = harness_factory(
        lambda r: httpx.Response(
            200, content=b'{"orders": [{"id": 1, "upd', headers={"content-type": "application/json"}
        )
    )
    with pytest.raises(NetworkError, match="cut off") as caught:
        h.client.get("orders")
    assert len(h.requests) == 5
    assert caught.value.attempts == 5
    assert h.clock.slept == [0.5, 1.0, 2.0, 4.0]


def test_truncated_json_then_whole_answer_succeeds(harness_factory) -> None:
    answers = iter([httpx.Response(200, content=b'{"id": 1'), ok({"id": 1})])
    h = harness_factory(lambda r: next(answers))
    assert h.client.get("orders/1") == {"id": 1}


def test_connection_errors_are_translated_with_cause(harness_factory) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    h = harness_factory(handler)
    with pytest.raises(NetworkError) as caught:
        h.client.get("orders")
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert len(h.requests) == 5
    assert [r.status for r in h.records] == [None] * 5


def test_fatal_answers_are_not_retried(harness_factory) -> None:
    h = harness_factory(
        lambda r: ok({"status_code": 401, "message": "Unauthorized", "details": "bad"}, 401)
    )
    with pytest.raises(AuthenticationFailed):
        h.client.get("orders")
    assert len(h.requests) == 1


def test_token_never_reaches_errors_or_logs(harness_factory, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="orderhub")
    answers = iter([httpx.Response(500, json={"message": "oops"}), ok({"message": "x"}, 404)])
    h = harness_factory(lambda r: next(answers))
    with pytest.raises(NotFound) as caught:
        h.client.get("orders/1", {"access_token": TOKEN})
    assert TOKEN not in str(caught.value)
    assert caplog.records
    assert TOKEN not in caplog.text
    assert "SECRET" not in repr(h.client)


# --- retries of writes ----------------------------------------------------------------------


def test_post_is_not_retried_when_it_may_have_been_applied(harness_factory) -> None:
    h = harness_factory(lambda r: httpx.Response(500))
    with pytest.raises(ServerError):
        h.client.post("order_shipments", {"shipment_name": "hub-1"})
    assert len(h.requests) == 1


def test_post_is_retried_when_it_surely_was_not_applied(harness_factory) -> None:
    answers: list[Callable[[httpx.Request], httpx.Response]] = [
        lambda r: httpx.Response(429, headers={"Retry-After": "1"}),
        lambda r: (_ for _ in ()).throw(httpx.ConnectError("refused", request=r)),
        lambda r: ok({"id": 9}, 201),
    ]
    h = harness_factory(lambda r: answers.pop(0)(r))
    assert h.client.post("order_shipments", {"shipment_name": "hub-1"}) == {"id": 9}
    assert len(h.requests) == 3


def test_idempotent_post_is_retried_on_server_errors(harness_factory) -> None:
    answers = iter([httpx.Response(502), ok({"quantity": 4})])
    h = harness_factory(lambda r: next(answers))
    assert h.client.post("inventory/set", {"product_id": 1, "quantity": 4}, idempotent=True) == {
        "quantity": 4
    }
    assert len(h.requests) == 2


# --- rate limiting through the client -------------------------------------------------------


def test_call_limit_header_paces_the_client(harness_factory) -> None:
    used = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        used["n"] = used["n"] % 5 + 1
        return ok({"id": 1}, **{"X-AC-Call-Limit": f"{used['n']}/5"})

    h = harness_factory(handler)
    for _ in range(5):
        h.client.get("orders/1")
    assert h.clock.slept == []
    h.client.get("orders/1")
    assert h.clock.monotonic() == pytest.approx(10.25)
    assert h.client.rate_limit_wait_seconds == pytest.approx(10.25)
    assert h.client.calls == 6


def test_429_retry_after_is_honoured(harness_factory) -> None:
    answers = iter(
        [
            ok(
                {"message": "Too Many Requests"},
                429,
                **{"Retry-After": "6", "X-AC-Call-Limit": "6/5"},
            ),
            ok({"id": 1}, **{"X-AC-Call-Limit": "1/5"}),
        ]
    )
    h = harness_factory(lambda r: next(answers))
    assert h.client.get("orders/1") == {"id": 1}
    assert h.clock.monotonic() >= 6.0
    assert h.client.rate_limit_wait_seconds >= 6.0
    assert [r.status for r in h.records] == [429, 200]


def test_persistent_429_gives_up_as_rate_limited(harness_factory) -> None:
    h = harness_factory(lambda r: ok({}, 429, **{"Retry-After": "2"}))
    with pytest.raises(RateLimited) as caught:
        h.client.get("orders")
    assert caught.value.retry_after == 2.0
    assert len(h.requests) == 5


# --- lists ----------------------------------------------------------------------------------


def test_list_page_reads_the_resource_key(harness_factory) -> None:
    payload = {
        "total_count": 3,
        "next_page": "https://shop.example.com/api/v1/orders?page=2",
        "orders": [{"id": 1}, {"id": 2}],
    }
    h = harness_factory(lambda r: ok(payload))
    page = h.client.list_page("orders", {"count": "2"})
    assert page.records == [{"id": 1}, {"id": 2}]
    assert page.total_count == 3
    assert page.has_next_page


@pytest.mark.parametrize(
    ("resource", "payload", "ids"),
    [
        ("shipping_provider_services", {"total_count": 1, "services": [{"id": 4}]}, [4]),
        ("orders/5/items", {"total_count": 1, "items": [{"id": 8}]}, [8]),
        ("customers/2/additional_emails", {"customer_additional_emails": [{"id": 6}]}, [6]),
        ("orders", {"total_count": 0}, []),
    ],
)
def test_list_page_falls_back_to_the_single_list(
    harness_factory, resource: str, payload: dict[str, Any], ids: list[int]
) -> None:
    h = harness_factory(lambda r: ok(payload))
    page = h.client.list_page(resource, {})
    assert [r["id"] for r in page.records] == ids
    assert not page.has_next_page


@pytest.mark.parametrize(
    "payload",
    [{"total_count": 1}, {"a": [], "b": []}, {"orders": [1, 2]}],
)
def test_list_page_without_a_usable_list_is_not_cartcom(harness_factory, payload) -> None:
    h = harness_factory(lambda r: ok(payload))
    with pytest.raises(NotCartcom):
        h.client.list_page("orders", {})


def test_select_many_dedupes_skips_zero_and_chunks(harness_factory) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        ids = [int(i) for i in request.url.params["ids"].split(",")]
        return ok({"total_count": len(ids), "customers": [{"id": i} for i in ids]})

    h = harness_factory(handler)
    wanted = [0, None, *range(1, 251), *range(1, 50), -3]
    records = h.client.select_many("customers", wanted, params={"fields": "id,email"})  # type: ignore[arg-type]
    assert [r["id"] for r in records] == list(range(1, 251))
    assert len(h.requests) == 3
    first = h.requests[0].url
    assert first.path == "/api/v1/customers/select_many"
    assert first.params["ids"] == ",".join(str(i) for i in range(1, 101))
    assert first.params["fields"] == "id,email"
    assert first.params["count"] == "100"
    assert h.requests[2].url.params["ids"] == ",".join(str(i) for i in range(201, 251))
    assert all(r.headers["Cache-Control"] == "no-cache" for r in h.requests)


def test_select_many_with_no_ids_makes_no_call(harness_factory) -> None:
    h = harness_factory(lambda r: ok({}))
    assert h.client.select_many("orders", [0, None]) == []  # type: ignore[list-item]
    assert h.requests == []


def test_select_many_follows_pages_when_the_server_pages_its_answer(harness_factory) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        rows = [{"id": i} for i in range(1, 151)][(page - 1) * 100 : page * 100]
        return ok({"total_count": 150, "orders": rows})

    h = harness_factory(handler)
    records = h.client.select_many("orders", range(1, 151), chunk_size=150)
    assert len(records) == 150
    assert len(h.requests) == 2


def test_list_all_pages_until_a_short_page(harness_factory) -> None:
    rows = [{"id": i} for i in range(1, 6)]

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        size = int(request.url.params["count"])
        chunk = rows[(page - 1) * size : page * size]
        if not chunk:
            return ok({"status_code": 404, "message": "Not Found"}, 404)
        return ok({"order_statuses": chunk})

    h = harness_factory(handler)
    assert [r["id"] for r in h.client.list_all("order_statuses", page_size=2)] == [1, 2, 3, 4, 5]
    assert [r.url.params.get("page") for r in h.requests] == [None, "2", "3"]
    assert h.requests[0].url.params["sort"] == "id"


def test_list_all_stops_at_404_past_the_end(harness_factory) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("page") == "2":
            return ok({"message": "Not Found"}, 404)
        return ok({"warehouses": [{"id": 1}, {"id": 2}]})

    h = harness_factory(handler)
    assert len(h.client.list_all("warehouses", page_size=2)) == 2


def test_list_all_404_on_the_first_page_is_an_error(harness_factory) -> None:
    h = harness_factory(lambda r: ok({"message": "Not Found"}, 404))
    with pytest.raises(NotFound):
        h.client.list_all("warehouses")


# --- iter_updated end to end ----------------------------------------------------------------


def test_iter_updated_walks_by_keyset_with_extra_params(harness_factory) -> None:
    base = datetime(2026, 2, 1, tzinfo=UTC)
    rows = [
        {"id": i, "updated_at": (base + timedelta(seconds=i // 3)).isoformat(), "x": i}
        for i in range(1, 11)
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        op, _, value = params["updated_at"].partition(":")
        since = datetime.fromisoformat(value.replace("Z", "+00:00"))
        compare = {
            "gte": lambda t: t >= since,
            "gt": lambda t: t > since,
            "eq": lambda t: t == since,
        }[op]
        hits = [r for r in rows if compare(datetime.fromisoformat(r["updated_at"]))]
        if "id" in params:
            hits = [r for r in hits if r["id"] > int(params["id"].split(":")[1])]
        hits.sort(key=lambda r: (r["updated_at"], r["id"]))
        return ok({"total_count": len(hits), "orders": hits[: int(params["count"])]})

    h = harness_factory(handler)
    paginator = KeysetPaginator(UpdatedCursor(base, 0), page_size=4)
    pages = list(
        h.client.iter_updated("orders", paginator, params={"expand": "items", "fields": "x"})
    )
    assert sorted(r["id"] for page in pages for r in page) == list(range(1, 11))
    first = h.requests[0].url.params
    assert first["expand"] == "items"
    assert first["fields"] == "x,id,updated_at"
    assert first["sort"] == "updated_at,id"
    assert all(r.headers["Cache-Control"] == "no-cache" for r in h.requests)
    assert paginator.position == UpdatedCursor(base + timedelta(seconds=3), 10)
    assert not paginator.has_next


def test_iter_updated_refuses_params_the_walk_owns(harness_factory) -> None:
    h = harness_factory(lambda r: ok({"orders": []}))
    paginator = KeysetPaginator(UpdatedCursor(datetime(2026, 1, 1, tzinfo=UTC), 0))
    with pytest.raises(ValueError, match="sort"):
        next(h.client.iter_updated("orders", paginator, params={"sort": "id"}))
    assert h.requests == []
