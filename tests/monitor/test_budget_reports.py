"""The call budget a store reports (`X-AC-Call-Limit`), kept in the database for the dashboard:
written when a run finishes, readable from any process, the busiest window per hour kept."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from orderhub.clock import FakeClock
from orderhub.connectors.cartcom.connector import CALL_PLANS
from orderhub.domain import FlowName
from orderhub.monitor.app import enable_metrics
from orderhub.monitor.budget_reports import BudgetReport, ReportedBudgets, read_report
from orderhub.services.budget_view import budget_view
from orderhub.services.integrations import enable_flow
from orderhub.store.database import Database
from support.webhook_world import LONG_AGO, STORE_URL, webhook_world

T0 = LONG_AGO + timedelta(days=365 * 26, hours=12)
STORE = "https://shop.example.com"


def test_a_run_keeps_what_its_store_reported_for_every_process(
    tmp_path: Path, sqlite_template: Path
) -> None:
    with webhook_world(tmp_path, sqlite_template, public_url=None, orders=12) as world:
        enable_metrics(world.hub)
        assert read_report(world.hub.db, STORE_URL) is None
        enable_flow(world.hub, world.integration_id, FlowName.ORDERS_PULL, since=LONG_AGO)
        run = world.hub.runner().run_flow(
            world.integration_id, FlowName.ORDERS_PULL, trigger="manual"
        )
        world.must_succeed([run])
        # Another process reads it from the database: a Database of its own on the same file.
        other = Database.from_url(world.hub.settings.database_url, migrate=False)
        try:
            report = read_report(other, STORE_URL)
        finally:
            other.dispose()
    assert report is not None
    assert report.limit == 10_000  # the sandbox's unlimited plan, as Cart.com reports one
    assert report.used >= 1  # the window's calls: this run's, and the connection test's before
    assert max(report.busiest.values()) >= report.used


def test_the_busiest_window_of_each_hour_is_kept_a_day(database: Database) -> None:
    clock = FakeClock(T0)
    budgets = ReportedBudgets(database, clock)
    for used in (3, 48, 12):
        budgets.observe(STORE, used, 50)
    budgets.flush()
    clock.advance(2 * 3600)
    budgets.observe(STORE, 7, 50)
    budgets.flush()
    budgets.flush()  # nothing new: nothing written

    report = read_report(database, STORE)
    assert report is not None
    assert (report.used, report.limit, report.at) == (7, 50, clock.now())
    assert sorted(report.busiest.values()) == [7, 48]
    view = budget_view(report, clock.now(), CALL_PLANS)
    assert view is not None
    assert (view.plan, view.busiest_hour, view.busiest_day) == ("Gold or above", 7, 48)
    assert view.hour_from == T0.replace(minute=0) + timedelta(hours=1)
    assert budget_view(report, clock.now() - timedelta(hours=1), CALL_PLANS).busiest_hour == 48  # type: ignore[union-attr]
    assert not view.near_limit

    clock.advance(25 * 3600)  # a day later the old hours are dropped at the next write
    budgets.observe(STORE, 49, 50)
    budgets.flush()
    report = read_report(database, STORE)
    assert report is not None
    assert list(report.busiest.values()) == [49]
    view = budget_view(report, clock.now(), CALL_PLANS)
    assert view is not None
    assert view.near_limit
    assert view.share(view.busiest_hour) == 98


def test_a_document_this_version_cannot_read_is_as_if_nothing_was_reported() -> None:
    assert BudgetReport.from_document(None) is None
    assert BudgetReport.from_document({"limit": 50}) is None
    assert BudgetReport.from_document({"used": 1, "limit": "x", "at": "now"}) is None
    assert budget_view(None, T0, CALL_PLANS) is None
