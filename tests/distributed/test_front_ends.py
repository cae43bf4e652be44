"""Stateless front ends: two `orderhub serve --no-scheduler` processes on one PostgreSQL database
serve the same API and portal, as they would behind a load balancer, and never run a flow.

Each test starts two real servers (A and B) with the same database URL and secret key, and
then alternates between them the way a load balancer without sticky sessions would: a write
through one is read through the other; a session cookie issued by one is honoured by the
other, and a form rendered by one is accepted when posted to the other. Both servers are on
127.0.0.1, so one httpx client holds one cookie jar for both (cookies ignore the port), like a
browser in front of a load balancer.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from orderhub.domain import FlowName, Run, RunStatus
from orderhub.hub import Hub
from orderhub.services.apikeys import create_api_key, list_api_keys
from orderhub.store import integrations as integration_store
from orderhub.store import runs as store_runs
from support.stores import Store

from .conftest import ServerProcess, StartServer
from .helpers import connect_stores, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

EMAIL = "merchant@example.com"
PASSWORD = "a long enough password"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_SETUP_LINK = re.compile(r"(http://\S+/setup\?token=\S+)")


@pytest.fixture
def front_ends(start_server: StartServer) -> tuple[ServerProcess, ServerProcess]:
    a = start_server("--no-scheduler", wait=False)
    b = start_server("--no-scheduler", wait=False)
    a.wait_ready()
    b.wait_ready()
    return a, b


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    # A new connection per request: on a kept-alive loopback connection each answer waits
    # ~40 ms for a delayed ACK (see tests/portal/portal_helpers.py).
    with httpx.Client(
        follow_redirects=False, timeout=30.0, headers={"Connection": "close"}
    ) as client:
        yield client


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def test_a_write_through_one_front_end_is_read_through_the_other(
    pg_hub: Hub, front_ends: tuple[ServerProcess, ServerProcess]
) -> None:
    a, b = front_ends
    _key_id, key = create_api_key(pg_hub, name="load balancer test", scope="readwrite")
    auth = {"Authorization": f"Bearer {key}"}

    def on_hand(server: ServerProcess) -> list[int]:
        answer = httpx.get(f"{server.url}/api/v3/inventory", params={"sku": "LB-1"}, headers=auth)
        assert answer.status_code == 200, answer.text
        return [item["onHand"] for item in answer.json()["inventory"]]

    assert on_hand(b) == []
    written = httpx.post(
        f"{a.url}/api/v3/inventory", json={"sku": "LB-1", "quantity": 40}, headers=auth
    )
    assert written.status_code == 201, written.text
    assert on_hand(b) == [40]
    rewritten = httpx.post(
        f"{b.url}/api/v3/inventory", json={"sku": "LB-1", "quantity": 7}, headers=auth
    )
    assert rewritten.status_code == 201, rewritten.text
    assert on_hand(a) == [7]


def test_a_portal_session_from_one_front_end_works_on_the_other(
    pg_hub: Hub, front_ends: tuple[ServerProcess, ServerProcess], browser: httpx.Client
) -> None:
    a, b = front_ends
    # Setup: the one-time link A printed at start creates the first admin through B.
    printed = _SETUP_LINK.search(a.log.read_text())
    assert printed, a.log.read_text()
    token = parse_qs(urlsplit(printed.group(1)).query)["token"][0]
    form = browser.get(f"{b.url}/setup", params={"token": token})
    assert form.status_code == 200, form.text
    created = browser.post(
        f"{b.url}/setup",
        data={
            "token": token,
            "email": EMAIL,
            "password": PASSWORD,
            "password_again": PASSWORD,
            "csrf_token": csrf_of(form.text),
        },
    )
    assert created.status_code == 303, created.text

    # Not signed in: B sends the browser to the sign-in page.
    assert browser.get(f"{b.url}/apikeys").status_code == 303

    # Sign in on A (the form comes from B), then load a signed-in page on B.
    signin_form = browser.get(f"{b.url}/signin")
    signed_in = browser.post(
        f"{a.url}/signin",
        data={
            "email": EMAIL,
            "password": PASSWORD,
            "next": "/apikeys",
            "csrf_token": csrf_of(signin_form.text),
        },
    )
    assert signed_in.status_code == 303, signed_in.text
    page = browser.get(f"{b.url}/apikeys")
    assert page.status_code == 200, page.headers.get("location")
    assert EMAIL in page.text

    # A form rendered by A is accepted when posted to B (the CSRF token lives in the cookie).
    form_on_a = browser.get(f"{a.url}/apikeys")
    made = browser.post(
        f"{b.url}/apikeys",
        data={
            "name": "made through B",
            "scope": "readwrite",
            "csrf_token": csrf_of(form_on_a.text),
        },
    )
    assert made.status_code == 200, made.text
    assert [k.name for k in list_api_keys(pg_hub)] == ["made through B"]

    # Signing out through A ends the session on B too, even for a copy of the cookie.
    cookie = browser.cookies["orderhub_session"]
    signed_out = browser.post(
        f"{a.url}/signout", data={"csrf_token": csrf_of(browser.get(f"{a.url}/apikeys").text)}
    )
    assert signed_out.status_code == 303, signed_out.text
    browser.cookies.set("orderhub_session", cookie)
    assert browser.get(f"{b.url}/apikeys").status_code == 303


def test_front_ends_without_scheduler_never_run_a_flow(
    pg_hub: Hub,
    front_ends: tuple[ServerProcess, ServerProcess],
    serve_store: Callable[..., Store],
) -> None:
    a, b = front_ends
    store = serve_store(seed=7, orders=30)
    (integration_id,) = connect_stores(
        pg_hub, [store], flows=[FlowName.ORDERS_PULL], interval_seconds=1
    )
    calls_before = store.sandbox.calls()["byEndpoint"].get("GET /orders", 0)

    def runs() -> list[Run]:
        with pg_hub.db.read_session() as session:
            return store_runs.list_runs(
                session, integration_id=integration_id, flow=FlowName.ORDERS_PULL, limit=100
            )

    time.sleep(3)  # three intervals: an embedded scheduler would have run the flow by now
    assert runs() == []
    assert store.sandbox.calls()["byEndpoint"].get("GET /orders", 0) == calls_before

    # "Sync now" through A is handed to the workers (due now, requested), not run by A.
    _key_id, key = create_api_key(pg_hub, name="control", scope="readwrite")
    answer = httpx.post(
        f"{a.url}/api/v3/integrations/{integration_id}/sync",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 202, answer.text
    with pg_hub.db.read_session() as session:
        state = integration_store.get_flow_state(session, integration_id, FlowName.ORDERS_PULL)
    assert state.requested
    time.sleep(2)
    assert runs() == []
    # Control: the same check does see a run once one happens (what a worker would do).
    pg_hub.runner().run_flow(integration_id, FlowName.ORDERS_PULL, trigger="schedule")
    wait_for(
        lambda: any(run.status is RunStatus.SUCCEEDED for run in runs()), 20, "the control run"
    )
    assert len(runs()) == 1
    assert store.sandbox.calls()["byEndpoint"].get("GET /orders", 0) > calls_before
    assert b.process.poll() is None
