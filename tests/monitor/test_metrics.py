"""The metrics' values: counted as runs and calls happen, and read from the database per scrape."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from orderhub.clock import FakeClock
from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.ratelimit import CallLimiter
from orderhub.connectors.cartcom.retry import RetryPolicy
from orderhub.domain import FlowName
from orderhub.monitor.app import enable_metrics
from orderhub.monitor.metrics import HubMetrics
from orderhub.services.integrations import enable_flow
from orderhub.store import exceptions as exception_store
from orderhub.store import runs as run_store
from support.webhook_world import LONG_AGO, webhook_world

ORDERS = FlowName.ORDERS_PULL
T0 = LONG_AGO + timedelta(days=365 * 26)


def samples(metrics: HubMetrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape, by name and labels."""
    found = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def key(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return (name, frozenset(labels.items()))


def test_a_run_counts_its_outcome_records_and_calls(tmp_path: Path, sqlite_template: Path) -> None:
    with webhook_world(tmp_path, sqlite_template, public_url=None, orders=12) as world:
        metrics = enable_metrics(world.hub)
        enable_flow(world.hub, world.integration_id, ORDERS, since=LONG_AGO)
        run = world.hub.runner().run_flow(world.integration_id, ORDERS, trigger="manual")
        world.must_succeed([run])
        seen = samples(metrics)
        labels = {"integration": world.integration_id, "flow": ORDERS.value}
        assert seen[key("orderhub_runs_total", **labels, outcome="succeeded")] == 1
        assert seen[key("orderhub_run_records_total", **labels, outcome="created")] == 12
        assert seen[key("orderhub_run_records_total", **labels, outcome="fetched")] == 12
        store = {"connector": "cartcom", "store": "http://127.0.0.1:9"}
        assert seen[key("orderhub_remote_calls_total", **store, status="2xx")] == run.api_calls
        # The sandbox's unlimited plan reports its limit in X-AC-Call-Limit.
        assert seen[key("orderhub_remote_call_budget_limit", **store)] >= 1000
        # The database-derived gauges: no exception, lag since that run's finish.
        lag = seen[key("orderhub_sync_lag_seconds", **labels)]
        assert 0 <= lag < 60
        assert not [name for name, _ in seen if name == "orderhub_open_exceptions"]


def test_a_429_is_counted_for_its_store() -> None:
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "1", "X-AC-Call-Limit": "5/5"}),
            httpx.Response(200, json={"id": 1}, headers={"X-AC-Call-Limit": "2/5"}),
        ]
    )
    metrics = HubMetrics()
    clock = FakeClock(T0)
    client = CartcomClient(
        "https://shop.example.com",
        "token",
        http=httpx.Client(transport=httpx.MockTransport(lambda _request: next(answers))),
        clock=clock,
        sleep=clock.sleep,
        limiter=CallLimiter(clock=clock, sleep=clock.sleep),
        retry=RetryPolicy(),
        on_call=metrics.call_observer("cartcom", "https://shop.example.com"),
    )
    assert client.get("orders/1") == {"id": 1}
    seen = samples(metrics)
    store = {"connector": "cartcom", "store": "https://shop.example.com"}
    assert seen[key("orderhub_remote_rate_limited_total", **store)] == 1
    assert seen[key("orderhub_remote_calls_total", **store, status="4xx")] == 1
    assert seen[key("orderhub_remote_calls_total", **store, status="2xx")] == 1
    assert seen[key("orderhub_remote_call_budget_used", **store)] == 2
    assert seen[key("orderhub_remote_call_budget_limit", **store)] == 5


def test_exceptions_and_lag_are_read_at_scrape_time(tmp_path: Path, sqlite_template: Path) -> None:
    clock = FakeClock(T0)
    with webhook_world(tmp_path, sqlite_template, public_url=None, clock=clock) as world:
        metrics = enable_metrics(world.hub)
        enable_flow(world.hub, world.integration_id, ORDERS, since=LONG_AGO)
        labels = {"integration": world.integration_id, "flow": ORDERS.value}
        # Never run: the lag counts from when the flow was switched on.
        clock.advance(90)
        assert samples(metrics)[key("orderhub_sync_lag_seconds", **labels)] == 90
        with world.hub.db.session() as session:
            for number in range(3):
                exception_store.raise_exception(
                    session,
                    integration_id=world.integration_id,
                    flow=ORDERS,
                    entity_type="order",
                    ext_entity_id=str(number),
                    exception_type="mappingFailed",
                    message="no",
                    raw=None,
                    now=clock.now(),
                )
            run_id = run_store.start_run(
                session, integration_id=world.integration_id, flow=ORDERS, trigger="t", now=T0
            )
        seen = samples(metrics)
        assert seen[key("orderhub_open_exceptions", **labels)] == 3
        # A failed run does not move the lag; a succeeded one does.
        from orderhub.domain import RunCounts, RunStatus

        with world.hub.db.session() as session:
            run_store.finish_run(
                session,
                run_id,
                status=RunStatus.SUCCEEDED,
                counts=RunCounts(),
                api_calls=0,
                rate_limit_wait_seconds=0,
                error=None,
                now=clock.now(),
            )
        clock.advance(30)
        assert samples(metrics)[key("orderhub_sync_lag_seconds", **labels)] == 30


def test_a_completeness_check_counts_its_calls(tmp_path: Path, sqlite_template: Path) -> None:
    from orderhub.services.verification import Verifier

    with webhook_world(tmp_path, sqlite_template, public_url=None, orders=5) as world:
        metrics = enable_metrics(world.hub)
        enable_flow(world.hub, world.integration_id, ORDERS, since=LONG_AGO)
        verifier = Verifier.for_hub(world.hub, http_factory=world.hub.http_factory)
        (check,) = verifier.verify(world.integration_id, repair=False)
        assert check.api_calls > 0
        store = {"connector": "cartcom", "store": "http://127.0.0.1:9", "status": "2xx"}
        assert samples(metrics)[key("orderhub_remote_calls_total", **store)] == check.api_calls


def test_the_connection_test_counts_its_calls(tmp_path: Path, sqlite_template: Path) -> None:
    from orderhub.services.integrations import retest_integration

    with webhook_world(tmp_path, sqlite_template, public_url=None) as world:
        metrics = enable_metrics(world.hub)
        store = {"connector": "cartcom", "store": "http://127.0.0.1:9", "status": "2xx"}
        assert key("orderhub_remote_calls_total", **store) not in samples(metrics)
        result = retest_integration(world.hub, world.integration_id)
        assert result.report.connected
        assert samples(metrics)[key("orderhub_remote_calls_total", **store)] >= 2
