"""The Add Integration form and "Sync now" through the embedded scheduler, over HTTP."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable

import httpx
import pytest
from portal_helpers import Portal, post_form

from orderhub.domain import FlowName, IntegrationStatus, RunStatus
from orderhub.engine import EmbeddedScheduler
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.serving import serve_in_thread
from orderhub.store import exceptions as exception_store
from orderhub.store import integrations as integration_store
from orderhub.store import runs as run_store
from orderhub.web import create_web_app
from support.stores import Store

CONNECT = "/integrations/add/cartcom/connect"


def integrations(portal: Portal) -> list[str]:
    with portal.hub.db.read_session() as session:
        return [i.integration_id for i in integration_store.list_integrations(session)]


@pytest.mark.parametrize(
    ("api_url", "api_key", "field", "message"),
    [
        ("", "some-key", "api_url", "Enter the store&#39;s API URL"),
        ("ftp://store.example.com", "some-key", "api_url", "must start with https://"),
        ("http://store.example.com", "some-key", "api_url", "must use https://"),
        ("https://store.example.com/shop/admin", "some-key", "api_url", "without a path"),
        ("https://store.example.com", "   ", "api_key", "Paste the access token"),
    ],
)
def test_bad_input_is_named_next_to_its_field_and_what_was_typed_is_kept(
    portal: Portal, api_url: str, api_key: str, field: str, message: str
) -> None:
    client = portal.signed_in()
    answer = post_form(
        client,
        CONNECT,
        {"api_url": api_url, "api_key": api_key, "name": "My shop", "flow": "orders.pull"},
    )
    assert answer.status_code == 400
    error = re.search(rf'<p class="error" id="e-{field}">([^<]*)</p>', answer.text)
    assert error is not None
    assert message in error.group(1)
    assert f'value="{api_url}"' in answer.text
    assert 'value="My shop"' in answer.text
    assert '<input type="hidden" name="flow" value="orders.pull">' in answer.text
    assert integrations(portal) == []


def test_a_refused_key_leaves_nothing_behind_and_is_not_echoed(
    portal: Portal, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(orders=2)
    client = portal.signed_in()
    answer = post_form(client, CONNECT, {"api_url": store.url, "api_key": "wrong-but-long-key"})
    assert answer.status_code == 400
    assert "rejected the API token" in answer.text
    assert "wrong-but-long-key" not in answer.text
    assert integrations(portal) == []


def test_an_unreachable_store_leaves_nothing_and_shows_the_url_but_never_the_key(
    portal: Portal,
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"  # closed once the block ends
    client = portal.signed_in()
    answer = post_form(client, CONNECT, {"api_url": url, "api_key": "a-key-that-stays-secret"})
    assert answer.status_code == 400
    error = re.search(r'<p class="error" id="e-api_url">([^<]*)</p>', answer.text)
    assert error is not None
    assert error.group(1).startswith(f"Cannot reach {url}")
    assert f'value="{url}"' in answer.text
    assert "a-key-that-stays-secret" not in answer.text
    assert integrations(portal) == []


def test_a_new_key_that_fails_is_not_saved_and_the_working_one_stays(
    portal: Portal, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(orders=2)
    integration_id = add_integration(
        portal.hub, api_url=store.url, api_key=store.token
    ).integration.integration_id
    client = portal.signed_in()
    page = f"/integrations/{integration_id}"

    answer = post_form(client, f"{page}/key", {"api_key": "revoked-key-0000"}, page=page)

    assert answer.status_code == 400
    error = re.search(r'<p class="error" id="e-api_key">([^<]*)</p>', answer.text)
    assert error is not None
    assert "The new key was not saved; the current key is still in use." in error.group(1)
    assert "rejected the API token" in error.group(1)
    assert "revoked-key-0000" not in answer.text
    with portal.hub.db.read_session() as session:
        assert integration_store.get_api_token(session, integration_id, portal.hub.box) == (
            store.token
        )
        integration = integration_store.get_integration(session, integration_id)
    assert integration is not None
    assert integration.status is IntegrationStatus.CONNECTED

    replaced = post_form(client, f"{page}/key", {"api_key": store.token}, page=page)
    assert replaced.status_code == 303
    assert "API key replaced." in client.get(replaced.headers["location"]).text


def test_the_flow_settings_show_every_flow_on_and_next_carries_those_left_on(
    portal: Portal,
) -> None:
    client = portal.signed_in()
    settings = client.get("/integrations/add/cartcom").text
    switches = re.findall(r'<input type="checkbox" role="switch"[^>]*>', settings)
    assert len(switches) == len(FlowName)
    assert all(" checked" in switch for switch in switches)
    # The form is a GET: what the merchant left on travels to the Connect step.
    chosen = client.get(CONNECT, params=[("flow", "orders.pull"), ("flow", "inventory.push")]).text
    assert "Flows switched on once connected: Pull orders, Push inventory" in chosen
    assert chosen.count('type="hidden" name="flow"') == 2
    # Every toggle turned off: nothing is switched on, and the page says so.
    assert "Every flow stays off" in client.get(CONNECT).text


def test_connect_switches_on_the_flows_chosen_in_the_first_step(
    portal: Portal, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(orders=2)
    client = portal.signed_in()
    answer = post_form(
        client,
        CONNECT,
        {"api_url": store.url, "api_key": store.token, "flow": ["orders.pull"]},
        page=f"{CONNECT}?flow=orders.pull",
    )
    assert answer.status_code == 303
    (integration_id,) = integrations(portal)
    assert answer.headers["location"] == f"/integrations/{integration_id}"
    page = client.get(answer.headers["location"]).text
    assert "Switched on: Pull orders" in page
    assert store.token not in page
    with portal.hub.db.read_session() as session:
        integration = integration_store.get_integration(session, integration_id)
    assert integration is not None
    assert [f.flow for f in integration.flows if f.enabled] == [FlowName.ORDERS_PULL]


def test_sync_now_goes_through_the_scheduler_and_the_job_page_follows_the_run(
    scheduled_portal: tuple[Portal, EmbeddedScheduler], serve_store: Callable[..., Store]
) -> None:
    portal, scheduler = scheduled_portal
    hub = portal.hub
    store = serve_store(orders=5)
    integration_id = add_integration(
        hub, api_url=store.url, api_key=store.token
    ).integration.integration_id
    enable_flow(hub, integration_id, FlowName.ORDERS_PULL)
    scheduler.run_due_once()  # the first, scheduled run: the flow is not due again for a minute
    client = portal.signed_in()
    base = f"/integrations/{integration_id}"

    answer = post_form(client, f"{base}/flows/orders.pull/sync", {}, page=base)
    assert answer.status_code == 303
    job = answer.headers["location"]
    queued = client.get(job).text
    assert "Queued." in queued
    assert '<meta http-equiv="refresh" content="1">' in queued

    runs = scheduler.run_due_once()  # what the scheduler's thread would do on its next tick
    assert [run.status for run in runs] == [RunStatus.SUCCEEDED]
    done = client.get(job).text
    assert "Done." in done
    assert 'http-equiv="refresh"' not in done
    with hub.db.read_session() as session:
        assert len(run_store.list_runs(session, integration_id=integration_id)) == 2


def test_sync_now_of_a_switched_off_flow_says_so(
    portal: Portal, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(orders=2)
    integration_id = add_integration(
        portal.hub, api_url=store.url, api_key=store.token
    ).integration.integration_id
    client = portal.signed_in()
    base = f"/integrations/{integration_id}"
    answer = post_form(client, f"{base}/flows/orders.pull/sync", {}, page=base)
    assert answer.status_code == 303
    assert "is off: switch it on first" in client.get(answer.headers["location"]).text


def test_sync_now_without_a_scheduler_runs_on_a_thread(
    portal: Portal, serve_store: Callable[..., Store]
) -> None:
    client, job = sync_now_of_a_new_integration(portal, serve_store)
    page = poll(client, job)
    assert "Done." in page
    assert "Pull orders" in page


def sync_now_of_a_new_integration(
    portal: Portal, serve_store: Callable[..., Store]
) -> tuple[httpx.Client, str]:
    """A signed-in client that switched orders.pull on and pressed Sync now; the job's path."""
    store = serve_store(orders=5)
    integration_id = add_integration(
        portal.hub, api_url=store.url, api_key=store.token
    ).integration.integration_id
    client = portal.signed_in()
    base = f"/integrations/{integration_id}"
    post_form(client, f"{base}/flows/orders.pull", {"enabled": "on"}, page=base)
    job = post_form(client, f"{base}/flows/orders.pull/sync", {}, page=base).headers["location"]
    return client, job


def poll(client: httpx.Client, path: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        page = client.get(path).text
        if "Done." in page or "Failed." in page or time.monotonic() > deadline:
            return page
        time.sleep(0.1)


def test_a_sync_jobs_page_is_served_by_any_front_end(
    portal: Portal, serve_store: Callable[..., Store]
) -> None:
    """Behind a load balancer the job page may be asked of another process than the one that
    started the job: a second web app on the same database (its own job board) serves it."""
    client, job = sync_now_of_a_new_integration(portal, serve_store)
    with serve_in_thread(create_web_app(portal.hub)) as other:
        elsewhere = httpx.Client(base_url=other.url, cookies=client.cookies)
        try:
            page = poll(elsewhere, job)
            assert elsewhere.get("/jobs/not-a-job").status_code == 404
        finally:
            elsewhere.close()
    assert "Done." in page
    assert "Pull orders" in page


def test_a_retry_jobs_page_is_served_by_any_front_end(
    portal: Portal, serve_store: Callable[..., Store]
) -> None:
    """A retried exception whose record now syncs: the other front end shows the retry done."""
    hub = portal.hub
    store = serve_store(orders=5)
    integration_id = add_integration(
        hub, api_url=store.url, api_key=store.token
    ).integration.integration_id
    order_id = str(store.sandbox.store.create_order()["id"])
    with hub.db.session() as session:
        item = exception_store.raise_exception(
            session,
            integration_id=integration_id,
            flow=FlowName.ORDERS_PULL,
            entity_type="order",
            ext_entity_id=order_id,
            exception_type="unknownStatus",
            message="a status this store did not know (since fixed)",
            raw={"id": int(order_id)},
            now=hub.clock.now(),
        )
    client = portal.signed_in()
    job = post_form(
        client, f"/exceptions/{item.exception_id}/retry", {}, page="/exceptions"
    ).headers["location"]
    with serve_in_thread(create_web_app(hub)) as other:
        elsewhere = httpx.Client(base_url=other.url, cookies=client.cookies)
        try:
            page = poll(elsewhere, job)
        finally:
            elsewhere.close()
    assert "Retry: Pull orders" in page
    assert "Done." in page
    with hub.db.read_session() as session:
        retried = exception_store.get_exception(session, item.exception_id)
    assert retried is not None
    assert retried.status.value == "resolved"
