"""The demo, walked in Chromium: what a merchant sees after `orderhub demo` has run a while.

The demo is put together in-process from its own building blocks (`orderhub.cli.demo_cmd`,
`services.demo_activity`): the simulated store on loopback on the gold plan (what the demo
runs on), the hub's web app on loopback with the store's webhooks pointed at it, every flow
on with the store's history backfilled, hub stock for the store's SKUs. Instead of waiting
for the scheduler, the walk moves both sides itself — store activity, a stock count, a
reprice, a shipment — and runs the six flows, so the outcome does not depend on timing.

Then, in Chromium: the dashboard's charts have bars; each of the six flows created or updated
records; a setting changed on the integration's Settings page is what the next products.push
writes; a flow made to fail (Cart.com answering 500) sends an alert to a real SMTP server on
loopback, and its recovery a clearing message (the alert monitor's clock is moved past the
five minutes an incident must stay gone); `/metrics` answers with the hub's figures; and
every page of the portal is photographed.

Screenshots land in `$ORDERHUB_TEST_ARTIFACTS/demo-walk/`, else `test-artifacts/demo-walk/`
in the checkout (tests/README.md).
"""

from __future__ import annotations

import os
import random
import shutil
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from orderhub.alerts.monitor import SETTLE, AlertMonitor
from orderhub.cli.demo_cmd import _connect, _store_stock, _whole_products
from orderhub.clock import SystemClock
from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, serve_sandbox
from orderhub.connectors.cartcom.sandbox.activity import Activity
from orderhub.domain import FlowName, RunStatus
from orderhub.engine.runner import FlowRunner
from orderhub.hub import Hub, build_hub
from orderhub.monitor.app import enable_metrics
from orderhub.portal import demo_sign_in_link
from orderhub.services.demo_activity import HubActivity
from orderhub.services.products import import_products_csv
from orderhub.serving import serve_in_thread
from orderhub.settings import Settings
from orderhub.store.records import EntityKind, list_records
from orderhub.web import create_web_app
from support.smtp import MailHandler, smtp_server

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("ORDERHUB_TEST_ARTIFACTS") or ROOT / "test-artifacts") / "demo-walk"
NEW_SKU = "WALK-LANTERN-1"
STATUS = 1  # the demo store's "in stock" product status
CATEGORY = 3  # one of the demo store's categories


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


class AheadClock(SystemClock):
    """The system clock, moved ahead on demand: the alert monitor's "five minutes later"."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def now(self) -> datetime:
        return super().now() + self.ahead

    def advance(self, seconds: float) -> None:
        self.ahead += timedelta(seconds=seconds)


class Shots:
    """Full-page screenshots, numbered in the order taken."""

    def __init__(self, page: Any, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.taken: list[Path] = []
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)

    def __call__(self, name: str) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


class Demo:
    """The demo's pieces, as `orderhub demo` assembles them, with the walk's levers."""

    def __init__(self, hub: Hub, sandbox: Sandbox, store_url: str, web_url: str) -> None:
        self.hub = hub
        self.sandbox = sandbox
        self.store_url = store_url
        self.web_url = web_url
        self.integration_id = _connect(hub, store_url, sandbox.full_token)
        self.warehouse = HubActivity(hub, random.Random("walk:hub-activity"))
        self.warehouse.seed_stock(_store_stock(sandbox))
        self.warehouse.priced = _whole_products(sandbox)
        self.shop = Activity(sandbox, random.Random("walk:store-activity"))
        self.runner = hub.runner()
        # For the runs made to fail: the client's retries wait on nothing, so they fail at
        # once. (Not for the others: the call budget's waits would spin.)
        self.impatient = FlowRunner(
            hub.db,
            hub.box,
            hub.registry,
            clock=hub.clock,
            sleep=lambda _seconds: None,
            metrics=hub.metrics,
        )

    def run(self, flow: FlowName, *, impatient: bool = False) -> RunStatus:
        runner = self.impatient if impatient else self.runner
        return runner.run_flow(self.integration_id, flow, trigger="manual").status

    def run_all(self) -> dict[FlowName, RunStatus]:
        return {flow: self.run(flow) for flow in FlowName}

    def store_get(self, path: str, **params: str) -> Any:
        """A look at the store as another API client: it shares the store's call window with
        the hub, which may have spent it, so a 429 is waited out as its Retry-After says."""
        with httpx.Client(
            base_url=self.store_url + "/api/v1/",
            headers={"X-AC-Auth-Token": self.sandbox.full_token, "Cache-Control": "no-cache"},
        ) as api:
            for _ in range(3):
                answer = api.get(path, params=params)
                if answer.status_code != 429:
                    break
                wait = answer.headers.get("Retry-After", "1")  # seconds in the demo's store
                time.sleep(min(float(wait) if wait.isdigit() else 1.0, 10.0))
            assert answer.status_code == 200, answer.text
            return answer.json()


@pytest.fixture
def smtp() -> Iterator[tuple[MailHandler, int]]:
    with smtp_server() as served:
        yield served


@pytest.fixture
def demo(tmp_path: Path, sqlite_template: Path, smtp: tuple[MailHandler, int]) -> Iterator[Demo]:
    _handler, smtp_port = smtp
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(sqlite_template, home / "orderhub.db")
    settings = Settings.from_env(
        {
            "ORDERHUB_HOME": str(home),
            "ORDERHUB_ALERT_EMAIL_TO": "owner@example.com",
            "ORDERHUB_ALERT_EMAIL_FROM": "hub@example.com",
            "ORDERHUB_SMTP_HOST": "127.0.0.1",
            "ORDERHUB_SMTP_PORT": str(smtp_port),
            "ORDERHUB_SMTP_SECURITY": "none",
        }
    )
    hub = build_hub(settings, migrate=False)
    enable_metrics(hub)
    sandbox = Sandbox(SandboxConfig(seed=1, orders=60, plan="gold", cache_ttl_seconds=0))
    try:
        with (
            serve_sandbox(sandbox, host="127.0.0.1", port=0) as store,
            # No scheduler: the walk runs the flows itself (the portal's Sync now on a thread).
            serve_in_thread(create_web_app(hub)) as web,
        ):
            hub.settings = hub.settings.replace(public_url=web.url)
            yield Demo(hub, sandbox, store.url, web.url)
    finally:
        sandbox.webhooks.close()
        hub.close()


def wait_for_job(page: Any) -> str:
    expect(page.locator(".job-done, .job-failed")).to_be_visible(timeout=60_000)
    return str(page.locator(".job").inner_text())


def metric_samples(text: str) -> dict[tuple[str, tuple[str, ...]], float]:
    """Prometheus text as {(sample name, label values in the family's order): value}."""
    from prometheus_client.parser import text_string_to_metric_families

    found: dict[tuple[str, tuple[str, ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            order = sorted(sample.labels, key=LABEL_ORDER.index)
            found[(sample.name, tuple(sample.labels[k] for k in order))] = sample.value
    return found


LABEL_ORDER = ["integration", "connector", "store", "flow", "outcome", "status", "le"]


def bars_drawn(page: Any, figure: str) -> int:
    """How many bars of a dashboard chart have a height."""
    heights = page.locator(f"{figure} svg rect.bar").evaluate_all(
        "bars => bars.map(b => parseFloat(b.getAttribute('height')))"
    )
    return sum(1 for height in heights if height > 0)


@pytest.mark.slow  # a browser, a store and a hub on loopback, the six flows run several times
def test_a_merchant_walks_the_demo(demo: Demo, page: Any, smtp: tuple[MailHandler, int]) -> None:
    mail, _port = smtp
    hub = demo.hub
    shot = Shots(page, ARTIFACTS)

    # The demo's first minute: every flow runs over the backfilled history, then both sides
    # move (orders placed and changed in the store; a stock count, a reprice and a shipment
    # in the hub) and every flow runs again.
    first = demo.run_all()
    assert all(status is RunStatus.SUCCEEDED for status in first.values()), first
    for _ in range(12):
        demo.shop.step()
    # The store ships orders too: the hub ships one it knows is still open.
    assert demo.run(FlowName.ORDERS_PULL) is RunStatus.SUCCEEDED
    assert demo.warehouse.count_one() is not None
    assert demo.warehouse.reprice_one() is not None
    assert demo.warehouse.fulfil_one() is not None
    second = demo.run_all()
    assert all(status is RunStatus.SUCCEEDED for status in second.values()), second

    # Signed in by the demo's link, on the dashboard.
    page.goto(demo_sign_in_link(hub, demo.web_url))
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    assert bars_drawn(page, "#orders-chart") > 0
    assert bars_drawn(page, "#revenue-chart") > 0
    expect(page.locator("#exceptions-chart svg")).to_be_visible()

    # Each of the six flows moved records (created + updated, last 24 hours).
    panel = page.locator(f"section[aria-labelledby='d-{demo.integration_id}']")
    rows = panel.locator("table tbody tr")
    expect(rows).to_have_count(len(FlowName))
    moved = {}
    for index in range(len(FlowName)):
        cells = rows.nth(index).locator("td").all_inner_texts()
        moved[cells[0]] = int(cells[5].replace(",", "")) + int(cells[6].replace(",", ""))
    assert all(count > 0 for count in moved.values()), moved
    # The store's API budget, as Cart.com reports it, against its plan.
    budget = panel.locator(".budget")
    expect(budget).to_contain_text("50 calls per 10 s (Cart.com's Gold or above plan)")
    busiest = int(budget.locator("meter").get_attribute("value") or "0")
    assert 0 < busiest <= 50
    dashboard_shot = shot("dashboard")
    page.goto(demo.web_url + "/?days=30")
    shot("dashboard-30-days")
    page.goto(demo.web_url + "/?days=7&per=hour")
    assert bars_drawn(page, "#orders-chart") > 0
    shot("dashboard-per-hour")

    # A setting changed in the portal is what the next run does. A product made in the hub
    # cannot be created in Cart.com without a status and a category: products.push says which
    # settings to set; set there, the next Sync now creates the product with both.
    report = import_products_csv(
        hub, f"sku,name,price\n{NEW_SKU},Walk lantern,24.00\n", actor="cli"
    )
    assert not report.errors, report.errors
    page.goto(f"{demo.web_url}/integrations/{demo.integration_id}")
    shot("integration")
    push = page.locator("#flow-products\\.push")
    push.get_by_role("button", name="Sync now").click()
    assert "Done" in wait_for_job(page)
    assert demo.store_get("products", item_number=NEW_SKU)["products"] == []
    page.goto(demo.web_url + "/exceptions")
    refused = page.locator("tr", has_text=NEW_SKU)
    expect(refused).to_contain_text(
        "set the integration settings productsDefaultCategoryId and productsDefaultStatusId"
    )
    shot("exceptions-missing-setting")
    page.goto(f"{demo.web_url}/integrations/{demo.integration_id}")
    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Status of products created by products.push").fill(str(STATUS))
    page.get_by_label("Category of products created by products.push").fill(str(CATEGORY))
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".flash-ok")).to_contain_text(
        f"productsDefaultCategoryId: (not set) → {CATEGORY}"
    )
    expect(page.locator("ol.timeline")).to_contain_text("by portal")
    expect(page.locator(".flash-ok")).not_to_contain_text("productsPushCatalogs")
    shot("settings")
    page.goto(f"{demo.web_url}/integrations/{demo.integration_id}")
    push.get_by_role("button", name="Sync now").click()
    assert "Done" in wait_for_job(page)
    shot("job")
    created = demo.store_get("products", item_number=NEW_SKU)["products"]
    assert [(p["product_status_id"], p["primary_category_id"]) for p in created] == [
        (STATUS, CATEGORY)
    ]

    # Cart.com fails: orders.pull fails three runs in a row; the owner gets one e-mail.
    monitor_clock = AheadClock()
    monitor = AlertMonitor(hub.db, hub.settings.alerts, clock=monitor_clock, hub_url=demo.web_url)
    demo.sandbox.faults.fail_next(10_000, "500")
    for _ in range(3):
        assert demo.run(FlowName.ORDERS_PULL, impatient=True) is RunStatus.FAILED
        monitor.look()
    demo.sandbox.faults.clear()
    assert len(mail.received) == 1, mail.subjects()
    problem = mail.received[0]
    assert problem["Subject"].startswith("[OrderHub] Problem: ")
    assert "orders.pull keeps failing" in problem["Subject"]
    assert problem["X-Envelope-To"] == "owner@example.com"
    assert f"Hub: {demo.web_url}" in problem.get_content()
    page.goto(demo.web_url + "/alerts")
    expect(page.locator("main")).to_contain_text("orders.pull keeps failing")
    shot("alerts-open")
    page.goto(demo.web_url + "/")
    expect(panel.locator(".badge", has_text="Failing")).to_be_visible()
    shot("dashboard-failing")

    # It recovers; gone for five minutes, the incident clears with one more e-mail.
    assert demo.run(FlowName.ORDERS_PULL) is RunStatus.SUCCEEDED
    monitor.look()
    monitor_clock.advance(SETTLE.total_seconds())
    monitor.look()
    monitor.look()  # nothing more to say
    assert len(mail.received) == 2, mail.subjects()
    cleared = mail.received[1]
    assert cleared["Subject"].startswith("[OrderHub] Cleared: ")
    assert cleared["X-OrderHub-Event"] == "cleared"
    page.goto(demo.web_url + "/alerts")
    shot("alerts-cleared")

    # /metrics answers this machine with the hub's figures.
    answer = httpx.get(demo.web_url + "/metrics")
    assert answer.status_code == 200
    samples = metric_samples(answer.text)
    mine = demo.integration_id
    for flow in FlowName:
        assert samples[("orderhub_runs_total", (mine, flow.value, "succeeded"))] >= 2, flow
    assert samples[("orderhub_runs_total", (mine, "orders.pull", "failed"))] == 3
    # The budget the store reported (gold plan: 50 calls per 10 s).
    assert samples[("orderhub_remote_call_budget_limit", ("cartcom", demo.store_url))] == 50
    assert samples[("orderhub_open_exceptions", (mine, "products.pull"))] > 0
    assert ("orderhub_sync_lag_seconds", (mine, "orders.pull")) in samples

    # Every page of the portal, photographed.
    with hub.db.read_session() as session:
        order = list_records(session, EntityKind.ORDER, limit=1)[0]
        product = list_records(session, EntityKind.PRODUCT, limit=1)[0]
    pages = {
        "orders": "/orders",
        "order": f"/orders/{order.hub_id}",
        "products": "/products",
        "product": f"/products/{product.hub_id}",
        "inventory": "/inventory",
        "locations": "/locations",
        "fulfillments": "/fulfillments",
        "exceptions": "/exceptions",
        "runs": "/runs",
        "integrations": "/integrations",
        "add-integration": "/integrations/add",
        "add-cartcom-flows": "/integrations/add/cartcom",
        "add-cartcom-connect": "/integrations/add/cartcom/connect",
        "apikeys": "/apikeys",
    }
    for name, path in pages.items():
        answer_page = page.goto(demo.web_url + path)
        assert answer_page.status == 200, (path, answer_page.status)
        shot(name)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to OrderHub")).to_be_visible()
    shot("signin")
    assert dashboard_shot.exists()
    print(f"screenshots: {ARTIFACTS} (dashboard: {dashboard_shot})")
